/*
 * Karma: the launch guidance's Jasmine specs in headless Chromium, the way Horizon runs its
 * own (its openstack_dashboard/karma.conf.js): Horizon's real Angular libraries (the xstatic
 * packages), framework and dashboard sources come from the virtualenv, the templates are
 * preloaded by ng-html2js under the URLs Django would serve them at.
 *
 * Run it with `make test-js` (or `npx karma start tests/js/karma.conf.js`).
 * Stays on 127.0.0.1 and writes only inside the checkout (.tmp/).
 */
'use strict';

var fs = require('fs');
var path = require('path');

var root = path.resolve(__dirname, '..', '..');
// Karma's and Chromium's temporary files (the profile, Chromium's singleton socket) go here,
// one folder a run, removed when Karma exits.
var tmp = path.join(root, '.tmp', 'karma', 'run-' + process.pid);

function sitePackages() {
  var lib = path.join(root, '.venv', 'lib');
  var python = fs.existsSync(lib) && fs.readdirSync(lib).filter(function (name) {
    return name.indexOf('python') === 0;
  })[0];
  var found = python && path.join(lib, python, 'site-packages');
  if (!found || !fs.existsSync(path.join(found, 'openstack_dashboard'))) {
    throw new Error('Horizon is not installed in .venv: run `make venv` first');
  }
  return found;
}

/* The run's count, in the plain form test logs are read for: "51 passed, 0 failed". */
function PassedFailedReporter() {
  this.onRunComplete = function (browsers, results) {
    var line = 'karma: ' + results.success + ' passed, ' + results.failed + ' failed';
    if (results.error) {
      line += ' (and an error outside the specs)';
    }
    process.stdout.write(line + '\n');
  };
}

module.exports = function (config) {
  var site = sitePackages();
  var xstatic = path.join(site, 'xstatic', 'pkg') + '/';
  var horizon = path.join(site, 'horizon', 'static') + '/';
  var dashboard = path.join(site, 'openstack_dashboard') + '/';
  var ours = 'static/dashboard/patch_dashboard/launch/';

  fs.mkdirSync(tmp, {recursive: true});
  process.env.TMPDIR = tmp;
  process.on('exit', function () {
    fs.rmSync(tmp, {recursive: true, force: true});
  });
  process.env.CHROME_BIN = process.env.CHROME_BIN || '/usr/bin/chromium';

  var preprocessors = {};
  preprocessors[ours + '!(*.spec).js'] = ['coverage'];
  preprocessors['**/*.html'] = ['ng-html2js'];

  config.set({
    basePath: root,
    frameworks: ['jasmine'],

    files: [
      // What Django's page and JavaScript catalog give Horizon's scripts (gettext, STATIC_URL).
      'tests/js/shim.js',

      // The libraries Horizon loads, in its order.
      xstatic + 'jquery/data/jquery.js',
      xstatic + 'angular/data/angular.js',
      xstatic + 'angular/data/angular-route.js',
      xstatic + 'angular/data/angular-mocks.js',
      xstatic + 'angular/data/angular-cookies.js',
      xstatic + 'angular_bootstrap/data/angular-bootstrap.js',
      xstatic + 'angular_gettext/data/angular-gettext.js',
      xstatic + 'angular_fileupload/data/ng-file-upload-all.js',
      xstatic + 'angular/data/angular-sanitize.js',
      xstatic + 'd3/data/d3.js',
      xstatic + 'rickshaw/data/rickshaw.js',
      xstatic + 'angular_smart_table/data/smart-table.js',
      xstatic + 'angular_lrdragndrop/data/lrdragndrop.js',
      xstatic + 'tv4/data/tv4.js',
      xstatic + 'objectpath/data/ObjectPath.js',
      xstatic + 'angular_schema_form/data/schema-form.js',
      horizon + 'horizon/js/horizon.js',

      // Horizon's own Angular code: modules first, then the rest (no specs, no mocks).
      horizon + 'framework/**/*.module.js',
      horizon + 'framework/**/!(*.spec|*.mock).js',
      dashboard + 'static/app/**/*.module.js',
      dashboard + 'dashboards/**/static/**/*.module.js',
      dashboard + 'static/app/**/!(*.spec|*.mock).js',
      dashboard + 'dashboards/**/static/**/!(*.spec|*.mock).js',

      // The plugin's module, then its other files, the spec helpers and the specs.
      ours + '*.module.js',
      ours + '!(*.spec).js',
      'tests/js/helpers.js',
      ours + '*.spec.js',

      // Templates: Horizon's (the real tables and the Source step) and the plugin's.
      horizon + 'framework/**/*.html',
      dashboard + 'dashboards/project/static/dashboard/project/workflow/**/*.html',
      ours + '*.html'
    ],

    preprocessors: preprocessors,

    ngHtml2JsPreprocessor: {
      moduleName: 'templates',
      // .../horizon/static/framework/x.html -> /static/framework/x.html, and so on: the URL
      // that STATIC_URL ('/static/') + the basePath constants of each module ask for.
      cacheIdFromPath: function (filepath) {
        return '/static/' + filepath.replace(/^(.*\/)?static\//, '');
      }
    },

    plugins: ['karma-*', {'reporter:passed-failed': ['type', PassedFailedReporter]}],
    reporters: ['dots', 'coverage', 'passed-failed'],
    coverageReporter: {
      dir: path.join(root, '.tmp', 'js-coverage'),
      reporters: [
        {type: 'text', maxCols: 120},
        {type: 'text-summary'},
        {type: 'html', subdir: 'html'}
      ]
    },

    hostname: '127.0.0.1',
    listenAddress: '127.0.0.1',
    port: 9876,

    browsers: ['ChromiumHeadlessLocal'],
    customLaunchers: {
      ChromiumHeadlessLocal: {
        base: 'ChromeHeadless',
        flags: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run'
        ]
      }
    },

    client: {
      jasmine: {random: true},
      captureConsole: true
    },

    singleRun: true,
    autoWatch: false,
    browserNoActivityTimeout: 60000,
    logLevel: config.LOG_WARN
  });
};
