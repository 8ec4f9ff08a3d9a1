"""The index store on Redis through Django's RedisCache (the other shared cache Horizon runs
on), with a redis-server this test starts on 127.0.0.1 in a temporary directory and stops:
a large value round-trips, one lock holder among workers, and a stopped server is a cache
that is down (the pages then list live), not an empty index."""

import os
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache.backends.redis import RedisCache

from patch_dashboard.api.index_store import IndexStore, scope_key
from tests.locking import contend

pytestmark = pytest.mark.integration


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server missing: devcloud/cloud.sh installs it (make demo)")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield "redis://127.0.0.1:%d/0" % port, process
    process.terminate()
    process.wait(10)


def redis_cache(url):
    return RedisCache(url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}})


def test_a_large_value_and_the_lock_on_redis(redis_server):
    url, _process = redis_server
    store = IndexStore(redis_cache(url), scope_key("http://ks/v3", "RegionOne", "cloud"))
    value = os.urandom(3 * 1024 * 1024)
    written = store.write("servers", value, timeout=60)
    assert written.items >= 5
    assert store.read("servers") == value
    held = contend(lambda: IndexStore(redis_cache(url), store.key), "build", 5)
    assert sorted(held) == [False] * 4 + [True]


def test_a_stopped_redis_is_a_cache_down_not_an_empty_index(redis_server):
    url, process = redis_server
    store = IndexStore(redis_cache(url), scope_key("http://ks/v3", "RegionOne", "cloud"))
    store.write("meta", {"n": 1})
    process.terminate()
    process.wait(10)
    with pytest.raises(Exception, match="(?i)connect|refused|closed"):
        store.read("meta")
