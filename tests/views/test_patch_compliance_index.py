"""Patch Compliance served from the cloud's index (PATCH_DASHBOARD_INDEX_SECONDS > 0): the
first visit builds it, later visits read it without listing the cloud, say how old it is
and offer Refresh; a cold scope whose build takes long shows its progress; a refresh that
fails keeps the last index and says so; with the cache down the page lists the cloud live
and warns."""

import threading
import uuid

from django.conf import settings
from django.test.utils import override_settings
from django.urls import reverse
from keystoneauth1 import exceptions as keystone_exceptions
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from patch_dashboard.api import epoch, indexed
from tests.views import data
from tests.views.helpers import AdminTestCase
from tests.views.test_paging import names
from tests.views.test_patch_compliance import MOCKS as LIVE_MOCKS
from tests.views.test_patch_compliance import two_projects

# The indexed pages also ask Keystone whether the token still holds.
MOCKS = {**LIVE_MOCKS, api.keystone: ["tenant_list", "keystoneclient"]}
INDEX_URL = reverse("horizon:admin:patch_compliance:index")
EXPORT_URL = reverse("horizon:admin:patch_compliance:export")


def index_cache(location=None):
    return {
        **settings.CACHES,
        "index": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": location or "index-" + uuid.uuid4().hex,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
    }


def wait_for_builds():
    for thread in list(indexed._threads.values()):
        thread.join(30)


def index_on(test, **extra):
    """The index on for ``test`` (a LocMem cache of its own), its builds waited for after."""
    override = override_settings(
        CACHES=index_cache(),
        PATCH_DASHBOARD_INDEX_SECONDS=3600,
        PATCH_DASHBOARD_INDEX_CACHE="index",
        PATCH_DASHBOARD_INDEX_WAIT=10,
        **extra,
    )
    override.enable()
    test.addCleanup(override.disable)
    test.addCleanup(wait_for_builds)


class IndexedComplianceTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        index_on(self)

    def mock_all(self, servers=None):
        self.mock_cloud(server_list=two_projects() if servers is None else servers)
        self.mock_tenant_list.return_value = (self.tenants.list(), False)

    def listing_calls(self):
        return (
            self.mock_server_list.call_count
            + self.mock_image_list_detailed.call_count
            + self.mock_tenant_list.call_count
        )

    def reset_calls(self):
        for mock in (self.mock_server_list, self.mock_image_list_detailed, self.mock_tenant_list):
            mock.reset_mock()

    @helpers.create_mocks(MOCKS)
    def test_first_visit_builds_later_visits_read_the_index(self):
        self.mock_all()
        first = self.client.get(INDEX_URL)
        self.assertEqual(first.status_code, 200)
        self.assertEqual(sorted(names(first)), sorted(s.name for s in two_projects()))
        self.assertContains(first, 'id="patch-index-status"')
        self.assertContains(first, "s ago")
        self.assertContains(first, 'href="?refresh=1"')
        filtered = self.client.get(INDEX_URL, {"project": "2"})
        self.assertContains(filtered, 'href="?project=2&amp;refresh=1"')
        self.reset_calls()
        later = self.client.get(INDEX_URL)
        self.assertEqual(self.listing_calls(), 0, "read from the index, not listed")
        self.assertEqual(names(later), names(first))
        self.assertEqual(later.context["total_count"], first.context["total_count"])
        self.assertEqual(later.context["project_bars"], first.context["project_bars"])
        # Filters and the export from the index too.
        beta = self.client.get(INDEX_URL, {"project": "2"})
        self.assertEqual(sorted(names(beta)), ["beta-app", "beta-db", "beta-web"])
        export = self.client.get(EXPORT_URL, {"project": "2"})
        self.assertEqual(export.content.decode().count("beta-"), 3)
        self.assertEqual(self.listing_calls(), 0)

    @helpers.create_mocks(MOCKS)
    def test_refresh_rebuilds_and_shows_what_changed(self):
        self.mock_all()
        self.client.get(INDEX_URL)
        booted = data.nova_server("gamma-new", image_label="ubuntu-old", project_id="2")
        self.mock_all(servers=two_projects() + [booted])
        self.assertNotIn("gamma-new", names(self.client.get(INDEX_URL)))
        self.client.get(INDEX_URL, {"refresh": "1"})
        wait_for_builds()
        self.assertIn("gamma-new", names(self.client.get(INDEX_URL)))

    @helpers.create_mocks(MOCKS)
    def test_an_old_index_is_shown_while_it_is_rebuilt(self):
        self.mock_all()
        self.client.get(INDEX_URL)
        self.reset_calls()
        with override_settings(PATCH_DASHBOARD_INDEX_SECONDS=0.001):
            shown = self.client.get(INDEX_URL)
            wait_for_builds()
        self.assertEqual(len(names(shown)), len(two_projects()))
        self.assertGreater(self.mock_server_list.call_count, 0, "a rebuild was started")

    @helpers.create_mocks(MOCKS)
    def test_a_cold_scope_shows_the_builds_progress_then_fills_in(self):
        release = threading.Event()
        servers = two_projects()

        def slow_server_list(request, search_opts=None, **kwargs):
            release.wait(20)
            return servers, False

        self.mock_all()
        self.mock_server_list.side_effect = slow_server_list
        self.addCleanup(release.set)
        with override_settings(PATCH_DASHBOARD_INDEX_WAIT=0):
            cold = self.client.get(INDEX_URL)
        self.assertEqual(cold.status_code, 200)
        self.assertContains(cold, 'data-building="true"')
        self.assertContains(cold, "for the first time")
        self.assertContains(cold, "Instances read: 0.")
        self.assertEqual(names(cold), [])
        release.set()
        wait_for_builds()
        filled = self.client.get(INDEX_URL)
        self.assertEqual(len(names(filled)), len(servers))
        self.assertContains(filled, 'data-building="false"')

    @helpers.create_mocks(MOCKS)
    def test_a_failed_refresh_keeps_the_last_index_and_says_so(self):
        self.mock_all()
        self.client.get(INDEX_URL)
        self.mock_server_list.side_effect = self.exceptions.nova
        self.client.get(INDEX_URL, {"refresh": "1"})
        wait_for_builds()
        page = self.client.get(INDEX_URL)
        self.assertEqual(len(names(page)), len(two_projects()))
        self.assertContains(page, 'id="patch-index-error"')
        self.assertContains(page, "Unable to retrieve instances.")

    @helpers.create_mocks(MOCKS)
    def test_cache_down_lists_live_and_warns(self):
        self.mock_all()
        down = {
            **settings.CACHES,
            "index": {
                "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
                "LOCATION": "127.0.0.1:1",
                "OPTIONS": {"connect_timeout": 1, "timeout": 1},
            },
        }
        with override_settings(CACHES=down):
            page = self.client.get(INDEX_URL)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(len(names(page)), len(two_projects()))
        self.assertNotContains(page, 'id="patch-index-status"')
        self.assertIn(str(indexed.CACHE_DOWN), self.messages_shown(page))

    @helpers.create_mocks(MOCKS)
    def test_a_write_through_the_plugin_shows_at_once(self):
        self.mock_all()
        before = self.client.get(INDEX_URL)
        self.assertContains(before, 'data-patch-state="current"')
        # What the admin's Deprecate does: Glance changes, the plugin moves the epoch.
        deprecated = data.images()
        deprecated["ubuntu-new"] = data.glance_image(
            "ubuntu-new",
            "Ubuntu 24.04",
            created_days=10,
            image_build_date=data.days_ago(10),
            deprecation_state="deprecated",
            **data.UBUNTU,
        )
        self.mock_cloud(server_list=two_projects(), image_list=list(deprecated.values()))
        epoch.bump(before.wsgi_request)
        after = self.client.get(INDEX_URL)
        web_1 = next(row for row in after.context["table"].data if row.name == "web-1")
        self.assertEqual(web_1.state_code, "deprecated")
        self.assertNotContains(after, "Refreshing in the background.")

    @helpers.create_mocks(MOCKS)
    def test_a_revoked_token_is_sent_to_log_in_not_served_the_index(self):
        self.mock_all()
        self.assertEqual(self.client.get(INDEX_URL).status_code, 200)
        validate = self.mock_keystoneclient.return_value.tokens.validate
        self.assertEqual(validate.call_count, 1)
        self.client.get(INDEX_URL)
        self.assertEqual(validate.call_count, 1, "checked once a minute, not per view")
        epoch.index_cache().clear()  # a minute later: the token is checked again
        validate.side_effect = keystone_exceptions.Unauthorized("revoked")
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/auth/login/", response["Location"])
