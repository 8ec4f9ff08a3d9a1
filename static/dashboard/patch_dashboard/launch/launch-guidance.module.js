/*
 * Launch guidance: patch-dashboard's additions to Horizon's Launch Instance wizard.
 *
 * Everything is hooked with $provide.decorator in a config block, so nothing runs until the
 * wizard (or a dynamic table) is actually created: a .run block would create the wizard's
 * services on every page, the login page included (see docs/launch-guidance.md).
 *
 * - Source step: its template is wrapped (the original is still included, so the readiness
 *   checks Horizon attached to the step object stay) to show a warning, the reason and a
 *   one-click "Use <latest build>" above the original content.
 * - Source and Flavor tables (hz-dynamic-table): a patch-state column with badges, sorted so
 *   that each family's recommended build comes first; the recommended flavor is marked and
 *   flavors that cannot boot the chosen image say why.
 *
 * When the plugin's endpoints fail, the additions show nothing and the wizard is unchanged.
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance', [
      'horizon.dashboard.project.workflow.launch-instance'
    ])
    .config(config);

  config.$inject = ['$provide', '$windowProvider'];

  function config($provide, $windowProvider) {
    var basePath = $windowProvider.$get().STATIC_URL + 'dashboard/patch_dashboard/launch/';
    $provide.constant('horizon.dashboard.patch_dashboard.launch-guidance.basePath', basePath);

    $provide.decorator(
      'horizon.dashboard.project.workflow.launch-instance.workflow',
      ['$delegate', function wrapSourceStep(workflow) {
        angular.forEach(workflow.steps, function (step) {
          if (step.id === 'source' && !step.patchDashboardTemplateUrl) {
            // Change the step object itself: workflow.replace() would make a new one and
            // lose what Horizon attached to it.
            step.patchDashboardTemplateUrl = step.templateUrl;
            step.templateUrl = basePath + 'source-step.html';
          }
        });
        return workflow;
      }]
    );

    $provide.decorator('hzDynamicTableDirective', ['$delegate', '$injector', addColumns]);
  }

  /*
   * hz-dynamic-table has no compile or link function of its own (it has a template and a
   * controller); a pre-link function watches the columns each table is given and lets the
   * columns service add the plugin's columns to the Source and Flavor tables only.
   */
  function addColumns($delegate, $injector) {
    var directive = $delegate[0];
    var originalCompile = directive.compile;
    directive.compile = function compile() {
      var original = originalCompile ? originalCompile.apply(this, arguments) : null;
      var originalPre = original && !angular.isFunction(original) ? original.pre : null;
      var originalPost = original && (angular.isFunction(original) ? original : original.post);
      return {
        pre: function pre(scope) {
          if (originalPre) {
            originalPre.apply(this, arguments);
          }
          // Resolved here, not in the decorator: only once a table is drawn.
          var columns = $injector.get('horizon.dashboard.patch_dashboard.launch-guidance.columns');
          scope.$watchCollection('config.columns', function (current) {
            columns.extend(scope.config, current);
          });
        },
        post: originalPost || angular.noop
      };
    };
    return $delegate;
  }
})();
