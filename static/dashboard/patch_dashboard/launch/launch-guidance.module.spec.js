(function () {
  'use strict';

  describe('patch-dashboard launch guidance: the module', function () {
    var spec = window.patchDashboardSpec;
    var WORKFLOW = 'horizon.dashboard.project.workflow.launch-instance.workflow';
    var HORIZON_STEPS = '/static/dashboard/project/workflow/launch-instance/';
    var OURS = '/static/dashboard/patch_dashboard/launch/';
    var MODAL = 'horizon.dashboard.project.workflow.launch-instance.modal.service';
    var HANDOFF = 'horizon.dashboard.patch_dashboard.launch-guidance.handoff';
    /* What Launch Replacement hands over for an instance on m1.large, which fits Debian 12. */
    var REPLACEMENT = {successUrl: '/project/outdated_instances/', imageId: 'deb-12-new',
                       flavorId: 'f-large', currentFlavorName: 'm1.large'};

    /** Horizon's modal service, with $uibModal opening nothing (the steps are drawn apart). */
    function modalService($injector) {
      var $uibModal = $injector.get('$uibModal');
      spyOn($uibModal, 'open').and.returnValue({result: $injector.get('$q').defer().promise});
      return $injector.get(MODAL);
    }

    describe('before the wizard opens', function () {
      beforeEach(spec.loadModules);

      it('defines its base path from STATIC_URL and calls no endpoint', inject(
        function ($injector, $httpBackend, $rootScope) {
          expect($injector.get('horizon.dashboard.patch_dashboard.launch-guidance.basePath'))
            .toBe(OURS);
          $rootScope.$digest();
          $httpBackend.verifyNoOutstandingRequest();
        }));
    });

    describe('the workflow decorator', function () {
      var steps;

      beforeEach(spec.loadModules);
      beforeEach(inject(function ($injector) {
        steps = $injector.get(WORKFLOW).steps;
      }));

      it('points the Source step at its wrapper and keeps Horizon\'s template in it', function () {
        var source = steps.filter(function (step) { return step.id === 'source'; })[0];
        expect(source.templateUrl).toBe(OURS + 'source-step.html');
        expect(source.patchDashboardTemplateUrl).toBe(HORIZON_STEPS + 'source/source.html');
        expect(source.formName).toBe('launchInstanceSourceForm');
        expect(source.helpUrl).toBe(HORIZON_STEPS + 'source/source.help.html');
      });

      it('leaves the other ten steps as Horizon made them', function () {
        expect(steps.length).toBe(11);
        steps.forEach(function (step) {
          if (step.id !== 'source') {
            expect(step.templateUrl.indexOf(HORIZON_STEPS)).toBe(0);
            expect(step.patchDashboardTemplateUrl).toBeUndefined();
          }
        });
      });
    });

    describe('the workflow decorator with another plugin\'s decorator before it', function () {
      var stepBefore;

      beforeEach(function () {
        angular.mock.module('templates', 'horizon.framework', 'horizon.app.core',
                            'horizon.dashboard.project');
        // A decorator registered earlier (say, by another plugin) that adds to the step.
        angular.mock.module(function ($provide) {
          $provide.decorator(WORKFLOW, function ($delegate) {
            stepBefore = $delegate.steps[1];
            stepBefore.checkReadiness = angular.noop;
            return $delegate;
          });
        });
        angular.mock.module(spec.MODULE);
      });

      it('changes the same step object, so what others attached stays', inject(
        function ($injector) {
          var source = $injector.get(WORKFLOW).steps[1];
          expect(source).toBe(stepBefore);
          expect(source.checkReadiness).toBe(angular.noop);
          expect(source.templateUrl).toBe(OURS + 'source-step.html');
        }));
    });

    describe('the dynamic table decorator after another one that links the table', function () {
      var linked;

      function decorateFirst(compile) {
        return function () {
          linked = [];
          angular.mock.module('templates', 'ngCookies', 'horizon.framework', 'horizon.app.core',
                              'horizon.dashboard.project');
          angular.mock.module(function ($provide) {
            $provide.decorator('hzDynamicTableDirective', function ($delegate) {
              $delegate[0].compile = compile;
              return $delegate;
            });
          });
          angular.mock.module(spec.MODULE);
        };
      }

      function table() {
        spec.answerHorizon();
        inject(function ($httpBackend) {
          $httpBackend.whenGET(spec.STATES_URL).respond(spec.imageStates());
        });
        return spec.render('<hz-dynamic-table config="config" items="items"></hz-dynamic-table>', {
          config: {trackId: 'id', expand: false, columns: [{id: 'name', title: 'Name', priority: 1}],
                   detailsTemplateUrl: HORIZON_STEPS + 'flavor/flavor-details.html'},
          items: [{id: 'f-tiny', name: 'm1.tiny'}]
        });
      }

      describe('with pre- and post-link functions', function () {
        beforeEach(decorateFirst(function () {
          return {
            pre: function () { linked.push('pre'); },
            post: function () { linked.push('post'); }
          };
        }));

        it('keeps them and still adds its column', function () {
          var element = table().element;
          expect(linked).toEqual(['pre', 'post']);
          expect(spec.texts(element, 'thead th')).toContain('Fit for the image');
        });
      });

      describe('with a post-link function', function () {
        beforeEach(decorateFirst(function () {
          return function () { linked.push('post'); };
        }));

        it('keeps it and still adds its column', function () {
          var element = table().element;
          expect(linked).toEqual(['post']);
          expect(spec.texts(element, 'thead th')).toContain('Fit for the image');
        });
      });
    });

    /*
     * Horizon's real Source step (source.html, its controller, the transfer table and the
     * dynamic tables) rendered through the wrapper, as the wizard includes a step.
     */
    describe('the Source step of the wizard', function () {
      var backend = spec.withBackend();
      var $httpBackend, $q, model, step, element, scope;

      beforeEach(inject(function ($injector) {
        $httpBackend = backend.$httpBackend;
        $q = $injector.get('$q');
        step = $injector.get(WORKFLOW).steps[1];
        model = {
          allowedBootSources: [{type: 'image', label: 'Image'},
                               {type: 'volume', label: 'Volume'}],
          newInstanceSpec: {source: [], source_type: null, create_volume_default: false,
                            instance_count: 1, vol_create: false, flavor: {}},
          images: spec.wizardImages(),
          imageSnapshots: [],
          volumes: [{id: 'vol-1', name: 'data', size: 1, volume_image_metadata: {disk_format: 'raw'}}],
          volumeSnapshots: [],
          novaLimits: {maxTotalInstances: 10, totalInstancesUsed: 0},
          volumeBootable: false,
          allowCreateVolumeFromImage: false,
          volumeTypes: []
        };
      }));

      /** Opens the step the way the wizard includes it, the states answering status/body. */
      function open(status, body) {
        $httpBackend.expectGET(spec.STATES_URL).respond(status, body);
        var rendered = spec.render(
          '<div ng-form="wizardForm">' +
          '<ng-include ng-form="{$ step.formName $}" src="step.templateUrl"></ng-include>' +
          '</div>',
          {step: step, model: model, initPromise: $q.resolve(), launchContext: {}});
        element = rendered.element;
        scope = rendered.scope;
        $httpBackend.flush();
        spec.flushTimeouts();
      }

      function tables() {
        return element[0].querySelectorAll('hz-dynamic-table');
      }

      /** The rows of the Available table: [name, patch state] ([name] without that column). */
      function available() {
        var table = tables()[1];
        var heads = spec.texts(table, 'thead th');
        var nameAt = heads.indexOf('Name');
        var stateAt = heads.indexOf('Patch state');
        return Array.prototype.map.call(
          table.querySelectorAll('tbody tr[ng-repeat-start]'),
          function (row) {
            var cells = spec.texts(row, 'td');
            return stateAt < 0 ? [cells[nameAt]] : [cells[nameAt], cells[stateAt]];
          });
      }

      function allocate(name) {
        var table = tables()[1];
        var row = Array.prototype.filter.call(
          table.querySelectorAll('tbody tr[ng-repeat-start]'),
          function (each) { return spec.text(each).indexOf(name) === 0; })[0];
        angular.element(row.querySelector('actions button')).triggerHandler('click');
        scope.$digest();
      }

      it('shows the wrapper above Horizon\'s own Source step', function () {
        open(200, spec.imageStates());
        var guidance = element[0].querySelector('patch-dashboard-source-guidance');
        var original = element[0].querySelector('[ng-controller^="LaunchInstanceSourceController"]');
        expect(guidance).not.toBeNull();
        expect(original).not.toBeNull();
        // eslint-disable-next-line no-bitwise
        expect(guidance.compareDocumentPosition(original) & Node.DOCUMENT_POSITION_FOLLOWING)
          .toBeTruthy();
      });

      it('lists the images by patch state: each family\'s recommended build first', function () {
        open(200, spec.imageStates());
        expect(available()).toEqual([
          ['Debian 12', 'Current'],
          ['Debian 12 20240101', 'Superseded'],
          ['Debian 11', 'Deprecated'],
          ['Ubuntu 24.04', 'Current'],
          ['openSUSE 15.5', 'Obsolete'],
          ['Unlisted', '']
        ]);
      });

      it('warns about a deprecated choice, and "Use Debian 12" puts the latest build in its place',
        function () {
          open(200, spec.imageStates());
          allocate('Debian 11');
          var warning = element[0].querySelector('.patch-dashboard-image-warning');
          expect(spec.text(warning)).toContain('Deprecated since 2024-07-01: CVE-2024-0001');
          var use = warning.querySelector('button.patch-dashboard-use-latest');
          expect(spec.text(use)).toBe('Use Debian 12');

          angular.element(use).triggerHandler('click');
          scope.$digest();
          spec.flushTimeouts();
          expect(model.newInstanceSpec.source.map(function (image) { return image.id; }))
            .toEqual(['deb-12-new']);
          expect(spec.texts(tables()[0], 'tbody tr[ng-repeat-start] td')).toContain('Debian 12');
          expect(available().map(function (row) { return row[0]; })).not.toContain('Debian 12');
          expect(element[0].querySelector('.patch-dashboard-image-warning')).toBeNull();
        });

      it('adds no column to the volume table', function () {
        open(200, spec.imageStates());
        model.newInstanceSpec.source_type = model.allowedBootSources[1];
        scope.$digest();
        var ctrl = angular.element(element[0].querySelector(
          '[ng-controller^="LaunchInstanceSourceController"]')).controller('ngController');
        ctrl.updateBootSourceSelection('volume');
        scope.$digest();
        expect(spec.texts(tables()[1], 'thead th')).not.toContain('Patch state');
        expect(available()).toEqual([['data']]);
      });

      it('stays Horizon\'s Source step when the states endpoint fails', function () {
        open(500, 'Internal Server Error');
        // Horizon's order (the wizard's image list), no badge.
        expect(available()).toEqual([
          ['Debian 11', ''], ['Ubuntu 24.04', ''], ['Debian 12 20240101', ''],
          ['openSUSE 15.5', ''], ['Debian 12', ''], ['Unlisted', '']
        ]);
        allocate('Debian 11');
        expect(model.newInstanceSpec.source[0].id).toBe('deb-11');
        expect(element[0].querySelector('.patch-dashboard-image-warning')).toBeNull();
        expect(scope.wizardForm.launchInstanceSourceForm.$error.patchDashboardLaunchBlocked)
          .toBeUndefined();
      });
    });
    describe('the modal service decorator', function () {
      var modal, handoff, $uibModal, $rootScope;

      beforeEach(spec.loadModules);
      beforeEach(inject(function ($injector) {
        modal = modalService($injector);
        $uibModal = $injector.get('$uibModal');
        $rootScope = $injector.get('$rootScope');
        handoff = $injector.get(HANDOFF);
      }));

      /** A Flavor table's scope as the hand-off sees it: the step's facades. */
      function flavorTable(facades) {
        var scope = $rootScope.$new();
        scope.table = {availableFlavorFacades: facades, allocatedFlavorFacades: []};
        handoff.followFlavorStep(scope);
        scope.$digest();
        return scope;
      }

      it('still opens Horizon\'s wizard with the whole launchContext', function () {
        modal.open(REPLACEMENT);
        expect($uibModal.open).toHaveBeenCalled();
        expect($uibModal.open.calls.argsFor(0)[0].resolve.launchContext()).toBe(REPLACEMENT);
      });

      it('keeps the hand-off of each opening, and none for a launch without one', function () {
        var large = {id: 'f-large', name: 'm1.large'};
        modal.open(REPLACEMENT);
        var first = flavorTable([{id: 'f-small', name: 'm1.small'}, large]);
        expect(handoff.currentFlavorId()).toBe('f-large');
        expect(first.table.allocatedFlavorFacades).toEqual([large]);

        // Then the wizard is opened from Horizon's Instances panel: no hand-off at all.
        modal.open();
        expect(handoff.currentFlavorId()).toBeNull();
        var second = flavorTable([large]);
        expect(second.table.allocatedFlavorFacades).toEqual([]);
        // The first wizard's table, should it still be there, stops following.
        first.table.allocatedFlavorFacades.length = 0;
        first.table.availableFlavorFacades.push({id: 'f-tiny', name: 'm1.tiny'});
        first.$digest();
        expect(first.table.allocatedFlavorFacades).toEqual([]);
        expect(handoff.currentFlavorId()).toBeNull();

        modal.open({imageId: 'deb-12-new'});
        expect(flavorTable([large]).table.allocatedFlavorFacades).toEqual([]);
      });
    });

    /*
     * Horizon's real Flavor step (flavor.html, its controller and transfer table) as the
     * wizard includes it, opened through Horizon's modal service, the flavors loaded later.
     */
    describe('the Flavor step of the wizard', function () {
      var backend = spec.withBackend();
      var $httpBackend, modal, model, step, element, scope;

      beforeEach(inject(function ($injector) {
        $httpBackend = backend.$httpBackend;
        modal = modalService($injector);
        step = $injector.get(WORKFLOW).steps.filter(function (each) {
          return each.id === 'flavor';
        })[0];
        model = $injector.get('launchInstanceModel');
        model.newInstanceSpec = {
          source: [spec.wizardImages()[4]], source_type: {type: 'image', label: 'Image'},
          instance_count: 1, vol_create: false
        };
        model.novaLimits = {maxTotalInstances: 10, totalInstancesUsed: 0, maxTotalCores: 20,
                            totalCoresUsed: 0, maxTotalRAMSize: 51200, totalRAMUsed: 0};
        model.flavors.length = 0;
      }));

      /** The wizard opened with ``launchContext``, its Flavor step drawn, no flavors yet. */
      function open(launchContext) {
        modal.open(launchContext);
        var rendered = spec.render(
          '<div ng-form="wizardForm">' +
          '<ng-include ng-form="{$ step.formName $}" src="step.templateUrl"></ng-include>' +
          '</div>',
          {step: step, model: model, launchContext: launchContext});
        element = rendered.element;
        scope = rendered.scope;
      }

      /** Nova's flavors arrive (the model's list fills), the plugin's answers as given. */
      function loadFlavors(guidanceUrl, guidance) {
        $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
        $httpBackend.expectGET(guidanceUrl).respond(guidance);
        Array.prototype.push.apply(model.flavors, spec.novaFlavors());
        scope.$digest();
        $httpBackend.flush();
      }

      /** Rows of the allocated (0) or available (1) table: [name, fit for the image]. */
      function rows(which) {
        var table = element[0].querySelectorAll('hz-dynamic-table')[which];
        var heads = spec.texts(table, 'thead th');
        return Array.prototype.map.call(
          table.querySelectorAll('tbody tr[ng-repeat-start]'),
          function (row) {
            var cells = spec.texts(row, 'td');
            return [cells[heads.indexOf('Name')], cells[heads.indexOf('Fit for the image')]];
          });
      }

      function allocatedRow() {
        return element[0].querySelectorAll('hz-dynamic-table')[0]
          .querySelector('tbody tr[ng-repeat-start]');
      }

      function names(which) {
        return rows(which).map(function (row) { return row[0]; });
      }

      var KEPT = 'Recommended Your current flavor, and it fits the image. 8192 MB of RAM, ' +
                 'at least the 1024 MB the image needs.';

      it('after Launch Replacement: the row\'s flavor allocated, marked as the current one',
        function () {
          open(REPLACEMENT);
          expect(rows(0)).toEqual([]);
          // The guidance is asked with the instance's flavor only (never first without it).
          loadFlavors(spec.guidanceUrl('deb-12-new') + '?flavor_id=f-large',
                      spec.currentGuidance());
          expect(rows(0)).toEqual([['m1.large', KEPT]]);
          // The transfer table knows it is allocated: its row offers to remove it, not to add it.
          expect(allocatedRow().querySelector('actions button.fa-arrow-down')).not.toBeNull();
          expect(allocatedRow().querySelector('actions button.fa-arrow-up')).toBeNull();
          expect(names(1)).toEqual(['m1.tiny', 'm1.small']);
          expect(rows(1)[1]).toEqual(['m1.small', 'Fits']);
          expect(model.newInstanceSpec.flavor.id).toBe('f-large');
          expect(scope.wizardForm.launchInstanceFlavorForm.$valid).toBe(true);
        });

      it('a flavor the user removes stays removed', function () {
        open(REPLACEMENT);
        loadFlavors(spec.guidanceUrl('deb-12-new') + '?flavor_id=f-large',
                    spec.currentGuidance());
        angular.element(allocatedRow().querySelector('actions button'))
          .triggerHandler('click');
        scope.$digest();
        spec.flushTimeouts();
        expect(rows(0)).toEqual([]);
        // The step's flavors change later (say, another is listed): nothing allocated again.
        var ctrl = angular.element(element[0].querySelector(
          '[ng-controller^="LaunchInstanceFlavorController"]')).scope().ctrl;
        ctrl.availableFlavorFacades.push(
          angular.extend({}, ctrl.availableFlavorFacades[2], {id: 'f-xlarge', name: 'm1.xlarge'}));
        scope.$digest();
        expect(rows(0)).toEqual([]);
        expect(names(1)).toEqual(['m1.tiny', 'm1.small', 'm1.large', 'm1.xlarge']);
        expect(rows(1)[2]).toEqual(['m1.large', KEPT]);
      });

      it('when the instance\'s flavor is gone: the smallest that fits, as the row says',
        function () {
          open({imageId: 'deb-12-new', flavorId: 'f-small', currentFlavorName: 'm1.gone'});
          loadFlavors(spec.guidanceUrl('deb-12-new'), spec.debianGuidance());
          expect(rows(0)[0][0]).toBe('m1.small');
          expect(rows(0)[0][1]).toContain('Recommended The smallest flavor that fits the image.');
          expect(model.newInstanceSpec.flavor.id).toBe('f-small');
        });

      it('a launch without the hand-off allocates nothing and asks without a flavor', function () {
        open({successUrl: '/project/images/', imageId: 'deb-12-new'});
        loadFlavors(spec.guidanceUrl('deb-12-new'), spec.debianGuidance());
        expect(rows(0)).toEqual([]);
        expect(names(1)).toEqual(['m1.tiny', 'm1.small', 'm1.large']);
        expect(rows(1)[1][1]).toContain('Recommended The smallest flavor that fits the image.');
        expect(model.newInstanceSpec.flavor).toBeUndefined();
      });
    });
  });
})();
