"""Django settings for the tests: Horizon's test settings plus the plugin's enabled files."""

import os
import pathlib

import openstack_dashboard.enabled
from openstack_dashboard import theme_settings
from openstack_dashboard.test.settings import *  # noqa: F403
from openstack_dashboard.test.settings import HORIZON_CONFIG as _HORIZON_CONFIG
from openstack_dashboard.utils import settings as settings_utils

import enabled as plugin_enabled  # the checkout's top-level enabled/ folder

CHECKOUT = pathlib.Path(__file__).resolve().parent.parent
TEST_TMP = pathlib.Path(os.environ.get("TMPDIR") or CHECKOUT / ".tmp")

# Horizon's test settings already ran update_dashboards over its own enabled files; run it
# again from a clean slate over Horizon's and the plugin's, the way a deployment does.
_EXTENDED_KEYS = (
    "dashboards",
    "default_dashboard",
    "panel_customization",
    "header_sections",
    "angular_modules",
    "js_files",
    "js_spec_files",
    "scss_files",
    "xstatic_modules",
    "extra_tabs",
    "extra_steps",
)
HORIZON_CONFIG = {k: v for k, v in _HORIZON_CONFIG.items() if k not in _EXTENDED_KEYS}
HORIZON_CONFIG["angular_modules"] = []
HORIZON_CONFIG["js_files"] = []
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django.contrib.messages",
    "django.contrib.humanize",
    "openstack_auth",
    "compressor",
    "horizon",
    "openstack_dashboard",
]
settings_utils.update_dashboards(
    [openstack_dashboard.enabled, plugin_enabled], HORIZON_CONFIG, INSTALLED_APPS
)
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))  # keeps order, drops repeats
settings_utils.find_static_files(HORIZON_CONFIG, AVAILABLE_THEMES, THEME_COLLECTION_DIR, ROOT_PATH)  # noqa: F405

# SCSS is compiled on every request unless the compressor has a cache of its own; a file
# cache inside the checkout's temp dir keeps it across test processes.
ROOT_URLCONF = "openstack_dashboard.urls"  # the real URL map, /header/ included

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "compress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(TEST_TMP / "compress-cache"),
        # the default 300 entries are culled at random as soon as the runs' JS blocks fill
        # them, and each culled theme compile costs seconds on the next page
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}
COMPRESS_CACHE_BACKEND = "compress"
COMPRESS_ROOT = str(TEST_TMP / "compress-root")
STATIC_ROOT = str(TEST_TMP / "static-root")

# The live server of the browser tier serves static files through the finders; the compiled
# SCSS lands in COMPRESS_ROOT, so that folder is one of the finders' folders too.
pathlib.Path(COMPRESS_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = (
    list(STATICFILES_DIRS)  # noqa: F405
    + theme_settings.get_theme_static_dirs(AVAILABLE_THEMES, THEME_COLLECTION_DIR, ROOT_PATH)  # noqa: F405
    + [COMPRESS_ROOT]
)

# Compile the themes' SCSS as a deployment does (Horizon's test settings leave it raw), so the
# browser tier sees real colours; the compressor's file cache makes it a one-time cost.
COMPRESS_PRECOMPILERS = (("text/scss", "horizon.utils.scss_filter.ScssFilter"),)
COMPRESS_FILTERS = {
    "css": ("compressor.filters.css_default.CssAbsoluteFilter",),
    "js": ("compressor.filters.jsmin.rJSMinFilter",),
}

# The view tests list live (each test mocks its own cloud); the index's own tests turn it
# on with a cache of their own (tests/views/test_indexed_pages.py and friends).
PATCH_DASHBOARD_INDEX_SECONDS = 0
