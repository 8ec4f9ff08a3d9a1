/*
 * Source step: when the chosen image is deprecated, obsolete, end-of-life, superseded or
 * stale, say so with the reason and offer the latest build of its family in one click.
 * With PATCH_DASHBOARD_BLOCK_DEPRECATED_LAUNCH, a deprecated or obsolete choice makes the
 * step invalid (the wizard's Launch button stays disabled) and the reason is shown.
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance')
    .directive('patchDashboardSourceGuidance', sourceGuidance);

  sourceGuidance.$inject = [
    '$timeout',
    'horizon.dashboard.patch_dashboard.launch-guidance.basePath',
    'horizon.dashboard.patch_dashboard.launch-guidance.service',
    'horizon.framework.widgets.transfer-table.events'
  ];

  var SEVERE = ['obsolete', 'deprecated', 'end-of-life'];
  var VALIDITY_KEY = 'patchDashboardLaunchBlocked';

  function sourceGuidance($timeout, basePath, guidance, transferTableEvents) {
    return {
      restrict: 'E',
      require: '^^form',
      scope: {model: '='},
      templateUrl: basePath + 'source-guidance.html',
      link: link
    };

    function link(scope, element, attrs, form) {
      scope.useLatest = useLatest;
      scope.state = null;

      scope.$watchCollection('model.newInstanceSpec.source', function (source) {
        var selected = source && source.length ? source[0] : null;
        scope.selected = selected;
        scope.state = null;
        scope.latest = null;
        scope.builtOnText = null;
        scope.latestElsewhereText = null;
        setBlocked(false);
        if (!selected) {
          return;
        }
        guidance.stateOf(selected.id).then(function (state) {
          if (!state || scope.selected !== selected) {
            return;
          }
          scope.state = state;
          scope.severe = SEVERE.indexOf(state.state) >= 0;
          scope.latest = choosable(state.recommended_image);
          var recommended = state.recommended_image;
          if (scope.latest) {
            scope.useLatestText = interpolate(
              gettext('Use %(name)s'), {name: scope.latest.name_or_id || scope.latest.id}, true);
          }
          if (recommended && recommended.build_date) {
            scope.builtOnText = interpolate(
              gettext('Built on %(date)s'), {date: recommended.build_date}, true);
          }
          if (recommended && !scope.latest) {
            scope.latestElsewhereText = interpolate(
              gettext('The latest build is %(name)s; it cannot be chosen here.'),
              {name: recommended.name}, true);
          }
          setBlocked(state.launch_blocked);
        });
      });

      scope.$on('$destroy', function () {
        setBlocked(false);
      });

      // The recommended build, when the wizard lists it as an image to boot from.
      function choosable(recommended) {
        var spec = scope.model.newInstanceSpec;
        if (!recommended || !spec.source_type || spec.source_type.type !== 'image') {
          return null;
        }
        return scope.model.images.filter(function (image) {
          return image.id === recommended.id;
        })[0] || null;
      }

      function setBlocked(blocked) {
        var control = form.patchDashboardLaunchAllowed;
        if (control) {
          control.$setValidity(VALIDITY_KEY, !blocked);
        }
      }

      function useLatest() {
        var target = scope.latest;
        var source = scope.model.newInstanceSpec.source;
        if (!target) {
          return;
        }
        // Empty first, then add in a later digest: the Source step watches only the length
        // of this list, and a one-for-one swap would skip its minimum volume size check.
        source.length = 0;
        $timeout(function () {
          source.push(target);
          // The transfer table keeps its own record of what is allocated; renew it.
          scope.$parent.$broadcast(transferTableEvents.TABLES_CHANGED, {
            data: {allocated: source}
          });
        });
      }
    }
  }
})();
