"""The index store on the development cloud's real memcached (the cache Horizon runs on):
memcached refuses an item over 1 MiB, the store's split value still round-trips, and of
several workers only one holds a scope's refresh lock."""

import os
import threading
import uuid

import pytest
from django.core.cache.backends.memcached import PyMemcacheCache

from patch_dashboard.api.index_store import ITEM_BYTES, IndexStore, scope_key

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
    store = IndexStore(memcached, scope_key(cloud["keystone_url"], cloud["region"], "cloud"))
    start, done, held = threading.Barrier(6), threading.Barrier(6), []

    def worker():
        cache = PyMemcacheCache(MEMCACHED, {"KEY_PREFIX": memcached.key_prefix})
        mine = IndexStore(cache, store.key)
        start.wait()
        with mine.lock("refresh", timeout=30) as got:
            held.append(got)
            done.wait()
        cache.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(held) == [False] * 5 + [True]
