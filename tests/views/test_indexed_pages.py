"""Every list panel served from its scope's index shows what the live listing shows: the
same rows in the same order for each filter and page, the same figures, the same CSV; and
a later visit lists nothing. The project panels read the project's index, the admin panels
the cloud's; a member's request never reaches the cloud's index, whatever its URL says."""

import uuid

from django.conf import settings
from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from patch_dashboard.api import epoch, indexed
from patch_dashboard.api.index_store import scope_key
from tests.views.helpers import AdminTestCase, TestCase
from tests.views.test_patch_compliance import two_projects

MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
    api.keystone: ["tenant_list", "keystoneclient"],
}
PROJECT_PAGES = [
    ("horizon:project:outdated_instances:index", [{}, {"show": "all"}]),
    ("horizon:project:image_patch_status:index", [{}, {"state": "superseded"}, {"state": "x"}]),
]
ADMIN_PAGES = PROJECT_PAGES + [
    ("horizon:admin:image_lifecycle:index", [{}, {"state": "deprecated"}]),
    ("horizon:admin:patch_compliance:index", [{}, {"project": "2"}, {"state": "current"}]),
]
EXPORTS = ["horizon:project:outdated_instances:export", "horizon:admin:patch_compliance:export"]
CONTEXT_KEYS = (
    "current_count",
    "total_count",
    "share_percent",
    "instances_known",
    "state_summary",
    "families",
    "image_total",
    "project_bars",
    "family_bars",
    "projects",
)


def indexed_on():
    return override_settings(
        CACHES={
            **settings.CACHES,
            "index": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "index-" + uuid.uuid4().hex,
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
        },
        PATCH_DASHBOARD_INDEX_SECONDS=3600,
        PATCH_DASHBOARD_INDEX_CACHE="index",
        PATCH_DASHBOARD_INDEX_WAIT=10,
    )


def shown(response):
    rows = [row.id for row in response.context["table"].data]
    context = {key: response.context.get(key) for key in CONTEXT_KEYS if key in response.context}
    return rows, context


class SameAsLive:
    pages = PROJECT_PAGES

    def mock_all(self):
        self.mock_cloud(server_list=two_projects())
        self.mock_tenant_list.return_value = (self.tenants.list(), False)

    def listing_calls(self):
        return self.mock_server_list.call_count + self.mock_image_list_detailed.call_count

    def walk(self, url, query):
        """Every page of ``url`` with ``query``, following Next: (rows, context) each."""
        pages, params = [], dict(query)
        for _ in range(20):
            response = self.client.get(url, params)
            self.assertEqual(response.status_code, 200, url)
            pages.append(shown(response))
            table = response.context["table"]
            if not table.has_more_data():
                break
            params = dict(query, marker=table.get_object_id(table.data[-1]))
        return pages

    def check_pages(self):
        self.mock_all()
        live = {
            (name, str(query)): self.walk(reverse(name), query)
            for name, queries in self.pages
            for query in queries
        }
        with indexed_on():
            for name, queries in self.pages:
                for query in queries:
                    with self.subTest(page=name, query=query):
                        self.assertEqual(self.walk(reverse(name), query), live[(name, str(query))])
            calls = self.listing_calls()
            for name, _queries in self.pages:
                self.client.get(reverse(name))
            self.assertEqual(self.listing_calls(), calls, "later visits list nothing")
            for thread in list(indexed._threads.values()):
                thread.join(30)


@override_settings(PATCH_DASHBOARD_PAGE_SIZE=3)
class ProjectPagesFromTheIndex(SameAsLive, TestCase):
    @helpers.create_mocks(MOCKS)
    def test_project_pages_show_what_the_live_listing_shows(self):
        self.check_pages()

    @helpers.create_mocks(MOCKS)
    def test_the_project_export_is_the_live_export(self):
        self.mock_all()
        url = reverse(EXPORTS[0])
        live = self.client.get(url).content
        with indexed_on():
            self.client.get(reverse(PROJECT_PAGES[0][0]))
            calls = self.listing_calls()
            self.assertEqual(self.client.get(url).content, live)
            self.assertEqual(self.listing_calls(), calls)

    @helpers.create_mocks(MOCKS)
    def test_a_member_never_reads_the_cloud_index(self):
        self.mock_all()
        with indexed_on():
            # An admin's cloud-wide index of the same Keystone and region, planted.
            request = self.client.get(reverse(PROJECT_PAGES[0][0])).wsgi_request
            keystone, region = epoch.cloud_of(request)
            planted = indexed.store_for(request, "cloud")
            self.assertEqual(planted.key, scope_key(keystone, region, "cloud"))
            planted.write("meta", "not an index")
            for name, _ in ADMIN_PAGES[2:]:
                response = self.client.get(reverse(name), {"all_tenants": "1"})
                self.assertNotEqual(response.status_code, 200, name)
            response = self.client.get(reverse(PROJECT_PAGES[0][0]), {"scope": "cloud"})
            self.assertEqual(response.status_code, 200)
            # The member's page came from the project's index, which names only the project.
            index = indexed.Index.open(
                indexed.store_for(request, "project:%s" % request.user.project_id)
            )
            self.assertEqual(index.meta.scope, "project:%s" % request.user.project_id)
            opts = [call.kwargs["search_opts"] for call in self.mock_server_list.call_args_list]
            self.assertTrue(opts and not any(o.get("all_tenants") for o in opts))


@override_settings(PATCH_DASHBOARD_PAGE_SIZE=3)
class AdminPagesFromTheIndex(SameAsLive, AdminTestCase):
    pages = ADMIN_PAGES

    @helpers.create_mocks(MOCKS)
    def test_admin_pages_show_what_the_live_listing_shows(self):
        self.check_pages()

    @helpers.create_mocks(MOCKS)
    def test_the_compliance_export_is_the_live_export(self):
        self.mock_all()
        url = reverse(EXPORTS[1])
        live = self.client.get(url, {"project": "2"}).content
        with indexed_on():
            self.client.get(reverse(ADMIN_PAGES[-1][0]))
            calls = self.listing_calls()
            self.assertEqual(self.client.get(url, {"project": "2"}).content, live)
            self.assertEqual(self.listing_calls(), calls)
