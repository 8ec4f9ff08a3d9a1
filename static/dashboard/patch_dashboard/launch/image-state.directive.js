/*
 * Patch-state badge of one image row in the Source step. It also gives the row its place
 * in the patch-state order and asks the table to sort again once the states have arrived.
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance')
    .directive('patchDashboardImageState', imageState);

  imageState.$inject = [
    '$timeout',
    'horizon.dashboard.patch_dashboard.launch-guidance.basePath',
    'horizon.dashboard.patch_dashboard.launch-guidance.columns',
    'horizon.dashboard.patch_dashboard.launch-guidance.service'
  ];

  var LAST = Number.MAX_SAFE_INTEGER;

  function imageState($timeout, basePath, columns, guidance) {
    return {
      restrict: 'E',
      require: '?^^stTable',
      scope: {item: '='},
      templateUrl: basePath + 'image-state.html',
      link: link
    };

    function link(scope, element, attrs, stTable) {
      scope.recommendedText = gettext('Recommended build of its family');
      scope.$watch('item.id', function (imageId) {
        scope.state = null;
        guidance.stateOf(imageId).then(function (state) {
          if (!state || !scope.item || scope.item.id !== imageId) {
            return;
          }
          scope.state = state;
          if (scope.item[columns.STATE_COLUMN] !== state.order) {
            scope.item[columns.STATE_COLUMN] = state.order;
            resort(stTable);
          }
        });
      });
      // Rows without a state (not listed by the plugin) go last.
      if (scope.item && angular.isUndefined(scope.item[columns.STATE_COLUMN])) {
        scope.item[columns.STATE_COLUMN] = LAST;
      }
    }

    // Every badge of a table resolves in the same digest: sort once, after all of them.
    function resort(stTable) {
      if (stTable && !stTable.patchDashboardResort) {
        stTable.patchDashboardResort = $timeout(function () {
          stTable.patchDashboardResort = null;
          stTable.pipe();
        });
      }
    }
  }
})();
