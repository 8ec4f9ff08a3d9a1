"""The index store on the development cloud's real memcached (the cache Horizon runs on):
memcached refuses an item over 1 MiB, the store's split value still round-trips, and of
several workers only one holds a scope's refresh lock."""

import os
import uuid

import pytest
from django.core.cache.backends.memcached import PyMemcacheCache

from patch_dashboard.api.index_store import ITEM_BYTES, IndexStore, scope_key
from tests.locking import contend

pytestmark = pytest.mark.integration

MEMCACHED = "127.0.0.1:%s" % os.environ.get("DEVCLOUD_MEMCACHED_PORT", "21211")


@pytest.fixture
def memcached(cloud):
    """A cache on the cloud's memcached under a prefix of this test's own."""
    cache = PyMemcacheCache(MEMCACHED, {"KEY_PREFIX": "itest-" + uuid.uuid4().hex})
    yield cache
    cache.close()


def test_memcached_refuses_what_the_store_splits(cloud, memcached):
    value = os.urandom(3 * 1024 * 1024)  # incompressible: 3 MiB after zlib too
    with pytest.raises(Exception, match="too large"):
        memcached.set("direct", value)
    store = IndexStore(memcached, scope_key(cloud["keystone_url"], cloud["region"], "cloud"))
    written = store.write("servers", value, timeout=60)
    assert written.items >= 5
    assert written.largest <= ITEM_BYTES
    assert store.read("servers") == value


def test_one_refresh_lock_holder_among_workers(cloud, memcached):
    key = scope_key(cloud["keystone_url"], cloud["region"], "cloud")

    def worker_store():  # each worker its own connection, as each Horizon worker has
        return IndexStore(PyMemcacheCache(MEMCACHED, {"KEY_PREFIX": memcached.key_prefix}), key)

    held = contend(worker_store, "refresh", 6)
    assert sorted(held) == [False] * 5 + [True]
