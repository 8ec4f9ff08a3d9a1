/*
 * The plugin's REST answers, fetched lazily and kept for a minute: the states of every
 * image (one call for all badges) and the guidance for one image (flavors), with or without
 * the current flavor of an instance being replaced. A failed call
 * resolves to null, so every caller shows nothing rather than an error.
 */
(function () {
  'use strict';

  angular
    .module('horizon.dashboard.patch_dashboard.launch-guidance')
    .factory('horizon.dashboard.patch_dashboard.launch-guidance.service', guidanceService);

  guidanceService.$inject = ['$q', 'horizon.framework.util.http.service'];

  var KEEP_MS = 60000;

  function guidanceService($q, apiService) {
    var states = null;
    var guidance = {};

    return {
      imageStates: imageStates,
      imageGuidance: imageGuidance,
      stateOf: stateOf
    };

    function fetch(url) {
      // suppress403Toast: a user without the image policy just gets no guidance.
      return apiService.get(url, {suppress403Toast: true}).then(
        function (response) { return response.data; },
        function () { return null; }
      );
    }

    function fresh(entry) {
      return entry && Date.now() - entry.at < KEEP_MS;
    }

    /** Promise of {block_deprecated_launch, images: {id: state}}, or of null. */
    function imageStates() {
      if (!fresh(states)) {
        states = {at: Date.now(), promise: fetch('/api/patch_dashboard/images/states/')};
      }
      return states.promise;
    }

    /** Promise of the state of one image (null when unknown or unavailable). */
    function stateOf(imageId) {
      return imageStates().then(function (answer) {
        return answer && imageId ? answer.images[imageId] || null : null;
      });
    }

    /*
     * Promise of the guidance for one image the states know of (flavors), or of null.
     * ``flavorId`` (optional): the flavor in use now (of the instance being replaced), which
     * the endpoint recommends again when it fits; should it refuse that flavor, the guidance
     * for the image alone.
     */
    function imageGuidance(imageId, flavorId) {
      return stateOf(imageId).then(function (state) {
        if (!state) {
          return null;
        }
        var key = flavorId ? imageId + '\n' + flavorId : imageId;
        if (!fresh(guidance[key])) {
          var url = '/api/patch_dashboard/images/' + encodeURIComponent(imageId) + '/guidance/';
          var answer = flavorId ? fetch(url + '?flavor_id=' + encodeURIComponent(flavorId))
            .then(function (found) {
              return found || imageGuidance(imageId);
            }) : fetch(url);
          guidance[key] = {at: Date.now(), promise: answer};
        }
        return guidance[key].promise;
      });
    }
  }
})();
