/*
 * What a Horizon page has before its scripts run: the settings Django writes into the page
 * (STATIC_URL, WEBROOT, the plug-in modules) and the functions of Django's JavaScript catalog (gettext,
 * ngettext, interpolate), here without translations.
 */
(function (window) {
  'use strict';

  window.STATIC_URL = '/static/';
  window.WEBROOT = '/';
  // Angular modules of the enabled plugins; the page lists them, horizon.app depends on them.
  window.horizonPlugInModules = [];

  window.gettext = function (text) {
    return text;
  };

  window.ngettext = function (singular, plural, count) {
    return count === 1 ? singular : plural;
  };

  window.pgettext = function (context, text) {
    return text;
  };

  // Django's interpolate(): %(name)s from an object when named, else %s in turn.
  window.interpolate = function (format, values, named) {
    if (named) {
      return format.replace(/%\(\w+\)s/g, function (match) {
        return String(values[match.slice(2, -2)]);
      });
    }
    var next = 0;
    return format.replace(/%s/g, function () {
      return String(values[next++]);
    });
  };
})(window);
