(function () {
  'use strict';

  describe('patch-dashboard launch guidance: the patch-state badge', function () {
    var spec = window.patchDashboardSpec;
    var SOURCE = '/static/dashboard/project/workflow/launch-instance/source/source-details.html';
    var backend = spec.withBackend();
    var $httpBackend;

    beforeEach(function () {
      $httpBackend = backend.$httpBackend;
    });

    /** Badges for one item or several (one states call for all). */
    function badge(items) {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      var rendered = spec.render(
        '<div><patch-dashboard-image-state ng-repeat="item in items" item="item">' +
        '</patch-dashboard-image-state></div>', {items: [].concat(items)});
      $httpBackend.flush();
      return rendered;
    }

    it('shows the state with its label class and the reason as its title', function () {
      var label = badge({id: 'deb-11'}).element[0].querySelector('.label');
      expect(spec.text(label)).toBe('Deprecated');
      expect(label.className).toContain('patch-state-deprecated');
      expect(label.className).toContain('label-danger');
      expect(label.getAttribute('data-patch-state')).toBe('deprecated');
      expect(label.getAttribute('title')).toBe('Deprecated since 2024-07-01: CVE-2024-0001');
    });

    it('stars the recommended build of a family that has other builds', function () {
      var star = badge({id: 'deb-12-new'}).element[0]
        .querySelector('.patch-dashboard-recommended-build');
      expect(star).not.toBeNull();
      expect(star.getAttribute('title')).toBe('Recommended build of its family');
      expect(star.getAttribute('aria-label')).toBe('Recommended build of its family');
    });

    it('stars neither an only build nor an older one', function () {
      var element = badge([{id: 'ubuntu-24'}, {id: 'deb-12-old'}]).element;
      expect(spec.texts(element, '.label')).toEqual(['Current', 'Superseded']);
      expect(element[0].querySelector('.patch-dashboard-recommended-build')).toBeNull();
    });

    it('gives the row its place in the patch-state order', function () {
      var item = {id: 'ubuntu-24'};
      badge(item);
      expect(item.patch_dashboard_order).toBe(3);
    });

    it('shows nothing for an image the plugin does not list, and sorts it last', function () {
      var item = {id: 'no-state'};
      expect(spec.text(badge(item).element)).toBe('');
      expect(item.patch_dashboard_order).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('shows nothing when the states endpoint fails', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(503, 'Glance is down');
      var item = {id: 'deb-11'};
      var rendered = spec.render(
        '<patch-dashboard-image-state item="item"></patch-dashboard-image-state>', {item: item});
      $httpBackend.flush();
      expect(spec.text(rendered.element)).toBe('');
      expect(item.patch_dashboard_order).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('shows the state of the row\'s current image when the row is reused', function () {
      $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
      var rendered = spec.render(
        '<patch-dashboard-image-state item="item"></patch-dashboard-image-state>',
        {item: {id: 'deb-11'}});
      rendered.scope.item = {id: 'ubuntu-24'};
      rendered.scope.$digest();
      $httpBackend.flush();
      expect(spec.text(rendered.element)).toBe('Current');
    });

    describe('in a real dynamic table', function () {
      function table(items) {
        var config = {
          selectAll: false, expand: false, trackId: 'id', detailsTemplateUrl: SOURCE,
          columns: [{id: 'name_or_id', title: 'Name', priority: 1},
                    {id: 'visibility', title: 'Visibility', priority: 2}]
        };
        return spec.render('<hz-dynamic-table config="config" items="items"></hz-dynamic-table>',
                           {config: config, items: items});
      }

      function names(element) {
        var heads = spec.texts(element, 'thead th');
        return Array.prototype.map.call(
          element[0].querySelectorAll('tbody tr[ng-repeat-start]'),
          function (row) { return spec.texts(row, 'td')[heads.indexOf('Name')]; });
      }

      it('sorts the table once, after every badge has its state', function () {
        $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
        var rendered = table(spec.wizardImages());
        var stTable = angular.element(rendered.element[0].querySelector('[st-table]'))
          .controller('stTable');
        spyOn(stTable, 'pipe').and.callThrough();
        $httpBackend.flush();
        spec.flushTimeouts();
        expect(stTable.pipe.calls.count()).toBe(1);
        expect(names(rendered.element)).toEqual([
          'Debian 12', 'Debian 12 20240101', 'Debian 11', 'Ubuntu 24.04', 'openSUSE 15.5',
          'Unlisted'
        ]);
      });

      it('sorts another way when the user clicks the header, as any column', function () {
        $httpBackend.expectGET(spec.STATES_URL).respond(spec.imageStates());
        var rendered = table(spec.wizardImages());
        $httpBackend.flush();
        spec.flushTimeouts();
        var header = Array.prototype.filter.call(
          rendered.element[0].querySelectorAll('thead th'),
          function (th) { return spec.text(th) === 'Patch state'; })[0];
        angular.element(header).triggerHandler('click');
        rendered.scope.$digest();
        expect(names(rendered.element)).toEqual([
          'Unlisted', 'openSUSE 15.5', 'Ubuntu 24.04', 'Debian 11', 'Debian 12 20240101',
          'Debian 12'
        ]);
      });
    });
  });
})();
