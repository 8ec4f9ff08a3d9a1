"""Which cloud a request talks to, and the count of writes made to it through the plugin.

An index is keyed by the Keystone endpoint and the region of the request (one Horizon may
serve several clouds and regions). Every write through the plugin (deprecate, obsolete,
restore, edit metadata, rebuild) moves the cloud's *epoch*; an index built before the
current epoch is rebuilt on its next view, which waits for it briefly, so the user who
wrote sees the write at once (:mod:`patch_dashboard.api.indexed`).
"""

import logging
import secrets

from django.conf import settings
from django.core.cache import caches

from patch_dashboard import conf
from patch_dashboard.api.index_store import scope_key

LOG = logging.getLogger(__name__)


def cloud_of(request) -> tuple[str, str]:
    """(Keystone endpoint, region) of the request's session."""
    keystone = getattr(request.user, "endpoint", None) or getattr(
        settings, "OPENSTACK_KEYSTONE_URL", ""
    )
    return keystone, getattr(request.user, "services_region", None) or ""


class _ThreadCache:
    """The configured Django cache, as the calling thread's own connection: Django keeps one
    per thread, and a memcached client's socket shared by a request and a background build
    would interleave their replies. A store keeps this, never a connection."""

    def __getattr__(self, name):
        return getattr(caches[conf.get("PATCH_DASHBOARD_INDEX_CACHE")], name)


_THREAD_CACHE = _ThreadCache()


def index_cache():
    return _THREAD_CACHE


def _key(request) -> str:
    return scope_key(*cloud_of(request), "epoch")


def current(request) -> str | None:
    """The cloud's epoch (None before the first write); raises when the cache is down."""
    return index_cache().get(_key(request))


def bump(request) -> None:
    """After a write: every index of the cloud is out of date. A cache that is down holds
    no index to correct, so its failure is logged, never the write's."""
    if conf.index_seconds() <= 0:
        return
    try:
        index_cache().set(_key(request), secrets.token_hex(8), None)
    except Exception as error:
        LOG.warning("patch_dashboard: could not mark the indexes out of date: %s", error)


def cache_works(request) -> bool:
    """Whether the index cache stores and returns a value now. Asked, not assumed: after a
    failed call Django's memcached clients answer every read with "absent" instead of an
    error, which would look like a cold index to rebuild forever."""
    probe = secrets.token_hex(8)
    key = scope_key(*cloud_of(request), "probe")
    try:
        cache = index_cache()
        cache.set(key, probe, 60)
        return cache.get(key) == probe
    except Exception as error:
        LOG.warning("patch_dashboard: the index cache does not answer: %s", error)
        return False
