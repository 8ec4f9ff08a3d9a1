/*
 * While a scope's index is read for the first time (the panel's status line says so), the
 * page reloads itself every few seconds until its rows are there. Plain Horizon JavaScript:
 * no Angular, nothing else on the page is touched.
 */
(function () {
  'use strict';

  var RELOAD_MS = 3000;

  horizon.addInitFunction(function () {
    var status = document.getElementById('patch-index-status');
    if (status && status.getAttribute('data-cold') === 'true') {
      window.setTimeout(function () { window.location.reload(); }, RELOAD_MS);
    }
  });
})();
