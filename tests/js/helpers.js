/*
 * Set-up shared by the launch guidance specs (static/dashboard/patch_dashboard/launch/):
 * the Angular modules of a Horizon page with the plugin, the plugin's REST answers as the
 * endpoints give them (patch_dashboard/api/rest/launch.py), and small DOM helpers.
 */
(function (window) {
  'use strict';

  var MODULE = 'horizon.dashboard.patch_dashboard.launch-guidance';
  var STATES_URL = '/api/patch_dashboard/images/states/';

  /** The modules a Horizon page loads (Horizon's own specs load the same), then the plugin. */
  function loadModules() {
    angular.mock.module('templates');
    angular.mock.module('ngCookies');
    angular.mock.module('horizon.framework');
    angular.mock.module('horizon.app.core');
    angular.mock.module('horizon.dashboard.project');
    angular.mock.module(MODULE);
  }

  /*
   * Answers for Horizon's own endpoints that its widgets call while they draw (the user
   * session, service catalog, settings and policy behind the tables' column permissions, the
   * time zones of the date filter):
   * a project member of a cloud with compute, image, network and volume services. Also what the run
   * block of horizon.app (not loaded: it needs Django's page) gives the tables' footers.
   */
  function answerHorizon() {
    angular.mock.inject(function ($httpBackend, $cookies) {
      window.horizon.cookies = $cookies;
      $httpBackend.whenGET('/api/keystone/user-session/').respond({
        project_id: 'p-alpha', project_name: 'alpha', user_id: 'u-member',
        username: 'alpha-member', roles: ['member'], is_admin: false,
        services_region: 'RegionOne'
      });
      $httpBackend.whenGET('/api/keystone/svc-catalog/').respond(
        ['compute', 'image', 'network', 'volumev3'].map(function (type) {
          return {type: type, name: type, endpoints: [{region: 'RegionOne', interface: 'public'}]};
        }));
      $httpBackend.whenGET('/api/settings/').respond({});
      $httpBackend.whenGET('/api/timezones/').respond({timezone_dict: {UTC: '+0000'}});
      $httpBackend.whenPOST('/api/policy/').respond({allowed: true});
    });
  }

  /*
   * For a describe block: the modules, Horizon's own answers, and a check after each spec
   * that no call to the plugin's endpoints was left unanswered or unmade. Returns an object
   * whose $httpBackend is set before each spec.
   */
  function withBackend() {
    var context = {};
    beforeEach(loadModules);
    beforeEach(answerHorizon);
    beforeEach(angular.mock.inject(function ($httpBackend) {
      context.$httpBackend = $httpBackend;
    }));
    afterEach(function () {
      context.$httpBackend.verifyNoOutstandingExpectation();
      context.$httpBackend.verifyNoOutstandingRequest();
    });
    return context;
  }

  function guidanceUrl(imageId) {
    return '/api/patch_dashboard/images/' + encodeURIComponent(imageId) + '/guidance/';
  }

  function brief(id, name, state, label, labelClass, buildDate) {
    return {id: id, name: name, build_date: buildDate, state: state, state_label: label,
            label_class: labelClass};
  }

  var DEBIAN_12 = brief('deb-12-new', 'Debian 12', 'current', 'Current', 'label-success',
                        '2024-06-01');

  /*
   * GET images/states/: the Debian family has three builds (the recommended one, a superseded
   * one, a deprecated one), Ubuntu one, and an obsolete openSUSE whose latest build the
   * project cannot boot from (not in the wizard's image list).
   */
  function imageStates(options) {
    var block = Boolean(options && options.block);

    function state(base, extra) {
      var answer = angular.extend({
        flags: [], family: base.id.split('-')[0], family_builds: 1, reason: '',
        deprecation_reason: null, needs_attention: base.state !== 'current',
        recommended: false, recommended_image: null, recommendation_problem: null,
        launch_blocked: false, block_reason: null
      }, base, extra);
      if (block && (answer.state === 'deprecated' || answer.state === 'obsolete')) {
        answer.launch_blocked = true;
        answer.block_reason =
          'Your cloud does not allow launching from deprecated or obsolete images.';
      }
      return answer;
    }

    var images = {
      'deb-12-new': state(DEBIAN_12, {
        order: 0, family_builds: 3, recommended: true,
        reason: 'Current: the latest usable build of Debian 12.'
      }),
      'deb-12-old': state(
        brief('deb-12-old', 'Debian 12 20240101', 'superseded', 'Superseded', 'label-info',
              '2024-01-01'),
        {order: 1, family_builds: 3, recommended_image: DEBIAN_12,
         reason: '1 newer build of Debian 12 exists. The latest is Debian 12.'}),
      'deb-11': state(
        brief('deb-11', 'Debian 11', 'deprecated', 'Deprecated', 'label-danger', '2023-05-01'),
        {order: 2, family_builds: 3, recommended_image: DEBIAN_12,
         deprecation_reason: 'CVE-2024-0001',
         reason: 'Deprecated since 2024-07-01: CVE-2024-0001'}),
      'ubuntu-24': state(
        brief('ubuntu-24', 'Ubuntu 24.04', 'current', 'Current', 'label-success', '2024-05-01'),
        {order: 3, recommended: true,
         reason: 'Current: the latest usable build of Ubuntu 24.04.'}),
      'suse-15': state(
        brief('suse-15', 'openSUSE 15.5', 'obsolete', 'Obsolete', 'label-default',
              '2022-01-01'),
        {order: 4, family_builds: 2,
         recommended_image: brief('suse-15-6', 'openSUSE 15.6', 'current', 'Current',
                                  'label-success', null),
         reason: 'Obsolete since 2024-02-01.'})
    };
    return {block_deprecated_launch: block, images: images};
  }

  /*
   * GET images/<id>/guidance/ for Debian 12: m1.small recommended, m1.tiny too small.
   * With flavor_id=f-large (the flavor of an instance being replaced, see currentGuidance):
   * m1.large, kept because it fits.
   */
  function debianGuidance() {
    var answer = angular.copy(imageStates().images['deb-12-new']);
    answer.block_deprecated_launch = false;
    answer.recommended_flavor = {
      id: 'f-small', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, is_current: false,
      choice: 'The smallest flavor that fits the image.',
      why: [
        {requirement: 'min_ram', text: 'RAM 2048 MB, the image needs at least 1024 MB.'},
        {requirement: 'min_disk', text: 'Root disk 20 GB, the image needs at least 10 GB.'}
      ]
    };
    answer.flavors = [
      {id: 'f-tiny', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, fits: false, reasons: [
        {requirement: 'min_ram', text: 'RAM 512 MB is less than the 1024 MB the image needs.'},
        {requirement: 'min_disk', text: 'Root disk 1 GB is less than the 10 GB it needs.'}
      ]},
      {id: 'f-small', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, fits: true,
       reasons: []},
      {id: 'f-large', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80, fits: true,
       reasons: []}
    ];
    return answer;
  }

  /** GET images/deb-12-new/guidance/?flavor_id=f-large: the current flavor, kept. */
  function currentGuidance() {
    var answer = debianGuidance();
    answer.recommended_flavor = {
      id: 'f-large', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80, is_current: true,
      choice: 'Your current flavor, and it fits the image.',
      why: [{requirement: 'min_ram', text: '8192 MB of RAM, at least the 1024 MB the image needs.'}]
    };
    return answer;
  }

  /** The wizard's flavors (launchInstanceModel.flavors), as Nova lists those of the guidance. */
  function novaFlavors() {
    return debianGuidance().flavors.map(function (flavor) {
      return {id: flavor.id, name: flavor.name, vcpus: flavor.vcpus, ram: flavor.ram,
              disk: flavor.disk, 'OS-FLV-EXT-DATA:ephemeral': 0,
              'os-flavor-access:is_public': true};
    });
  }

  /** The wizard's images (launchInstanceModel.images), as Horizon's model lists them. */
  function wizardImages() {
    return [
      {id: 'deb-11', name: 'Debian 11', visibility: 'public', size: 1, disk_format: 'qcow2'},
      {id: 'ubuntu-24', name: 'Ubuntu 24.04', visibility: 'public', size: 1,
       disk_format: 'qcow2'},
      {id: 'deb-12-old', name: 'Debian 12 20240101', visibility: 'public', size: 1,
       disk_format: 'qcow2'},
      {id: 'suse-15', name: 'openSUSE 15.5', visibility: 'public', size: 1,
       disk_format: 'qcow2'},
      {id: 'deb-12-new', name: 'Debian 12', visibility: 'public', size: 1,
       disk_format: 'qcow2'},
      {id: 'no-state', name: 'Unlisted', visibility: 'private', size: 1,
       disk_format: 'raw'}
    ].map(function (image) {
      image.name_or_id = image.name || image.id;
      return image;
    });
  }

  /** Compiles markup on a new scope holding `values`, runs a digest, returns both. */
  function render(markup, values) {
    var found = {};
    angular.mock.inject(function ($compile, $rootScope) {
      found.scope = angular.extend($rootScope.$new(), values || {});
      found.element = $compile(markup)(found.scope);
      found.scope.$digest();
    });
    return found;
  }

  /** Text with whitespace collapsed, as a user reads it (list items and paragraphs apart). */
  function text(element) {
    var copy = angular.element(element)[0].cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll('li, p'), function (block) {
      block.appendChild(document.createTextNode(' '));
    });
    return copy.textContent.replace(/\s+/g, ' ').trim();
  }

  /** The texts of the elements that match a selector below an element. */
  function texts(element, selector) {
    return Array.prototype.map.call(angular.element(element)[0].querySelectorAll(selector),
                                    text);
  }

  /** Lets every pending $timeout run (the resort, the swap's later digest). */
  function flushTimeouts() {
    angular.mock.inject(function ($timeout) {
      $timeout.flush();
    });
  }

  window.patchDashboardSpec = {
    MODULE: MODULE,
    STATES_URL: STATES_URL,
    guidanceUrl: guidanceUrl,
    loadModules: loadModules,
    answerHorizon: answerHorizon,
    withBackend: withBackend,
    imageStates: imageStates,
    debianGuidance: debianGuidance,
    currentGuidance: currentGuidance,
    novaFlavors: novaFlavors,
    wizardImages: wizardImages,
    render: render,
    text: text,
    texts: texts,
    flushTimeouts: flushTimeouts
  };
})(window);
