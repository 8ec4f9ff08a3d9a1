"""An incremental refresh of an index ends where a full build from the same cloud ends: the
same rows (in the place they had: the order is approximate until the next full listing), the
same figures, the same rows for every filter and search; and it asks Nova for what changed,
not for the cloud.

The cloud is tools/bench_data.py's (500 servers over 20 projects, 100 images in families),
answered at Horizon's API boundary by a fake that honours Nova's ``changes-since`` (deleted
servers come back as ``DELETED``) and Glance's ``updated_at`` filter, the way the real ones
do (tests/integration/test_changes_since.py checks the real Nova).
"""

import copy
import gc
import random
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace
from unittest import mock

from django.conf import settings
from django.test.utils import override_settings
from openstack_auth import utils as auth_utils
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from patch_dashboard.api import epoch, increment, indexed
from patch_dashboard.api.index import IMAGES, INSTANCES, Index
from patch_dashboard.api.index_store import IndexStore
from tests.views.helpers import AdminTestCase
from tests.views.test_patch_compliance_index import index_on
from tools import bench_data

MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
    api.keystone: ["tenant_list"],
}
OLD = "2020-01-01T00:00:00Z"


def stamp(moment=None):
    return (moment or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Resource:
    """What Horizon's API layer returns: the API's dict behind a wrapper."""

    def __init__(self, payload):
        self._apiresource = payload
        self.id = payload["id"]


class FakeCloud:
    """Nova, Glance and Cinder over one synthetic cloud, changed by the test."""

    def __init__(self, image_count=100, **kwargs):
        cloud = bench_data.synthetic_cloud(image_count, **kwargs)
        self.servers = {s["id"]: {**s, "updated": OLD} for s in cloud.servers}
        self.images = {i["id"]: {**i, "updated_at": OLD} for i in cloud.images}
        self.flavors = cloud.flavors
        self.volumes = cloud.volumes
        self.rng = random.Random(7)
        self.calls = []

    # Horizon's API functions, as the view tests mock them
    def server_list(self, request, search_opts=None, **kwargs):
        opts = dict(search_opts or {})
        self.calls.append(("nova", opts.get("changes-since")))
        since = opts.get("changes-since")
        listed = sorted(
            (s for s in self.servers.values() if not since or s["updated"] >= since),
            key=lambda s: s["id"],
        )
        if not since:
            listed = [s for s in listed if s["status"] != "DELETED"]
        if opts.get("marker"):
            listed = [s for s in listed if s["id"] > opts["marker"]]
        limit = int(opts.get("limit", 1000))
        return [Resource(s) for s in listed[:limit]], len(listed) > limit

    def image_list_detailed(self, request, marker=None, filters=None, paginate=False, **kw):
        filters = dict(filters or {})
        self.calls.append(("glance", filters.get("updated_at")))
        hidden = bool(filters.get("os_hidden"))
        since = (filters.get("updated_at") or "gte:").split(":", 1)[1]
        listed = sorted(
            (
                i
                for i in self.images.values()
                if bool(i["os_hidden"]) == hidden and (not since or i["updated_at"] >= since)
            ),
            key=lambda i: i["id"],
        )
        if marker:
            listed = [i for i in listed if i["id"] > marker]
        return [Resource(i) for i in listed[: settings.API_RESULT_LIMIT]], False, False

    def flavor_list(self, request, is_public=None, **kwargs):
        return [Resource(f) for f in self.flavors]

    def volume_list(self, request, search_opts=None, **kwargs):
        return [SimpleNamespace(**v) for v in self.volumes]

    # changes, as Nova and Glance record them
    def live_servers(self):
        return sorted(s["id"] for s in self.servers.values() if s["status"] != "DELETED")

    def delete_servers(self, count):
        for server_id in self.rng.sample(self.live_servers(), count):
            self.servers[server_id].update(status="DELETED", updated=stamp())

    def delete_project(self, project):
        for server in self.servers.values():
            if server["tenant_id"] == project and server["status"] != "DELETED":
                server.update(status="DELETED", updated=stamp())

    def change_servers(self, count):
        public = sorted(i["id"] for i in self.images.values() if i["visibility"] == "public")
        for server_id in self.rng.sample(self.live_servers(), count):
            server = self.servers[server_id]
            if self.rng.random() < 0.5:
                server["status"] = "SHUTOFF" if server["status"] == "ACTIVE" else "ACTIVE"
            else:  # rebuilt on another image
                server["image"] = {"id": self.rng.choice(public), "links": []}
            server["updated"] = stamp()

    def create_servers(self, count, project="3"):
        template = self.servers[self.live_servers()[0]]
        public = sorted(i["id"] for i in self.images.values() if i["visibility"] == "public")
        for number in range(count):
            server_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
            self.servers[server_id] = {
                **copy.deepcopy(template),
                "id": server_id,
                "name": "new-%d" % number,
                "tenant_id": project,
                "image": {"id": self.rng.choice(public), "links": []},
                "os-extended-volumes:volumes_attached": [],
                "updated": stamp(),
            }

    def deprecate_image_in_use(self):
        used = sorted({s["image"]["id"] for s in self.servers.values() if s["image"]})
        image = self.images[next(i for i in used if i in self.images)]
        image.update(deprecation_state="deprecated", updated_at=stamp())
        return image["id"]

    def new_build_of_a_family(self):
        """A newer build of the family of the most used image: its builds are superseded."""
        used = [s["image"]["id"] for s in self.servers.values() if s["image"]]
        popular = max((i for i in set(used) if i in self.images), key=used.count)
        image = copy.deepcopy(self.images[popular])
        image.update(
            id=str(uuid.UUID(int=self.rng.getrandbits(128))),
            name=image["name"] + " (rebuilt)",
            image_build_date=stamp()[:10],
            created_at=stamp(),
            updated_at=stamp(),
            deprecation_state=None,
        )
        image.pop("deprecation_state")
        self.images[image["id"]] = image
        return image["id"]


def rows_by_id(table):
    return sorted(table.all_rows(), key=lambda row: row.id)


def selected_ids(table, **filters):
    return sorted(row.id for row in table.rows_at(table.select(**filters)))


class IncrementTests(AdminTestCase):
    """A scope this small is written whole after an increment, in the tables' order."""

    in_place = False  # IncrementInPlaceTests: only the changed items written

    def setUp(self):
        super().setUp()
        index_on(self, PATCH_DASHBOARD_INDEX_RESYNC_SECONDS=3600)
        if self.in_place:
            patcher = mock.patch.object(increment, "RESORT_ROWS", 0)
            patcher.start()
            self.addCleanup(patcher.stop)

    def fake(self):
        cloud = FakeCloud()
        self.mock_server_list.side_effect = cloud.server_list
        self.mock_image_list_detailed.side_effect = cloud.image_list_detailed
        self.mock_flavor_list.side_effect = cloud.flavor_list
        self.mock_volume_list.side_effect = cloud.volume_list
        tenants = [SimpleNamespace(id=str(n), name="Project %d" % n) for n in range(1, 21)]
        self.mock_tenant_list.return_value = (tenants, False)
        self.request.user = auth_utils.get_user(self.request)  # the admin, as a view has it
        return cloud

    def build(self, key, **kwargs):
        store = IndexStore(epoch.index_cache(), key)
        self.assertTrue(indexed.build(self.request, store, "cloud", all_projects=True, **kwargs))
        status = store.read("status")
        self.assertFalse(status.get("failed"), status)
        return Index.open(store)

    def assert_same_index(self, incremental, full):
        for spec in (INSTANCES, IMAGES):
            with self.subTest(table=spec.name):
                got, want = incremental.table(spec), full.table(spec)
                self.assertEqual(got.count(), want.count())
                self.assertEqual(rows_by_id(got), rows_by_id(want))
                if not self.in_place:  # and in the same order
                    self.assertEqual(got.all_rows(), want.all_rows())
                for row in want.all_rows()[::37]:
                    for name, value in spec.filters(row).items():
                        self.assertEqual(
                            selected_ids(got, **{name: value}),
                            selected_ids(want, **{name: value}),
                            (name, value),
                        )
                    self.assertEqual(got.rows_at([got.position_of(row.id)]), [row])
                self.assertEqual(selected_ids(got), selected_ids(want))
                needle = "ubuntu"
                self.assertEqual(
                    sorted(r.id for r in got.rows_at(got.search(got.select(), needle))),
                    sorted(r.id for r in want.rows_at(want.search(want.select(), needle))),
                )
        self.assertEqual(incremental.figures(), full.figures())
        self.assertEqual(incremental.meta.servers, full.meta.servers)
        self.assertEqual(incremental.meta.images, full.meta.images)

    @helpers.create_mocks(MOCKS)
    def test_an_increment_ends_where_a_full_build_ends(self):
        cloud = self.fake()
        first = self.build("one")
        self.assertEqual(first.meta.kind, "full")
        servers = first.meta.servers
        cloud.calls.clear()

        cloud.delete_servers(20)
        cloud.change_servers(30)
        cloud.create_servers(25)
        deprecated = cloud.deprecate_image_in_use()
        added = cloud.new_build_of_a_family()
        after = self.build("one")

        self.assertEqual(after.meta.kind, "incremental")
        self.assertEqual(after.meta.servers, servers - 20 + 25)
        # What Nova was asked: the changes since the last refresh, one page, not the cloud.
        nova = [since for service, since in cloud.calls if service == "nova"]
        self.assertEqual(len(nova), 1)
        self.assertIsNotNone(nova[0])
        glance = [since for service, since in cloud.calls if service == "glance"]
        self.assertTrue(glance and all(since for since in glance), glance)
        # Far fewer rows written than the cloud holds (changed servers, those on the two
        # changed images and on the images the new build supersedes)
        self.assertLess(after.meta.changed, servers)
        self.assertGreaterEqual(after.meta.changed, 75)

        full = self.build("two")
        self.assertEqual(full.meta.kind, "full")
        self.assert_same_index(after, full)
        images = after.table(IMAGES)
        self.assertIsNotNone(images.position_of(added))
        row = images.rows_at([images.position_of(deprecated)])[0]
        self.assertEqual(row.state.value, "deprecated")

    @helpers.create_mocks(MOCKS)
    def test_increments_in_a_row_stay_equal_to_a_full_build(self):
        cloud = self.fake()
        self.build("one")
        for _ in range(3):
            cloud.delete_servers(5)
            cloud.change_servers(5)
            cloud.create_servers(5, project="21")  # a project the index has not seen yet
            latest = self.build("one")
            self.assertEqual(latest.meta.kind, "incremental")
        self.assert_same_index(latest, self.build("two"))

    @helpers.create_mocks(MOCKS)
    def test_a_server_created_and_deleted_between_refreshes_never_shows(self):
        """Nova lists it once, DELETED; a SOFT_DELETED server still exists (it can be
        restored) and keeps its row."""
        cloud = self.fake()
        first = self.build("one")
        cloud.create_servers(2)
        new = sorted(set(cloud.live_servers()) - {row.id for row in first.table().all_rows()})
        cloud.servers[new[0]].update(status="DELETED", updated=stamp())
        soft = cloud.live_servers()[5]
        cloud.servers[soft].update(status="SOFT_DELETED", updated=stamp())
        after = self.build("one")
        self.assertEqual(after.meta.kind, "incremental")
        table = after.table()
        self.assertIsNone(table.position_of(new[0]))
        self.assertIsNotNone(table.position_of(new[1]))
        self.assertEqual(table.rows_at([table.position_of(soft)])[0].status, "SOFT_DELETED")
        self.assertEqual(after.meta.servers, first.meta.servers + 1)
        self.assert_same_index(after, self.build("two"))

    @helpers.create_mocks(MOCKS)
    def test_the_image_records_are_written_again_only_when_an_image_changed(self):
        """raw:images, the larger of the raw items (every image record), stays where it is
        when only servers changed; an image change writes it again."""
        cloud = self.fake()
        first = self.build("one")
        cloud.change_servers(5)
        servers_only = self.build("one")
        self.assertEqual(servers_only.meta.kind, "incremental")
        keys = first.meta.keys, servers_only.meta.keys
        self.assertNotEqual(keys[0][increment.RAW_SERVERS], keys[1][increment.RAW_SERVERS])
        if self.in_place:  # a scope written whole writes every item
            self.assertEqual(keys[0][increment.RAW_IMAGES], keys[1][increment.RAW_IMAGES])
        deprecated = cloud.deprecate_image_in_use()
        image_change = self.build("one")
        self.assertNotEqual(
            image_change.meta.keys[increment.RAW_IMAGES], keys[1][increment.RAW_IMAGES]
        )
        records = {image.id: image for image in image_change.item(increment.RAW_IMAGES).images}
        self.assertEqual(records[deprecated].deprecation_state.value, "deprecated")
        self.assert_same_index(image_change, self.build("two"))

    @helpers.create_mocks(MOCKS)
    def test_a_project_whose_servers_are_all_deleted_leaves_the_figures(self):
        cloud = self.fake()
        first = self.build("one")
        self.assertIn("4", first.figures().compliance.by_project)
        cloud.delete_project("4")
        after = self.build("one")
        self.assertEqual(after.meta.kind, "incremental")
        self.assertNotIn("4", after.figures().compliance.by_project)
        self.assertNotIn("4", after.figures().project_labels)
        self.assertEqual(list(after.table().select(project="4")), [])
        self.assert_same_index(after, self.build("two"))

    @helpers.create_mocks(MOCKS)
    def test_no_change_writes_no_rows(self):
        self.fake()
        first = self.build("one")
        again = self.build("one")
        self.assertEqual((again.meta.kind, again.meta.changed), ("incremental", 0))
        self.assertEqual(rows_by_id(again.table()), rows_by_id(first.table()))
        self.assertGreater(again.meta.built_at, first.meta.built_at)

    @helpers.create_mocks(MOCKS)
    def test_a_flavor_change_assesses_every_row_again(self):
        cloud = self.fake()
        first = self.build("one")
        cloud.flavors = cloud.flavors[: len(cloud.flavors) // 2]  # half of them removed
        after = self.build("one")
        self.assertEqual(after.meta.kind, "incremental")
        self.assertGreaterEqual(after.meta.changed, first.meta.servers)  # every row
        self.assert_same_index(after, self.build("two"))

    @helpers.create_mocks(MOCKS)
    def test_the_resync_period_lists_the_scope_whole(self):
        cloud = self.fake()
        self.build("one")
        gone = sorted(cloud.images)[0]
        del cloud.images[gone]  # Glance lists no deleted image: only a full listing sees it
        with override_settings(PATCH_DASHBOARD_INDEX_RESYNC_SECONDS=0):
            after = self.build("one")
        self.assertEqual(after.meta.kind, "full")
        self.assertIsNone(after.table(IMAGES).position_of(gone))

    @helpers.create_mocks(MOCKS)
    def test_refresh_lists_the_images_whole_and_an_image_deleted_leaves(self):
        cloud = self.fake()
        first = self.build("one")
        used = {row.image_id for row in first.table().all_rows()}
        gone = sorted(i for i in cloud.images if i in used)[0]
        del cloud.images[gone]
        background = self.build("one")  # what changed only: Glance lists no deleted image
        self.assertIsNotNone(background.table(IMAGES).position_of(gone))
        after = self.build("one", whole_images=True)  # the user's Refresh
        self.assertEqual(after.meta.kind, "incremental")  # the servers: what changed only
        self.assertIsNone(after.table(IMAGES).position_of(gone))
        on_it = after.table().rows_at(after.table().select(image=gone))
        self.assertTrue(on_it)
        self.assertTrue(all(row.state_code == "image-deleted" for row in on_it), on_it[:1])
        self.assert_same_index(after, self.build("two"))

    @helpers.create_mocks(MOCKS)
    def test_a_failed_increment_keeps_the_last_index_and_says_so(self):
        cloud = self.fake()
        first = self.build("one")
        cloud.delete_servers(3)
        self.mock_server_list.side_effect = OSError("nova is down")
        store = IndexStore(epoch.index_cache(), "one")
        paused = []
        listings = increment._listings

        def listed(*args, **kwargs):
            paused.append(not gc.isenabled())  # the collector waits while an increment runs
            return listings(*args, **kwargs)

        with mock.patch.object(increment, "_listings", side_effect=listed):
            indexed.build(self.request, store, "cloud", all_projects=True)
        self.assertEqual(paused, [True])
        self.assertTrue(gc.isenabled())  # and runs again after it, a failed one too
        self.assertEqual(store.read("status")["error"], "Unable to retrieve instances.")
        kept = Index.open(store)
        self.assertEqual(kept.meta.generation, first.meta.generation)
        self.assertEqual(rows_by_id(kept.table()), rows_by_id(first.table()))
        # Nova back: the next increment still sees the deletions made meanwhile.
        self.mock_server_list.side_effect = cloud.server_list
        after = self.build("one")
        self.assertEqual(after.meta.servers, first.meta.servers - 3)
        self.assertEqual(after.meta.kind, "incremental")

    @helpers.create_mocks(MOCKS)
    def test_cinder_is_asked_only_about_a_new_boot_from_volume_server(self):
        cloud = self.fake()
        self.build("one")
        volume_backed = sorted(i for i, s in cloud.servers.items() if not s["image"])
        self.assertTrue(volume_backed)
        for server_id in volume_backed[:3]:  # stopped, and one deleted
            cloud.servers[server_id].update(status="SHUTOFF", updated=stamp())
        cloud.servers[volume_backed[3]].update(status="DELETED", updated=stamp())
        self.mock_volume_list.reset_mock()
        after = self.build("one")
        self.mock_volume_list.assert_not_called()
        row = after.table().rows_at([after.table().position_of(volume_backed[0])])[0]
        self.assertEqual(row.status, "SHUTOFF")
        self.assertIsNotNone(row.image_id)  # still the image its volume was made from
        # A new one: Cinder says which image its volume holds.
        template = cloud.servers[volume_backed[4]]
        cloud.servers["new-volume-backed"] = {
            **copy.deepcopy(template),
            "id": "new-volume-backed",
            "updated": stamp(),
        }
        latest = self.build("one")
        self.mock_volume_list.assert_called_once()
        table = latest.table()
        new_row = table.rows_at([table.position_of("new-volume-backed")])[0]
        self.assertEqual(new_row.image_id, row_image(table, volume_backed[4]))
        self.assert_same_index(latest, self.build("two"))


class IncrementInPlaceTests(IncrementTests):
    """The same, for a scope too large to be written whole: only the changed items."""

    in_place = True


def row_image(table, server_id):
    return table.rows_at([table.position_of(server_id)])[0].image_id
