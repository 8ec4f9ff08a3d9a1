"""The plugin's tables a page at a time: every row assessed and counted, one page shown, and
Prev/Next links that keep the filters; the search box (Horizon's server-side filter) searches
every row, a page at a time, and is remembered."""

import csv
import html
import io
import re
from urllib.parse import parse_qs

from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.helpers import AdminTestCase, TestCase

MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
    api.keystone: ["tenant_list"],
}
IMAGES_URL = reverse("horizon:project:image_patch_status:index")


def pagination_links(response):
    """{"Prev": query, "Next": query} of the table's footer."""
    links = {}
    for href, text in re.findall(r'<a href="\?([^"]*)">([^<]*)</a>', response.content.decode()):
        text = html.unescape(text).replace("\xa0", " ")
        for label in ("Prev", "Next"):
            if label in text:
                links[label] = parse_qs(html.unescape(href))
    return links


def names(response):
    return [row.name for row in response.context["table"].data]


class ImagePagingTests(TestCase):
    @override_settings(PATCH_DASHBOARD_PAGE_SIZE=3)
    @helpers.create_mocks(MOCKS)
    def test_pages_walk_through_every_image_once(self):
        self.mock_cloud()
        everything = len(data.images())
        seen = []
        query = {}
        pages = 0
        while True:
            response = self.client.get(IMAGES_URL, query)
            self.assertEqual(response.status_code, 200)
            # The summary counts every image, whatever page is shown.
            self.assertEqual(response.context["image_total"], everything)
            page = names(response)
            self.assertLessEqual(len(page), 3)
            seen += page
            pages += 1
            links = pagination_links(response)
            self.assertEqual("Prev" in links, pages > 1)
            if "Next" not in links:
                break
            query = {key: values[0] for key, values in links["Next"].items()}
        self.assertEqual(len(seen), everything)
        self.assertEqual(len(set(seen)), everything)
        self.assertEqual(pages, -(-everything // 3))
        # Prev from the second page goes back to the first.
        first = self.client.get(IMAGES_URL)
        second_query = {k: v[0] for k, v in pagination_links(first)["Next"].items()}
        second = self.client.get(IMAGES_URL, second_query)
        back = {k: v[0] for k, v in pagination_links(second)["Prev"].items()}
        self.assertEqual(names(self.client.get(IMAGES_URL, back)), names(first))

    @override_settings(PATCH_DASHBOARD_PAGE_SIZE=1)
    @helpers.create_mocks(MOCKS)
    def test_next_link_keeps_the_state_filter(self):
        self.mock_cloud()
        response = self.client.get(IMAGES_URL, {"state": "superseded"})
        superseded = [row for row in response.context["table"].data]
        self.assertEqual(len(superseded), 1)
        next_query = pagination_links(response)["Next"]
        self.assertEqual(next_query["state"], ["superseded"])
        self.assertEqual(next_query["marker"], [superseded[0].id])
        following = self.client.get(IMAGES_URL, {k: v[0] for k, v in next_query.items()})
        self.assertTrue(
            all(row.state.value == "superseded" for row in following.context["table"].data)
        )
        self.assertNotEqual(names(following), names(response))

    @helpers.create_mocks(MOCKS)
    def test_the_users_items_per_page_setting_wins(self):
        self.mock_cloud()
        self.client.cookies["API_RESULT_PAGE_SIZE"] = "2"
        response = self.client.get(IMAGES_URL)
        self.assertEqual(len(names(response)), 2)
        self.assertIn("Next", pagination_links(response))

    @override_settings(PATCH_DASHBOARD_PAGE_SIZE=2)
    @helpers.create_mocks(MOCKS)
    def test_search_finds_an_image_beyond_the_first_page(self):
        self.mock_cloud()
        first = names(self.client.get(IMAGES_URL))
        target = next(image.name for image in data.images().values() if image.name not in first)
        # Horizon's server-side filter: the POST stores the text in the session and goes back
        # to the table's first page, as Horizon's Images panel does.
        response = self.client.post(IMAGES_URL, {"image_patch_status__filter__q": target.upper()})
        self.assertRedirectsNoFollow(response, IMAGES_URL)
        response = self.client.get(IMAGES_URL)
        self.assertEqual(response.status_code, 200)
        self.assertIn(target, names(response))
        self.assertTrue(all(target.casefold() in name.casefold() for name in names(response)))

    @override_settings(PATCH_DASHBOARD_PAGE_SIZE=1)
    @helpers.create_mocks(MOCKS)
    def test_search_is_paged_and_remembered(self):
        self.mock_cloud()
        needle = "debian"
        expected = sorted(
            image.name for image in data.images().values() if needle in image.name.casefold()
        )
        self.assertGreater(len(expected), 1)  # more matches than one page holds
        self.client.post(IMAGES_URL, {"image_patch_status__filter__q": needle})
        seen, query = [], {}
        for _page in range(len(expected)):
            response = self.client.get(IMAGES_URL, {k: v[0] for k, v in query.items()})
            page = names(response)
            self.assertEqual(len(page), 1)
            seen += page
            query = pagination_links(response).get("Next")
            if query is None:
                break
        # Every match once, over the pages, and nothing else: the search stayed on.
        self.assertEqual(sorted(seen), expected)
        self.assertContains(self.client.get(IMAGES_URL), 'value="%s"' % needle)
        # An empty search shows every image again.
        self.client.post(IMAGES_URL, {"image_patch_status__filter__q": ""})
        self.assertIn("Next", pagination_links(self.client.get(IMAGES_URL)))

    @override_settings(PATCH_DASHBOARD_PAGE_SIZE=100)
    @helpers.create_mocks(MOCKS)
    def test_search_in_one_field(self):
        self.mock_cloud()
        family = next(iter(data.images().values())).name.split()[0]
        self.client.post(
            IMAGES_URL,
            {
                "image_patch_status__filter__q": "no-such-name",
                "image_patch_status__filter__q_field": "name",
            },
        )
        self.assertEqual(names(self.client.get(IMAGES_URL)), [])
        self.client.post(
            IMAGES_URL,
            {
                "image_patch_status__filter__q": family,
                "image_patch_status__filter__q_field": "family_label",
            },
        )
        shown = self.client.get(IMAGES_URL).context["table"].data
        self.assertTrue(shown)
        self.assertTrue(all(family.casefold() in row.family_label.casefold() for row in shown))

    @helpers.create_mocks(MOCKS)
    def test_a_stale_marker_shows_the_first_page(self):
        """A marker of an image deleted since the link was made: the first page, no error."""
        self.mock_cloud()
        response = self.client.get(IMAGES_URL, {"marker": "gone-since"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(names(response)), len(data.images()))


class CompliancePagingTests(AdminTestCase):
    @override_settings(PATCH_DASHBOARD_PAGE_SIZE=2)
    @helpers.create_mocks(MOCKS)
    def test_one_page_shown_every_instance_counted_and_exported(self):
        self.mock_cloud()
        self.mock_tenant_list.return_value = (self.tenants.list(), False)
        total = len(data.servers())
        response = self.client.get(
            reverse("horizon:admin:patch_compliance:index"), {"project": "1"}
        )
        self.assertEqual(len(names(response)), 2)
        self.assertEqual(response.context["total_count"], total)
        self.assertEqual(pagination_links(response)["Next"]["project"], ["1"])
        export = self.client.get(reverse("horizon:admin:patch_compliance:export"))
        self.assertEqual(len(list(csv.DictReader(io.StringIO(export.content.decode())))), total)
