(function () {
  'use strict';

  describe('patch-dashboard launch guidance: the Source step warning', function () {
    var spec = window.patchDashboardSpec;
    var backend = spec.withBackend();
    var $httpBackend, events, model, element, scope;

    beforeEach(inject(function ($injector) {
      $httpBackend = backend.$httpBackend;
      events = $injector.get('horizon.framework.widgets.transfer-table.events');
      model = {
        images: spec.wizardImages(),
        newInstanceSpec: {source: [], source_type: {type: 'image', label: 'Image'}}
      };
    }));

    /** The warning in the step's form, the states answering as given. */
    function open(states, status) {
      $httpBackend.expectGET(spec.STATES_URL).respond(status || 200, states);
      var rendered = spec.render(
        '<div ng-form="launchInstanceSourceForm"><div ng-if="!closed">' +
        '<patch-dashboard-source-guidance model="model"></patch-dashboard-source-guidance>' +
        // Where Horizon's own step (and its transfer table) is included, below the warning.
        '<div ng-if="true" class="horizon-step"></div>' +
        '</div></div>', {model: model});
      element = rendered.element;
      scope = rendered.scope;
    }

    function choose(id) {
      var image = model.images.filter(function (each) { return each.id === id; })[0];
      model.newInstanceSpec.source.length = 0;
      model.newInstanceSpec.source.push(image);
      scope.$digest();
    }

    /** The step opened, an image chosen and the states arrived. */
    function chosen(id, states, status) {
      open(states, status);
      choose(id);
      $httpBackend.flush();
    }

    function warning() {
      return element[0].querySelector('.patch-dashboard-image-warning');
    }

    function form() {
      return scope.launchInstanceSourceForm;
    }

    it('shows nothing for a current image', function () {
      chosen('deb-12-new', spec.imageStates());
      expect(warning()).toBeNull();
      expect(form().$valid).toBe(true);
    });

    it('warns about a deprecated image in red, with the reason and "Use Debian 12"', function () {
      chosen('deb-11', spec.imageStates());
      expect(warning().className).toContain('alert-danger');
      expect(warning().getAttribute('data-patch-state')).toBe('deprecated');
      expect(spec.text(warning().querySelector('.patch-state'))).toBe('Deprecated');
      expect(spec.text(warning().querySelector('.patch-dashboard-image-name')))
        .toBe('Debian 11');
      expect(spec.text(warning().querySelector('.patch-dashboard-reason')))
        .toBe('Deprecated since 2024-07-01: CVE-2024-0001');
      var use = warning().querySelector('.patch-dashboard-use-latest');
      expect(spec.text(use)).toBe('Use Debian 12');
      expect(use.getAttribute('data-image-id')).toBe('deb-12-new');
      expect(spec.text(warning().querySelector('.patch-dashboard-latest')))
        .toBe('Use Debian 12 Built on 2024-06-01');
      expect(warning().querySelector('.patch-dashboard-blocked')).toBeNull();
      expect(form().$valid).toBe(true);
    });

    it('warns about a superseded image in yellow', function () {
      chosen('deb-12-old', spec.imageStates());
      expect(warning().className).toContain('alert-warning');
      expect(warning().className).not.toContain('alert-danger');
      expect(spec.text(warning())).toContain('1 newer build of Debian 12 exists.');
    });

    it('"Use Debian 12" swaps the choice in two digests and tells the transfer table', function () {
      open(spec.imageStates());
      var source = model.newInstanceSpec.source;
      choose('deb-11');
      $httpBackend.flush();
      var told = [];
      var transferTable = angular.element(element[0].querySelector('.horizon-step')).scope();
      transferTable.$on(events.TABLES_CHANGED, function (event, args) {
        told.push(args.data.allocated.map(function (image) { return image.id; }));
      });
      angular.element(warning().querySelector('.patch-dashboard-use-latest'))
        .triggerHandler('click');
      // Emptied first: the Source step's length watch sees 1 -> 0 -> 1 (its volume size check).
      expect(source.length).toBe(0);
      expect(told).toEqual([]);
      spec.flushTimeouts();
      expect(model.newInstanceSpec.source).toBe(source);
      expect(source.map(function (image) { return image.id; })).toEqual(['deb-12-new']);
      expect(source[0]).toBe(model.images[4]);
      expect(told).toEqual([['deb-12-new']]);
      expect(warning()).toBeNull();
    });

    it('names the latest build it cannot offer when the wizard does not list it', function () {
      chosen('suse-15', spec.imageStates());
      expect(warning().className).toContain('alert-danger');
      expect(warning().querySelector('.patch-dashboard-use-latest')).toBeNull();
      expect(spec.text(warning().querySelector('.patch-dashboard-latest-elsewhere')))
        .toBe('The latest build is openSUSE 15.6; it cannot be chosen here.');
    });

    it('offers no swap when booting from an instance snapshot', function () {
      model.newInstanceSpec.source_type = {type: 'snapshot', label: 'Instance Snapshot'};
      chosen('deb-12-old', spec.imageStates());
      expect(warning().querySelector('.patch-dashboard-use-latest')).toBeNull();
      expect(spec.text(warning().querySelector('.patch-dashboard-latest-elsewhere')))
        .toBe('The latest build is Debian 12; it cannot be chosen here.');
      // Nothing to swap to: the swap does nothing.
      angular.element(element[0].querySelector('patch-dashboard-source-guidance'))
        .isolateScope().useLatest();
      spec.flushTimeouts();
      expect(model.newInstanceSpec.source[0].id).toBe('deb-12-old');
    });

    it('shows the warning of the image chosen last, not of an earlier one', function () {
      open(spec.imageStates());
      choose('deb-11');
      choose('ubuntu-24');
      $httpBackend.flush();
      expect(warning()).toBeNull();
    });

    it('shows nothing and keeps the step valid when the states endpoint fails', function () {
      chosen('deb-11', {error: 'forbidden'}, 403);
      expect(warning()).toBeNull();
      expect(spec.text(element)).toBe('');
      expect(form().$valid).toBe(true);
    });

    describe('with PATCH_DASHBOARD_BLOCK_DEPRECATED_LAUNCH', function () {
      var BLOCKED = 'Your cloud does not allow launching from deprecated or obsolete images.';

      it('makes the step invalid for a deprecated image and says why', function () {
        chosen('deb-11', spec.imageStates({block: true}));
        expect(spec.text(warning().querySelector('.patch-dashboard-blocked'))).toBe(BLOCKED);
        expect(form().$valid).toBe(false);
        expect(form().$error.patchDashboardLaunchBlocked).toBeDefined();
        // The way out is right there.
        expect(spec.text(warning().querySelector('.patch-dashboard-use-latest')))
          .toBe('Use Debian 12');
      });

      it('makes the step valid again once another image is chosen', function () {
        chosen('deb-11', spec.imageStates({block: true}));
        choose('deb-12-old');
        expect(form().$valid).toBe(true);
        expect(warning().className).toContain('alert-warning');
        expect(warning().querySelector('.patch-dashboard-blocked')).toBeNull();
      });

      it('makes it valid again when the selection is emptied or the warning goes away', function () {
        chosen('suse-15', spec.imageStates({block: true}));
        expect(form().$valid).toBe(false);
        model.newInstanceSpec.source.length = 0;
        scope.$digest();
        expect(form().$valid).toBe(true);

        choose('suse-15');
        expect(form().$valid).toBe(false);
        scope.closed = true;
        scope.$digest();
        expect(form().$valid).toBe(true);
      });
    });
  });
})();
