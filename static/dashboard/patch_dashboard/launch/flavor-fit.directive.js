/*
 * Flavor step: whether one flavor fits the chosen image, whether it is the recommended one,
 * and why (the reasons come worded from the plugin's guidance endpoint). After Launch
 * Replacement, the guidance is asked with the replaced instance's flavor.
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance')
    .directive('patchDashboardFlavorFit', flavorFit);

  flavorFit.$inject = [
    'horizon.dashboard.patch_dashboard.launch-guidance.basePath',
    'horizon.dashboard.patch_dashboard.launch-guidance.service',
    'horizon.dashboard.patch_dashboard.launch-guidance.handoff'
  ];

  function flavorFit(basePath, guidance, handoff) {
    return {
      restrict: 'E',
      scope: {item: '=', source: '='},
      templateUrl: basePath + 'flavor-fit.html',
      link: link
    };

    function link(scope) {
      var asked = 0;
      // The current flavor of an instance being replaced (Launch Replacement), or null.
      scope.$watchGroup(['source.id', 'item.id', handoff.currentFlavorId], function (ids) {
        var imageId = ids[0];
        var flavorId = ids[1];
        var question = ++asked;
        scope.fit = null;
        scope.recommended = null;
        guidance.imageGuidance(imageId, ids[2]).then(function (answer) {
          // Only the answer to the latest question (the image or current flavor may change).
          if (!answer || question !== asked) {
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
