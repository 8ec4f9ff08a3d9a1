"""The index answers a page as the live listing does: the same rows in the same order for
every filter, search and Prev/Next marker, the same figures; reading a page reads one chunk
of rows, not the cloud; an evicted item is noticed, not served half."""

from datetime import datetime, timezone
from unittest import mock

from django.core.cache.backends.locmem import LocMemCache
from django.test import SimpleTestCase

from patch_dashboard.api import image_rows, instance_rows
from patch_dashboard.api import index as index_api
from patch_dashboard.api.index_store import IndexStore, scope_key
from patch_dashboard.content.paging import matches
from patch_dashboard.lifecycle import assess_cloud, parse_flavor, parse_image, parse_server
from tools import bench_data

NOW = bench_data.NOW


def synthetic_rows(image_count=500):
    """About 2,500 instances over 20 projects, in every state (tools/bench_data.py)."""
    cloud = bench_data.synthetic_cloud(image_count)
    volume_images = {v["id"]: v["volume_image_metadata"]["image_id"] for v in cloud.volumes}
    assessment = assess_cloud(
        images=[parse_image(raw) for raw in cloud.images],
        servers=[parse_server(raw, volume_image_ids=volume_images) for raw in cloud.servers],
        flavors=[parse_flavor(raw) for raw in cloud.flavors],
        now=NOW,
    )
    names = {str(n): "Project %d" % n for n in range(1, bench_data.PROJECTS + 1)}
    return (
        assessment,
        instance_rows.instance_rows(assessment, project_names=names),
        image_rows.lifecycle_rows(assessment, instances_known=True),
    )


class CountingStore(IndexStore):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = []

    def read(self, name):
        self.reads.append(name.split(":", 1)[-1])
        return super().read(name)


class IndexTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assessment, cls.rows, cls.image_rows = synthetic_rows()

    def setUp(self):
        cache = LocMemCache(self.id(), {"TIMEOUT": 300, "OPTIONS": {"MAX_ENTRIES": 100_000}})
        self.store = CountingStore(cache, scope_key("http://ks", "RegionOne", "cloud"))
        self.meta = index_api.write_index(
            self.store,
            scope="cloud",
            tables={"instances": self.rows, "images": self.image_rows},
            compliance=self.assessment.compliance,
            built_at=datetime.now(timezone.utc),
            servers=len(self.assessment.instances),
            images=len(self.assessment.images),
            complete=True,
        )
        self.store.reads.clear()
        self.index = index_api.Index.open(self.store)
        self.table = self.index.table()

    def test_it_holds_every_row_in_chunks(self):
        self.assertGreater(len(self.rows), 2 * index_api.CHUNK_ROWS)
        self.assertEqual(
            self.meta.chunks,
            {
                "instances": -(-len(self.rows) // index_api.CHUNK_ROWS),
                "images": -(-len(self.image_rows) // index_api.CHUNK_ROWS),
            },
        )
        self.assertEqual(self.table.all_rows(), self.rows)
        self.assertEqual(self.index.figures().compliance, self.assessment.compliance)

    def test_every_filter_selects_what_the_live_listing_selects(self):
        some = self.rows[len(self.rows) // 2]
        cases = [
            {},
            {"project": some.project_id},
            {"state": some.state_code},
            {"family": some.family_key},
            {"project": some.project_id, "state": some.state_code},
            {"project": some.project_id, "state": some.state_code, "family": some.family_key},
            {"state": "image-deleted"},
            {"project": "no-such-project"},
        ]
        for filters in cases:
            with self.subTest(filters):
                live = instance_rows.select(self.rows, **filters)
                positions = self.table.select(**filters)
                self.assertEqual(self.table.rows_at(positions), live)

    def test_search_finds_what_the_live_search_finds(self):
        for needle, fields in (
            ("project 7", ("project_name",)),
            ("UBUNTU", index_api.INSTANCES.searched),
        ):
            found = self.table.search(self.table.select(), needle, fields)
            self.assertEqual(
                self.table.rows_at(found), [r for r in self.rows if matches(r, needle, fields)]
            )
            self.assertTrue(found)

    def test_paging_walks_each_row_once_both_ways(self):
        positions = self.table.select(state="superseded")
        seen, marker = [], None
        while True:
            page, _prev, more = index_api.page_of(
                self.table, positions, marker=marker, prev_marker=None, size=97
            )
            seen.extend(page)
            if not more:
                break
            marker = self.table.rows_at(page[-1:])[0].id
        self.assertEqual(seen, list(positions))
        last = self.table.rows_at([positions[-1]])[0].id
        back, has_prev, more = index_api.page_of(
            self.table, positions, marker=None, prev_marker=last, size=10
        )
        self.assertEqual(back, list(positions[-11:-1]))
        self.assertTrue(has_prev and more)
        stale, has_prev, _ = index_api.page_of(
            self.table, positions, marker="gone-id", prev_marker=None, size=10
        )
        self.assertEqual((stale, has_prev), (list(positions[:10]), False))

    def test_a_page_reads_one_chunk_not_the_cloud(self):
        positions = self.table.select()
        page, _, _ = index_api.page_of(
            self.table, positions, marker=None, prev_marker=None, size=20
        )
        self.table.rows_at(page)
        self.index.figures()
        self.assertEqual(
            sorted(self.store.reads),
            ["figures", "instances:filter:live", "instances:rows:0", "meta"],
        )
        # The next page: its marker is found in one bucket of ids, not in all of them.
        self.store.reads.clear()
        marker = self.table.rows_at(page[-1:])[0].id
        index_api.page_of(self.table, positions, marker=marker, prev_marker=None, size=20)
        self.assertEqual([name.split(":")[1] for name in self.store.reads], ["ids"])

    def test_an_evicted_chunk_is_noticed(self):
        self.store.cache.delete("%s:%s:instances:rows:1" % (self.store.key, self.meta.generation))
        self.table.rows_at([0])
        with self.assertRaises(index_api.IndexGone):
            self.table.rows_at([index_api.CHUNK_ROWS])

    def test_a_new_generation_replaces_the_old_whole(self):
        kept = self.rows[:10]
        old = "%s:%s:" % (self.store.key, self.meta.generation)
        touched = mock.patch.object(self.store.cache, "touch", wraps=self.store.cache.touch)
        with touched as touch:
            index_api.write_index(
                self.store,
                scope="cloud",
                tables={"instances": kept},
                compliance=self.assessment.compliance,
                built_at=datetime.now(timezone.utc),
                servers=10,
                images=0,
                complete=False,
            )
        # Every item of the replaced generation is let expire, none of the new one.
        expired = {call.args[0] for call in touch.call_args_list}
        self.assertTrue(expired)
        self.assertTrue(all(key.startswith(old) for key in expired), expired)
        self.assertIn(old + "figures", expired)
        self.assertTrue(
            all(call.args[1] == index_api.REPLACED_SECONDS for call in touch.call_args_list)
        )
        fresh = index_api.Index.open(self.store)
        self.assertEqual(fresh.table().all_rows(), kept)
        self.assertFalse(fresh.meta.complete)
        self.assertEqual(self.table.all_rows(), self.rows, "a reader keeps its generation")

    def test_the_image_table_filters_searches_and_pages_like_the_live_list(self):
        images = self.index.table(index_api.IMAGES)
        self.assertEqual(images.all_rows(), self.image_rows)
        some = self.image_rows[len(self.image_rows) // 3]
        for filters in ({"state": some.state.value}, {"family": some.family_key}, {}):
            with self.subTest(filters):
                live = [
                    row
                    for row in self.image_rows
                    if all(index_api.IMAGES.filters(row)[k] == v for k, v in filters.items())
                ]
                self.assertEqual(images.rows_at(images.select(**filters)), live)
        found = images.search(images.select(), "ubuntu", ("name", "image_name", "project_name"))
        self.assertEqual(
            images.rows_at(found), [r for r in self.image_rows if "ubuntu" in r.name.lower()]
        )
        page, has_prev, more = index_api.page_of(
            images, images.select(), marker=self.image_rows[9].id, prev_marker=None, size=5
        )
        self.assertEqual(images.rows_at(page), self.image_rows[10:15])
        self.assertTrue(has_prev and more)
