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
 * - Launch Replacement: Horizon's modal service is decorated to keep the launchContext's
 *   flavor hand-off (flavorId, currentFlavorName; the handoff service below), which the Flavor
 *   table then allocates and the guidance is asked with.
 *
 * When the plugin's endpoints fail, the additions show nothing and the wizard is unchanged.
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance', [
      'horizon.dashboard.project.workflow.launch-instance'
    ])
    .config(config)
    .factory('horizon.dashboard.patch_dashboard.launch-guidance.handoff', handoffService);

  handoffService.$inject = ['horizon.framework.widgets.transfer-table.events'];

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

    $provide.decorator(
      'horizon.dashboard.project.workflow.launch-instance.modal.service',
      ['$delegate', 'horizon.dashboard.patch_dashboard.launch-guidance.handoff',
        function keepHandoff(modal, handoff) {
          var open = modal.open;
          modal.open = function openWithHandoff(launchContext) {
            handoff.begin(launchContext);
            return open.apply(this, arguments);
          };
          return modal;
        }]
    );

    $provide.decorator('hzDynamicTableDirective', ['$delegate', '$injector', addColumns]);
  }

  /*
   * hz-dynamic-table has no compile or link function of its own (it has a template and a
   * controller); a pre-link function watches the columns each table is given and lets the
   * columns service add the plugin's columns to the Source and Flavor tables only; the
   * Flavor tables also take the hand-off of Launch Replacement.
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
          if (columns.isFlavorTable(scope.config)) {
            $injector.get('horizon.dashboard.patch_dashboard.launch-guidance.handoff')
              .followFlavorStep(scope);
          }
        },
        post: originalPost || angular.noop
      };
    };
    return $delegate;
  }

  /*
   * The hand-off from a plugin page to the wizard: Launch Replacement (Outdated Instances) opens
   * the wizard with, besides Horizon's own launchContext.imageId, the flavor the row recommends
   * (launchContext.flavorId) and the name of the instance's current flavor
   * (launchContext.currentFlavorName). The Flavor step then starts with that flavor allocated,
   * and the guidance is asked with the current flavor (flavor_id), so the wizard marks the same
   * flavor as the row: the current one when it fits, else the smallest that fits.
   *
   * Every opening of the wizard starts a new hand-off (none without those keys): a launch that
   * does not come from Launch Replacement is left as Horizon makes it.
   */
  function handoffService(transferTableEvents) {
    var handoff = null;

    return {
      begin: begin,
      currentFlavorId: currentFlavorId,
      followFlavorStep: followFlavorStep
    };

    /** The wizard opens with this launchContext (Horizon's modal service was called). */
    function begin(launchContext) {
      var context = launchContext || {};
      handoff = context.flavorId || context.currentFlavorName ? {
        flavorId: context.flavorId || null,
        currentFlavorName: context.currentFlavorName || null,
        currentFlavorId: null,
        allocated: false
      } : null;
    }

    /** The id of the replaced instance's flavor, once the wizard has listed the flavors. */
    function currentFlavorId() {
      return handoff ? handoff.currentFlavorId : null;
    }

    /*
     * ``scope`` is one of the Flavor step's dynamic tables; its ``table`` is the step's
     * controller. Once its flavors are loaded: the current flavor's id (Nova's flavor names
     * are unique, and the row names the flavor as the plugin found it), and the hand-off's
     * flavor allocated, once per opening (a flavor the user removes stays removed).
     */
    function followFlavorStep(scope) {
      var mine = handoff;
      var step = scope.table;
      if (!mine || !step) {
        return;
      }
      var stop = scope.$watchCollection(function () {
        return step.availableFlavorFacades;
      }, function (facades) {
        if (mine !== handoff) {
          stop();
          return;
        }
        var current = named(facades, 'name', mine.currentFlavorName);
        mine.currentFlavorId = current ? current.id : null;
        var wanted = named(facades, 'id', mine.flavorId);
        if (wanted && !mine.allocated) {
          mine.allocated = true;
          if (!step.allocatedFlavorFacades.length) {
            // The transfer table's allocated list: the step sets newInstanceSpec.flavor from it.
            step.allocatedFlavorFacades.push(wanted);
            // The transfer table keeps its own record of what is allocated (which arrow each
            // row offers): renew it now, before the rows are drawn.
            scope.$emit(transferTableEvents.TABLES_CHANGED, {
              data: {allocated: step.allocatedFlavorFacades}
            });
          }
        }
      });
    }

    function named(facades, key, value) {
      return value === null ? null : (facades || []).filter(function (facade) {
        return facade[key] === value;
      })[0] || null;
    }
  }
})();
