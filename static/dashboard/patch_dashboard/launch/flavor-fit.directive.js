/*
 * Flavor step: whether one flavor fits the chosen image, whether it is the recommended one,
 * and why (the reasons come worded from the plugin's guidance endpoint).
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance')
    .directive('patchDashboardFlavorFit', flavorFit);

  flavorFit.$inject = [
    'horizon.dashboard.patch_dashboard.launch-guidance.basePath',
    'horizon.dashboard.patch_dashboard.launch-guidance.service'
  ];

  function flavorFit(basePath, guidance) {
    return {
      restrict: 'E',
      scope: {item: '=', source: '='},
      templateUrl: basePath + 'flavor-fit.html',
      link: link
    };

    function link(scope) {
      scope.$watchGroup(['source.id', 'item.id'], function (ids) {
        var imageId = ids[0];
        var flavorId = ids[1];
        scope.fit = null;
        scope.recommended = null;
        guidance.imageGuidance(imageId).then(function (answer) {
          if (!answer || !scope.source || scope.source.id !== imageId) {
            return;
          }
          scope.imageName = answer.name;
          scope.fit = answer.flavors.filter(function (flavor) {
            return flavor.id === flavorId;
          })[0] || null;
          var recommended = answer.recommended_flavor;
          scope.recommended = recommended && recommended.id === flavorId ? recommended : null;
        });
      });
    }
  }
})();
