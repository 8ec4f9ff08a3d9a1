/*
 * Columns added to the wizard's dynamic tables, told apart by their details template:
 * the Source table (images and instance snapshots) gets a patch-state column that is also
 * the default sort (each family's recommended build first); the Flavor table gets a column
 * saying whether the flavor fits the chosen image, which one is recommended, and why.
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance')
    .factory('horizon.dashboard.patch_dashboard.launch-guidance.columns', columnsService);

  // The state column's id is also the item property the table sorts by (set by the badge).
  var STATE_COLUMN = 'patch_dashboard_order';
  var FIT_COLUMN = 'patch_dashboard_fit';
  var SOURCE_DETAILS = 'source/source-details.html';
  var FLAVOR_DETAILS = 'flavor/flavor-details.html';

  function columnsService() {
    return {
      extend: extend,
      isFlavorTable: isFlavorTable,
      STATE_COLUMN: STATE_COLUMN
    };

    function endsWith(text, suffix) {
      return text.length >= suffix.length &&
        text.indexOf(suffix, text.length - suffix.length) !== -1;
    }

    function has(columns, id) {
      return columns.some(function (column) { return column.id === id; });
    }

    /** Whether a dynamic table's config is one of the Flavor step's two tables. */
    function isFlavorTable(config) {
      return Boolean(config) && endsWith(config.detailsTemplateUrl || '', FLAVOR_DETAILS);
    }

    function extend(config, columns) {
      if (!config || !columns) {
        return;
      }
      var details = config.detailsTemplateUrl || '';
      // Images and instance snapshots have a visibility column; volumes do not.
      if (endsWith(details, SOURCE_DETAILS) && has(columns, 'visibility') &&
          !has(columns, STATE_COLUMN)) {
        columns.push({
          id: STATE_COLUMN,
          title: gettext('Patch state'),
          priority: 1,
          sortDefault: true,
          template: '<patch-dashboard-image-state item="item"></patch-dashboard-image-state>'
        });
      } else if (isFlavorTable(config) && !has(columns, FIT_COLUMN)) {
        columns.push({
          id: FIT_COLUMN,
          title: gettext('Fit for the image'),
          priority: 1,
          // ``table`` is the Flavor step's controller; its ``source`` is the chosen image.
          template: '<patch-dashboard-flavor-fit item="item" source="table.source">' +
                    '</patch-dashboard-flavor-fit>'
        });
      }
    }
  }
})();
