"""Every PATCH_DASHBOARD_* setting, with its default, read in this one place.

Operators set them in Horizon's local_settings.py (or a local_settings.d file).
"""

from django.conf import settings

DEFAULTS = {
    # List hidden images (os_hidden=True) too. Deprecated builds are hidden by the admin
    # action, and the instances still running on them must be assessed; Glance lists hidden
    # images only when asked, so this costs one more Glance list call per page.
    "PATCH_DASHBOARD_INCLUDE_HIDDEN_IMAGES": True,
    # Page size the plugin asks Nova for when it pages through servers. Keep it equal to or
    # below Nova's [api] max_limit (default 1000): a shorter page is taken as the last one.
    "PATCH_DASHBOARD_NOVA_PAGE_SIZE": 1000,
    # Launch Instance wizard: refuse launches from deprecated or obsolete images (the
    # wizard shows why and offers the latest build). Off by default: nothing is blocked.
    "PATCH_DASHBOARD_BLOCK_DEPRECATED_LAUNCH": False,
    # Rows a table shows at a time (Image Patch Status, Outdated Instances, Patch
    # Compliance, Image Lifecycle), unless the user set Horizon's *Items Per Page*. Every
    # row is still assessed, counted and exported to CSV.
    "PATCH_DASHBOARD_PAGE_SIZE": 100,
    # The list panels (Image Patch Status, Outdated Instances, Image Lifecycle, Patch
    # Compliance) are served from an index of their scope kept in Horizon's cache
    # (docs/scale.md): rebuilt in the background when older than this many seconds; 0 lists
    # the whole scope on every page view instead.
    "PATCH_DASHBOARD_INDEX_SECONDS": 60,
    # How long the first view of a scope that has no index yet waits for its build before it
    # shows the build's progress instead.
    "PATCH_DASHBOARD_INDEX_WAIT": 2.0,
    # A refresh reads only what changed since the last one (Nova changes-since, Glance
    # updated_at); every this many seconds it lists the whole scope again instead, which is
    # when images deleted outside the dashboard leave the index and rows are sorted again.
    # Keep it shorter than Nova's archiving of deleted servers (nova-manage db
    # archive_deleted_rows): a server archived before a refresh saw it deleted stays listed
    # until the next full one. 0: every refresh is a full one.
    "PATCH_DASHBOARD_INDEX_RESYNC_SECONDS": 3600,
    # Which of Django's CACHES holds the index (memcached: split into items under 1 MiB).
    "PATCH_DASHBOARD_INDEX_CACHE": "default",
}


def get(name: str):
    """The value of a PATCH_DASHBOARD_* setting, or its default."""
    return getattr(settings, name, DEFAULTS[name])


def include_hidden_images() -> bool:
    return bool(get("PATCH_DASHBOARD_INCLUDE_HIDDEN_IMAGES"))


def nova_page_size() -> int:
    return int(get("PATCH_DASHBOARD_NOVA_PAGE_SIZE"))


def block_deprecated_launch() -> bool:
    return bool(get("PATCH_DASHBOARD_BLOCK_DEPRECATED_LAUNCH"))


def index_seconds() -> float:
    """Seconds an index is served before a rebuild starts; 0: no index (live listings)."""
    return float(get("PATCH_DASHBOARD_INDEX_SECONDS"))


def index_resync_seconds() -> float:
    return float(get("PATCH_DASHBOARD_INDEX_RESYNC_SECONDS"))


def index_wait() -> float:
    return float(get("PATCH_DASHBOARD_INDEX_WAIT"))
