(function () {
  'use strict';

  describe('patch-dashboard launch guidance: the columns service', function () {
    var spec = window.patchDashboardSpec;
    var columns;
    var SOURCE = '/static/dashboard/project/workflow/launch-instance/source/source-details.html';
    var FLAVOR = '/static/dashboard/project/workflow/launch-instance/flavor/flavor-details.html';

    beforeEach(spec.loadModules);
    beforeEach(inject(function ($injector) {
      columns = $injector.get('horizon.dashboard.patch_dashboard.launch-guidance.columns');
    }));

    function imageColumns() {
      return [{id: 'name_or_id', title: 'Name', priority: 1},
              {id: 'visibility', title: 'Visibility', priority: 2}];
    }

    function ids(list) {
      return list.map(function (column) { return column.id; });
    }

    it('adds a sorted-by-default "Patch state" column with the badge to the image table', function () {
      var list = imageColumns();
      columns.extend({detailsTemplateUrl: SOURCE}, list);
      expect(ids(list)).toEqual(['name_or_id', 'visibility', 'patch_dashboard_order']);
      var added = list[2];
      expect(added.title).toBe('Patch state');
      expect(added.sortDefault).toBe(true);
      expect(added.id).toBe(columns.STATE_COLUMN);
      expect(added.template).toContain('<patch-dashboard-image-state item="item">');
    });

    it('leaves the volume and volume snapshot tables (no visibility column) alone', function () {
      var list = [{id: 'name', title: 'Name'}, {id: 'size', title: 'Size'}];
      columns.extend({detailsTemplateUrl: SOURCE}, list);
      expect(ids(list)).toEqual(['name', 'size']);
    });

    it('adds its columns once however often a table asks', function () {
      var list = imageColumns();
      columns.extend({detailsTemplateUrl: SOURCE}, list);
      columns.extend({detailsTemplateUrl: SOURCE}, list);
      var flavors = [{id: 'name'}];
      columns.extend({detailsTemplateUrl: FLAVOR}, flavors);
      columns.extend({detailsTemplateUrl: FLAVOR}, flavors);
      expect(ids(list)).toEqual(['name_or_id', 'visibility', 'patch_dashboard_order']);
      expect(ids(flavors)).toEqual(['name', 'patch_dashboard_fit']);
    });

    it('adds a "Fit for the image" column reading the Flavor step\'s chosen image', function () {
      var list = [{id: 'name', title: 'Name'}];
      columns.extend({detailsTemplateUrl: FLAVOR}, list);
      expect(list[1].title).toBe('Fit for the image');
      expect(list[1].sortDefault).toBeUndefined();
      expect(list[1].template).toContain('source="table.source"');
    });

    it('changes no other table', function () {
      var list = imageColumns();
      columns.extend({}, list);
      columns.extend({detailsTemplateUrl: '/static/app/core/images/details.html'}, list);
      columns.extend({detailsTemplateUrl: 'html'}, list);
      columns.extend(null, list);
      columns.extend({detailsTemplateUrl: SOURCE}, null);
      expect(ids(list)).toEqual(['name_or_id', 'visibility']);
    });
  });
})();
