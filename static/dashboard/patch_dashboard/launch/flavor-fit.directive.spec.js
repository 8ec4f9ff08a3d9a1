(function () {
  'use strict';

  describe('patch-dashboard launch guidance: the flavor fit', function () {
    var spec = window.patchDashboardSpec;
    var FLAVOR = '/static/dashboard/project/workflow/launch-instance/flavor/flavor-details.html';
    var backend = spec.withBackend();
    var $httpBackend;

    beforeEach(function () {
      $httpBackend = backend.$httpBackend;
    });

    /* Horizon's Flavor step table: its controller (``table``) has the chosen image as source. */
    function flavorTable(source) {
      var config = {
        selectAll: false, expand: false, trackId: 'id', detailsTemplateUrl: FLAVOR,
        columns: [{id: 'name', title: 'Name', priority: 1},
                  {id: 'vcpus', title: 'VCPUS', priority: 2}]
      };
      var flavors = spec.debianGuidance().flavors.map(function (flavor) {
        return {id: flavor.id, name: flavor.name, vcpus: flavor.vcpus};
      });
      return spec.render(
        '<hz-dynamic-table config="config" items="items" table="table"></hz-dynamic-table>',
        {config: config, items: flavors, table: {source: source}});
    }

    /** Each row as the user reads it: {flavor name: text of the "Fit for the image" cell}. */
    function fitByFlavor(element) {
      var heads = spec.texts(element, 'thead th');
      var found = {};
      Array.prototype.forEach.call(
        element[0].querySelectorAll('tbody tr[ng-repeat-start]'),
        function (row) {
          var cells = spec.texts(row, 'td');
          found[cells[heads.indexOf('Name')]] = cells[heads.indexOf('Fit for the image')];
        });
      return found;
    }

    function answer(imageId, status, body) {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      $httpBackend.expectGET(spec.guidanceUrl(imageId)).respond(status, body);
    }

    it('marks the recommended flavor and why, says why others cannot boot the image', function () {
      answer('deb-12-new', 200, spec.debianGuidance());
      var rendered = flavorTable({id: 'deb-12-new'});
      $httpBackend.flush();
      expect(fitByFlavor(rendered.element)).toEqual({
        'm1.tiny': 'Cannot boot this image: RAM 512 MB is less than the 1024 MB the image ' +
                   'needs. Root disk 1 GB is less than the 10 GB it needs.',
        'm1.small': 'Recommended The smallest flavor that fits the image. RAM 2048 MB, the ' +
                    'image needs at least 1024 MB. Root disk 20 GB, the image needs at least ' +
                    '10 GB.',
        'm1.large': 'Fits'
      });
      var element = rendered.element[0];
      expect(spec.text(element.querySelector('.patch-dashboard-flavor-recommended .label')))
        .toBe('Recommended');
      expect(element.querySelector('.patch-dashboard-flavor-recommended .label').className)
        .toContain('label-success');
      expect(element.querySelectorAll('.patch-dashboard-flavor-misfit.text-danger').length)
        .toBe(1);
      expect(element.querySelectorAll('.patch-dashboard-flavor-fits.text-success').length)
        .toBe(1);
    });

    it('shows nothing before an image is chosen', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      var rendered = flavorTable(null);
      $httpBackend.flush();
      expect(fitByFlavor(rendered.element)).toEqual({'m1.tiny': '', 'm1.small': '',
                                                     'm1.large': ''});
    });

    it('shows nothing when the guidance endpoint fails', function () {
      answer('deb-12-new', 503, 'Nova is down');
      var rendered = flavorTable({id: 'deb-12-new'});
      $httpBackend.flush();
      expect(fitByFlavor(rendered.element)).toEqual({'m1.tiny': '', 'm1.small': '',
                                                     'm1.large': ''});
    });

    it('follows the chosen image, never showing an answer for an earlier one', function () {
      answer('deb-12-new', 200, spec.debianGuidance());
      var rendered = flavorTable({id: 'deb-12-new'});
      $httpBackend.flush(1);
      var ubuntu = spec.debianGuidance();
      ubuntu.recommended_flavor = angular.extend({}, ubuntu.recommended_flavor, {
        id: 'f-tiny', name: 'm1.tiny', why: [{requirement: 'min_ram', text: 'Enough RAM.'}]
      });
      ubuntu.flavors.forEach(function (flavor) {
        flavor.fits = true;
        flavor.reasons = [];
      });
      $httpBackend.expectGET(spec.guidanceUrl('ubuntu-24')).respond(ubuntu);
      // The user picks Ubuntu while Debian's guidance is on its way.
      rendered.scope.table.source = {id: 'ubuntu-24'};
      rendered.scope.$digest();
      $httpBackend.flush(1);
      expect(fitByFlavor(rendered.element)).toEqual({'m1.tiny': '', 'm1.small': '',
                                                     'm1.large': ''});
      $httpBackend.flush();
      expect(fitByFlavor(rendered.element)).toEqual({
        'm1.tiny': 'Recommended The smallest flavor that fits the image. Enough RAM.',
        'm1.small': 'Fits',
        'm1.large': 'Fits'
      });
    });

    it('shows nothing for a flavor the guidance does not list', function () {
      answer('deb-12-new', 200, spec.debianGuidance());
      var rendered = spec.render(
        '<patch-dashboard-flavor-fit item="item" source="source"></patch-dashboard-flavor-fit>',
        {item: {id: 'f-private'}, source: {id: 'deb-12-new'}});
      $httpBackend.flush();
      expect(spec.text(rendered.element)).toBe('');
    });
    it('asks again with the replaced instance\'s flavor once the wizard knows it', inject(
      function ($injector) {
        var handoff = $injector.get('horizon.dashboard.patch_dashboard.launch-guidance.handoff');
        var modal = $injector.get('horizon.dashboard.project.workflow.launch-instance.modal.service');
        spyOn($injector.get('$uibModal'), 'open')
          .and.returnValue({result: $injector.get('$q').defer().promise});
        modal.open({imageId: 'deb-12-new', flavorId: 'f-large', currentFlavorName: 'm1.large'});
        // The Flavor step's table, before Nova's flavors are in.
        var step = $injector.get('$rootScope').$new();
        step.table = {availableFlavorFacades: undefined, allocatedFlavorFacades: []};
        handoff.followFlavorStep(step);

        answer('deb-12-new', 200, spec.debianGuidance());
        var rendered = flavorTable({id: 'deb-12-new'});
        $httpBackend.flush(1);
        expect(handoff.currentFlavorId()).toBeNull();
        // The flavors arrive while the first answer is on its way.
        step.table.availableFlavorFacades = [{id: 'f-large', name: 'm1.large'}];
        $httpBackend.expectGET(spec.guidanceUrl('deb-12-new') + '?flavor_id=f-large')
          .respond(spec.currentGuidance());
        step.$root.$digest();
        expect(handoff.currentFlavorId()).toBe('f-large');
        $httpBackend.flush(1);
        // The answer without the flavor came too late: nothing is shown from it.
        expect(fitByFlavor(rendered.element)['m1.small']).toBe('');
        $httpBackend.flush();
        expect(fitByFlavor(rendered.element)).toEqual({
          'm1.tiny': 'Cannot boot this image: RAM 512 MB is less than the 1024 MB the image ' +
                     'needs. Root disk 1 GB is less than the 10 GB it needs.',
          'm1.small': 'Fits',
          'm1.large': 'Recommended Your current flavor, and it fits the image. 8192 MB of ' +
                      'RAM, at least the 1024 MB the image needs.'
        });
        // The allocated flavor stays the user's.
        expect(step.table.allocatedFlavorFacades).toEqual([{id: 'f-large', name: 'm1.large'}]);
      }));
  });
})();
