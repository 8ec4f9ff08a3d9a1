(function () {
  'use strict';

  describe('patch-dashboard launch guidance: the REST service', function () {
    var spec = window.patchDashboardSpec;
    var $httpBackend, $rootScope, guidance, toasts;

    beforeEach(spec.loadModules);
    beforeEach(inject(function ($injector) {
      $httpBackend = $injector.get('$httpBackend');
      $rootScope = $injector.get('$rootScope');
      guidance = $injector.get('horizon.dashboard.patch_dashboard.launch-guidance.service');
      toasts = $injector.get('horizon.framework.widgets.toast.service');
      jasmine.clock().install();
      jasmine.clock().mockDate(new Date(Date.UTC(2024, 7, 1, 12)));
    }));

    afterEach(function () {
      jasmine.clock().uninstall();
      $httpBackend.verifyNoOutstandingExpectation();
      $httpBackend.verifyNoOutstandingRequest();
    });

    /** The value a promise resolved to, after the pending responses are flushed. */
    function settle(promise, flush) {
      var result = 'unresolved';
      promise.then(function (value) { result = value; });
      if (flush !== false) {
        $httpBackend.flush();
      }
      $rootScope.$digest();
      return result;
    }

    it('fetches the states of every image in one call, through Horizon\'s API service', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      var first = guidance.stateOf('deb-11');
      var second = guidance.stateOf('ubuntu-24');
      var all = guidance.imageStates();
      expect(settle(first).state_label).toBe('Deprecated');
      expect(settle(second, false).state).toBe('current');
      expect(Object.keys(settle(all, false).images).length).toBe(5);
    });

    it('answers from what it fetched for a minute, then asks again', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      settle(guidance.stateOf('deb-11'));
      jasmine.clock().tick(59 * 1000);
      expect(settle(guidance.stateOf('deb-12-old'), false).state).toBe('superseded');

      jasmine.clock().tick(2 * 1000);
      var renewed = spec.imageStates();
      renewed.images['deb-12-old'].state = 'deprecated';
      $httpBackend.expectGET(spec.STATES_URL).respond(renewed);
      expect(settle(guidance.stateOf('deb-12-old')).state).toBe('deprecated');
    });

    it('resolves to null for an image the plugin does not list, or for no image', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      expect(settle(guidance.stateOf('no-state'))).toBeNull();
      expect(settle(guidance.stateOf(undefined), false)).toBeNull();
    });

    [403, 500, 503].forEach(function (status) {
      it('resolves to null, with no error toast, when the states answer ' + status, function () {
        $httpBackend.expectGET(spec.STATES_URL).respond(status, {error: 'no'});
        expect(settle(guidance.imageStates())).toBeNull();
        expect(settle(guidance.stateOf('deb-11'), false)).toBeNull();
        expect(settle(guidance.imageGuidance('deb-11'), false)).toBeNull();
        expect(toasts.get()).toEqual([]);
      });
    });

    it('fetches the guidance of one image once, with its id escaped in the URL', function () {
      var states = spec.imageStates();
      states.images['a b/c'] = angular.extend({}, states.images['ubuntu-24'], {id: 'a b/c'});
      $httpBackend.expectGET(spec.STATES_URL).respond(states);
      $httpBackend.expectGET('/api/patch_dashboard/images/a%20b%2Fc/guidance/')
        .respond({name: 'odd', flavors: []});
      expect(settle(guidance.imageGuidance('a b/c')).name).toBe('odd');
      expect(settle(guidance.imageGuidance('a b/c'), false).name).toBe('odd');

      $httpBackend.expectGET(spec.guidanceUrl('deb-12-new')).respond(spec.debianGuidance());
      expect(settle(guidance.imageGuidance('deb-12-new')).recommended_flavor.name)
        .toBe('m1.small');
    });

    it('asks again for an image\'s guidance after a minute', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      $httpBackend.expectGET(spec.guidanceUrl('deb-12-new')).respond(spec.debianGuidance());
      settle(guidance.imageGuidance('deb-12-new'));
      jasmine.clock().tick(61 * 1000);
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      $httpBackend.expectGET(spec.guidanceUrl('deb-12-new')).respond(spec.debianGuidance());
      expect(settle(guidance.imageGuidance('deb-12-new')).flavors.length).toBe(3);
    });

    it('asks for no guidance of an image the states do not know', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      expect(settle(guidance.imageGuidance('no-state'))).toBeNull();
    });

    it('resolves the guidance to null when its call fails', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      $httpBackend.expectGET(spec.guidanceUrl('deb-11')).respond(404, 'Image not found');
      expect(settle(guidance.imageGuidance('deb-11'))).toBeNull();
      expect(toasts.get()).toEqual([]);
    });
    it('asks with the current flavor of an instance being replaced, kept apart', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      $httpBackend.expectGET(spec.guidanceUrl('deb-12-new') + '?flavor_id=f%20large%2F1')
        .respond(spec.currentGuidance());
      expect(settle(guidance.imageGuidance('deb-12-new', 'f large/1')).recommended_flavor.name)
        .toBe('m1.large');
      // Without the flavor: another question, another answer; both kept for a minute.
      $httpBackend.expectGET(spec.guidanceUrl('deb-12-new')).respond(spec.debianGuidance());
      expect(settle(guidance.imageGuidance('deb-12-new')).recommended_flavor.name)
        .toBe('m1.small');
      expect(settle(guidance.imageGuidance('deb-12-new', 'f large/1'), false)
        .recommended_flavor.name).toBe('m1.large');
    });

    it('falls back to the guidance for the image alone when the flavor is refused', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      $httpBackend.expectGET(spec.guidanceUrl('deb-12-new') + '?flavor_id=f-gone')
        .respond(400, 'Flavor f-gone was not found or is not available to your project.');
      $httpBackend.expectGET(spec.guidanceUrl('deb-12-new')).respond(spec.debianGuidance());
      expect(settle(guidance.imageGuidance('deb-12-new', 'f-gone')).recommended_flavor.name)
        .toBe('m1.small');
      expect(toasts.get()).toEqual([]);
    });
  });
})();
