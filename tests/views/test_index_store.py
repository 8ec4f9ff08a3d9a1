"""The index store over Django's cache: values split under the item limit, switched to at
once, absent when an item is lost or altered, one lock holder at a time."""

import os
import threading
from unittest import mock

from django.core.cache.backends.locmem import LocMemCache
from django.test import SimpleTestCase
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from patch_dashboard.api import compute
from patch_dashboard.api.index_store import IndexStore, scope_key
from tests.locking import contend
from tests.views import data


def fresh_cache(name):
    return LocMemCache(name, {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": 10_000}})


class IndexStoreTest(SimpleTestCase):
    def setUp(self):
        self.cache = fresh_cache(self.id())
        self.store = IndexStore(
            self.cache, scope_key("http://ks", "RegionOne", "cloud"), item_bytes=4096
        )

    def test_a_large_value_round_trips_in_items_under_the_limit(self):
        value = {"servers": [(str(i), os.urandom(16).hex()) for i in range(5000)]}
        written = self.store.write("servers", value)
        self.assertGreater(written.items, 10)
        self.assertLessEqual(written.largest, 4096)
        self.assertEqual(self.store.read("servers"), value)

    def test_a_rewrite_switches_to_the_new_value(self):
        self.store.write("figures", {"n": 1})
        self.store.write("figures", {"n": 2})
        self.assertEqual(self.store.read("figures"), {"n": 2})

    def test_a_lost_item_reads_as_absent(self):
        self.store.write("servers", list(range(20000)))
        manifest = self.cache.get(self.store.key + ":servers")
        self.cache.delete("%s:servers:%s:1" % (self.store.key, manifest["generation"]))
        self.assertIsNone(self.store.read("servers"))

    def test_an_altered_item_reads_as_absent(self):
        self.store.write("servers", list(range(20000)))
        manifest = self.cache.get(self.store.key + ":servers")
        key = "%s:servers:%s:0" % (self.store.key, manifest["generation"])
        chunk = self.cache.get(key)
        self.cache.set(key, chunk[:-1] + bytes([chunk[-1] ^ 0xFF]))
        self.assertIsNone(self.store.read("servers"))

    def test_a_malformed_manifest_reads_as_absent(self):
        for manifest in ("text", {"generation": "g"}, {"generation": "g", "items": "many"}):
            self.cache.set(self.store.key + ":servers", manifest)
            self.assertIsNone(self.store.read("servers"))

    def test_never_written_reads_as_absent(self):
        self.assertIsNone(self.store.read("images"))

    def test_keys_differ_by_keystone_region_and_scope_and_fit_memcached(self):
        keys = {
            scope_key("http://a:5000/v3", "RegionOne", "cloud"),
            scope_key("http://b:5000/v3", "RegionOne", "cloud"),
            scope_key("http://a:5000/v3", "RegionTwo", "cloud"),
            scope_key("http://a:5000/v3", "RegionOne", "project:p1"),
            scope_key("http://a:5000/v3", "RegionOne", "project:p1 \n" + "x" * 10_000),
        }
        self.assertEqual(len(keys), 5)
        for key in keys:
            self.assertLess(len(key), 100)
            self.assertTrue(key.isprintable() and " " not in key)

    def test_one_lock_holder_across_threads(self):
        held = contend(lambda: IndexStore(self.cache, self.store.key), "refresh", 8)
        self.assertEqual(held.count(True), 1)
        self.assertEqual(held.count(False), 7)
        with self.store.lock("refresh", timeout=30) as got:
            self.assertTrue(got, "released by its holder")

    def test_a_held_lock_is_renewed_and_only_by_its_holder(self):
        key = self.store.key + ":lock:build"
        with self.store.lock("build", timeout=1) as got:
            self.assertTrue(got)
            with mock.patch.object(self.cache, "touch", wraps=self.cache.touch) as touch:
                self.store.renew("build")
                touch.assert_called_once_with(key, 1)
        other = IndexStore(self.cache, self.store.key)
        self.cache.add(key, "someone else", timeout=30)
        with mock.patch.object(self.cache, "touch") as touch:
            other.renew("build")  # never held by ``other``
            self.store.renew("build")  # released by ``self.store``
            touch.assert_not_called()

    def test_a_lock_left_by_a_dead_holder_expires(self):
        self.cache.add(self.store.key + ":lock:refresh", "someone", timeout=1)
        with self.store.lock("refresh", timeout=30) as got:
            self.assertFalse(got)
        self.cache.delete(self.store.key + ":lock:refresh")  # what the expiry does
        with self.store.lock("refresh", timeout=30) as got:
            self.assertTrue(got)


class ChangesSinceListingTest(helpers.TestCase):
    """compute.list_servers(changes_since=...) asks Nova for the changes, paged, and keeps
    the deleted rows, which the index's merge removes."""

    @helpers.create_mocks({api.nova: ["server_list"], api.cinder: ["volume_list"]})
    def test_changes_since_reaches_nova_and_deleted_rows_come_back(self):
        deleted = data.nova_server("web-2", image_label="ubuntu-old")
        deleted._apiresource._info["status"] = "DELETED"  # as Nova lists it after changes-since
        self.mock_server_list.return_value = ([deleted], False)
        rows = compute.list_servers(
            self.request, all_projects=True, changes_since="2026-12-03T10:00:00Z"
        )
        opts = self.mock_server_list.call_args.kwargs["search_opts"]
        self.assertEqual(opts["changes-since"], "2026-12-03T10:00:00Z")
        self.assertTrue(opts["all_tenants"])
        self.assertEqual([(row.name, row.status) for row in rows], [("web-2", "DELETED")])


class ThreadCacheTest(SimpleTestCase):
    def test_each_thread_gets_its_own_connection(self):
        """A build in the background never shares the request's memcached socket."""
        from patch_dashboard.api import epoch

        seen = []

        def grab():
            seen.append(epoch.index_cache().__getattr__("get").__self__)

        grab()
        thread = threading.Thread(target=grab)
        thread.start()
        thread.join()
        self.assertEqual(len(seen), 2)
        self.assertIsNot(seen[0], seen[1])
