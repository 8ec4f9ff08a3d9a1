# patch-dashboard: the README's two commands are `make demo` and `make test`.
# Everything they need is installed here when missing (Debian packages, virtualenvs).

SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
LOCK := requirements/horizon.lock
STAMP := $(VENV)/.installed
export TMPDIR := $(CURDIR)/.tmp
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The oldest supported Horizon (2025.1, docs/releases.md): a second locked virtualenv in which
# the unit, view and packaging tiers run again.
VENV25 := $(CURDIR)/.venv-horizon25
PY25 := $(VENV25)/bin/python
LOCK25 := requirements/horizon-25.lock
STAMP25 := $(VENV25)/.installed

.PHONY: venv system-deps lint fmt check test test-fast test-unit test-views test-integration \
        test-browser test-js test-load demo demo-stop demo-clean bench bench-quick bench-scale lock clean \
        messages compilemessages gettext-tools venv-horizon25 test-horizon25

venv: $(STAMP)

$(STAMP): $(LOCK) setup.py
	@mkdir -p $(TMPDIR)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

# Rewrite the lock from what the virtualenv holds (after adding a dependency by hand).
lock:
	$(PY) -m pip freeze --all --exclude-editable | grep -v -e "^-e " -e "^pip==" > $(LOCK)

# Horizon 25.3 with the pins of OpenStack 2025.1's upper constraints. Some of its XStatic
# packages are sdists whose setup.py needs pkg_resources, which setuptools 81 dropped: their
# builds get setuptools 80 (the venv itself keeps the lock's).
venv-horizon25: $(STAMP25)

$(STAMP25): $(LOCK25) setup.py
	@mkdir -p $(TMPDIR)
	@test -x $(PY25) || $(PYTHON) -m venv $(VENV25)
	@echo '*' > $(VENV25)/.gitignore  # untracked without a line in .gitignore (as Python 3.13's venv does)
	$(PY25) -m pip install -q --upgrade pip
	@echo "setuptools==80.9.0" > $(TMPDIR)/horizon25-build-constraints.txt
	$(PY25) -m pip install -q --build-constraint $(TMPDIR)/horizon25-build-constraints.txt -r $(LOCK25)
	$(PY25) -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

# The unit, view and packaging tiers on Horizon 25.3 (`make test` runs them after the rest);
# the CLI's unit tests with 2025.1's osc-lib, cliff and openstacksdk. Left out: the catalog
# extraction (it runs .venv's `make messages`, the same either way). Its own TMPDIR: the
# compiled SCSS cache is Horizon's release's own.
test-horizon25: venv-horizon25
	@mkdir -p $(TMPDIR)/horizon25
	TMPDIR=$(TMPDIR)/horizon25 $(PY25) -m pytest tests/unit tests/views tests/packaging -q \
	  -p no:cacheprovider -m "not integration and not browser and not load" \
	  --deselect tests/packaging/test_catalogs.py::test_catalog_holds_exactly_the_extracted_messages

# Chromium and its driver for the browser tier (Debian packages).
system-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "== installing chromium, chromium-driver"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict patch_dashboard/lifecycle
	cd $(CURDIR) && $(PY) -m django check --settings=tests.settings

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Everything: lint, the JS specs, unit, views, packaging, integration and browser tiers, then
# the unit, view and packaging tiers again on Horizon 25.3 (test-horizon25). The development
# cloud is started when it is not running, and stopped again if this run started it.
test: venv venv-horizon25 system-deps lint test-js
	@bash tools/run-tests.sh

test-fast: venv
	$(PY) -m pytest -m "not integration and not browser and not packaging" -q

test-unit: venv
	$(PY) -m pytest tests/unit -q

test-views: venv
	$(PY) -m pytest tests/views -q

test-integration: venv
	$(PY) -m pytest -m integration -q

test-browser: venv system-deps
	$(PY) -m pytest -m browser -q

# The launch guidance's Jasmine specs: Karma in Debian's headless Chromium, one run, with a
# coverage summary (npm packages pinned in package-lock.json; Horizon's JS from .venv).
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-js: venv system-deps $(NODE_STAMP)
	CHROME_BIN=$${CHROME_BIN:-/usr/bin/chromium} node_modules/.bin/karma start tests/js/karma.conf.js

test-load: venv
	$(PY) -m pytest -m load -q -s

demo:
	@bash devcloud/cloud.sh up

demo-stop:
	@bash devcloud/cloud.sh stop

demo-clean:
	@bash devcloud/cloud.sh clean

bench: venv
	$(PY) -m tools.bench

bench-quick: venv
	$(PY) -m tools.bench --quick --skip-cloud

# The simulated 100,000-instance cloud alone (tools/simcloud, through the development cloud's
# Keystone as region SimRegion; make demo first): Horizon's stock Instances pages and the
# plugin's four, the index builds and refreshes through Horizon, at the calibrated latency
# (about 10 minutes, most of it the first build of the cloud's index).
bench-scale: venv
	$(PY) -m tools.bench_scale --plugin

# Translations (docs/translations.md). `make messages` extracts the plugin's strings into the
# catalogs under patch_dashboard/locale/ (run there, so only the plugin's own strings): Django's
# makemessages for Python and templates, pybabel with Horizon's Angular extractor for the JS and
# its templates. `make compilemessages` writes the .mo files, which are committed (a fresh clone,
# an editable install and the wheel all carry them; tests/packaging/test_catalogs.py fails when one
# is out of date). Both need Debian's gettext (msgmerge, msgfmt).
# The languages: every folder under the tree's locale/ (`make messages LOCALES=fr` starts a new one).
# MESSAGES_TREE: where the sources are read and the catalogs written (the catalog test points it
# at a copy, to see whether extracting again would change the committed catalogs).
MESSAGES_TREE ?= patch_dashboard
LOCALES ?= $(patsubst $(MESSAGES_TREE)/locale/%/LC_MESSAGES,%,$(wildcard $(MESSAGES_TREE)/locale/*/LC_MESSAGES))

# the catalog tests extract with xgettext: `make test` gets it with the other system packages
system-deps: gettext-tools

gettext-tools:
	@command -v msgfmt >/dev/null || { echo "== installing gettext"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

messages: venv gettext-tools
	cd $(MESSAGES_TREE) && $(VENV)/bin/django-admin makemessages -d django $(addprefix -l ,$(LOCALES)) \
	  --no-obsolete -i 'cli/*' -i 'static/*' -i 'enabled/*' -i 'node_modules/*' -i '.venv/*'
	cd $(MESSAGES_TREE) && $(VENV)/bin/pybabel -q extract -F locale/babel-djangojs.cfg --sort-by-file \
	  --project=patch-dashboard -o $(TMPDIR)/djangojs.pot static
	for lang in $(LOCALES); do $(VENV)/bin/pybabel -q update -D djangojs --init-missing \
	  --ignore-obsolete -i $(TMPDIR)/djangojs.pot -d $(MESSAGES_TREE)/locale -l $$lang || exit 1; done
	@# the extraction time would make every run a change: the catalogs carry none
	sed -i '/^"POT-Creation-Date: /d' $(MESSAGES_TREE)/locale/*/LC_MESSAGES/*.po

compilemessages: venv gettext-tools
	cd $(MESSAGES_TREE) && $(VENV)/bin/django-admin compilemessages $(addprefix -l ,$(LOCALES))

clean:
	rm -rf build dist *.egg-info .tmp .pytest_cache .mypy_cache .ruff_cache
