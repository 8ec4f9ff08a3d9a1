"""Project > Compute > Image Patch Status: rows, states, links, filters, failures, API calls."""

import re

from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.helpers import TestCase

INDEX_URL = reverse("horizon:project:image_patch_status:index")


def detail_url(label):
    return reverse("horizon:project:image_patch_status:detail", args=[data.image_id(label)])


class ImagePatchStatusIndexTests(TestCase):
    def rows_by_name(self, response):
        return {row.name: row for row in response.context["table"].data}

    def row_html(self, response, label):
        """The <tr> of one image in the rendered page."""
        html = response.content.decode()
        match = re.search(r'<tr[^>]*data-object-id="%s".*?</tr>' % data.image_id(label), html, re.S)
        self.assertIsNotNone(match, f"no row for {label}")
        return match.group(0)

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_every_image_with_its_state(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "project/image_patch_status/index.html")
        states = {name: row.state.value for name, row in self.rows_by_name(response).items()}
        self.assertEqual(
            states,
            {
                "Ubuntu 24.04": "current",
                "Ubuntu 24.04 20241001": "superseded",
                "Ubuntu 24.04 20240901": "superseded",
                "Debian 12": "current",
                "Debian 12 20240801": "deprecated",  # hidden, still listed
                "CentOS Stream 9": "stale",
                "Fedora 38": "end-of-life",
                "Ubuntu 20.04": "obsolete",
                "Rocky 9": "current",
                "Rocky 9 (20241001)": "superseded",
                "Broken Metadata": "unknown",
            },
        )
        # The badge a person sees carries the state's colour class and word.
        self.assertIn(
            'class="label label-danger patch-state patch-state-deprecated"',
            self.row_html(response, "debian-old"),
        )
        self.assertIn(">Deprecated<", self.row_html(response, "debian-old"))
        self.assertIn("label-success", self.row_html(response, "ubuntu-new"))

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_replacement_links_and_instance_counts(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        rows = self.rows_by_name(response)
        # Deprecated Debian build: replaced_by names the new build, linked to its detail page.
        self.assertEqual(rows["Debian 12 20240801"].replacement_name, "Debian 12")
        self.assertIn('href="%s"' % detail_url("debian-new"), self.row_html(response, "debian-old"))
        # Superseded builds point to the newest build of their family.
        self.assertEqual(rows["Ubuntu 24.04 20240901"].replacement_name, "Ubuntu 24.04")
        self.assertEqual(rows["Rocky 9 (20241001)"].replacement_name, "Rocky 9")
        # A current image has no replacement.
        self.assertIsNone(rows["Ubuntu 24.04"].replacement_id)
        # Instances: web-1 on new Ubuntu, web-2 on old, db-1 on old Debian,
        # vol-1 boots from a volume made from new Debian.
        self.assertEqual(rows["Ubuntu 24.04"].instance_count, 1)
        self.assertEqual(rows["Ubuntu 24.04 20240901"].instance_count, 1)
        self.assertEqual(rows["Debian 12 20240801"].instance_count, 1)
        self.assertEqual(rows["Debian 12"].instance_count, 1)
        self.assertEqual(rows["CentOS Stream 9"].instance_count, 0)

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list", "flavor_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_one_list_call_per_service(self):
        self.mock_cloud()
        self.client.get(INDEX_URL)
        # Glance lists hidden images only when asked: one listing of visible, one of hidden.
        self.assertEqual(self.mock_image_list_detailed.call_count, 2)
        hidden_filters = [
            call.kwargs["filters"] for call in self.mock_image_list_detailed.call_args_list
        ]
        self.assertEqual(hidden_filters, [{}, {"os_hidden": True}])
        self.mock_server_list.assert_called_once_with(
            helpers.IsHttpRequest(), search_opts={"limit": 1000}
        )
        self.mock_volume_list.assert_called_once_with(helpers.IsHttpRequest(), search_opts=None)
        self.mock_flavor_list.assert_not_called()

    @override_settings(API_RESULT_LIMIT=4)
    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_pages_through_glance(self):
        # 9 visible images in pages of 4: three calls, each from the last id of the one before.
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        self.assertEqual(len(response.context["table"].data), 11)
        markers = [call.kwargs["marker"] for call in self.mock_image_list_detailed.call_args_list]
        self.assertEqual(len(markers), 4)  # 3 pages of visible, 1 of hidden
        self.assertIsNone(markers[0])
        self.assertIsNotNone(markers[1])

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_filter_by_state_and_family(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL, {"state": "superseded"})
        self.assertEqual(
            sorted(self.rows_by_name(response)),
            ["Rocky 9 (20241001)", "Ubuntu 24.04 20240901", "Ubuntu 24.04 20241001"],
        )
        # The summary still counts every image, the active state is marked.
        self.assertContains(response, 'class="patch-state-filter active"')
        family = self.rows_by_name(response)["Rocky 9 (20241001)"].family_key
        response = self.client.get(INDEX_URL, {"family": family})
        self.assertEqual(sorted(self.rows_by_name(response)), ["Rocky 9", "Rocky 9 (20241001)"])
        response = self.client.get(INDEX_URL, {"family": family, "state": "current"})
        self.assertEqual(sorted(self.rows_by_name(response)), ["Rocky 9"])

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_unknown_state_filter_shows_everything(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL, {"state": "<b>bold-state</b>"})
        self.assertEqual(len(response.context["table"].data), 11)
        self.assertNotIn(b"<b>bold-state</b>", response.content)
        self.assertIn(b"&lt;b&gt;bold-state&lt;/b&gt;", response.content)

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_broken_metadata_shows_unknown(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        row = self.row_html(response, "broken")
        self.assertIn("patch-state-unknown", row)
        self.assertIn('title="last tuesday"', row)
        self.assertIn(">unknown<", row)

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_glance_failure_shows_error_and_page(self):
        self.mock_image_list_detailed.side_effect = self.exceptions.glance
        self.mock_server_list.return_value = (data.servers(), False)
        self.mock_volume_list.return_value = data.volumes()
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["table"].data), 0)
        self.assertMessageCount(response, error=1)
        self.assertContains(response, "Unable to retrieve images.")

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_nova_failure_keeps_images(self):
        self.mock_cloud()
        self.mock_server_list.side_effect = self.exceptions.nova
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        rows = self.rows_by_name(response)
        self.assertEqual(len(rows), 11)
        self.assertIsNone(rows["Ubuntu 24.04"].instance_count)  # shown as "unknown"
        self.assertEqual(rows["Debian 12 20240801"].state.value, "deprecated")
        self.assertMessageCount(response, error=1)
        self.assertContains(response, "Unable to retrieve instances.")


class ImagePatchStatusDetailTests(TestCase):
    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_lineage_newest_first(self):
        self.mock_cloud()
        response = self.client.get(detail_url("ubuntu-mid"))
        self.assertEqual(response.status_code, 200)
        lineage = [(row.name, row.state.value) for row in response.context["table"].data]
        self.assertEqual(
            lineage,
            [
                ("Ubuntu 24.04", "current"),
                ("Ubuntu 24.04 20241001", "superseded"),
                ("Ubuntu 24.04 20240901", "superseded"),
            ],
        )
        self.assertContains(response, "patch-state-superseded")

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_raw_values_that_did_not_parse(self):
        self.mock_cloud()
        response = self.client.get(detail_url("broken"))
        self.assertContains(response, 'id="patch-invalid-values"')
        invalid = dict(response.context["invalid"])
        self.assertEqual(invalid["image_build_date"], "last tuesday")
        self.assertEqual(invalid["replace_frequency"], "fortnightly")

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_deprecation_reason_shown(self):
        self.mock_cloud()
        response = self.client.get(detail_url("debian-old"))
        self.assertContains(response, "CVE-2024-6387")
        self.assertContains(response, 'href="%s"' % detail_url("debian-new"))

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_unknown_image_redirects_with_message(self):
        self.mock_cloud()
        url = reverse("horizon:project:image_patch_status:detail", args=["no-such-image"])
        response = self.client.get(url)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        self.assertMessageCount(error=1)


class IndexedDetailTests(TestCase):
    """With the project's index on, an image's page counts the instances on each build from
    the index (its image filter) instead of listing the project's servers."""

    MOCKS = {
        api.glance: ["image_list_detailed"],
        api.nova: ["server_list", "flavor_list"],  # the index's build lists the flavors too
        api.cinder: ["volume_list"],
        api.keystone: ["keystoneclient"],
    }

    def counts(self, response):
        return {row.name: row.instance_count for row in response.context["table"].data}

    @helpers.create_mocks(MOCKS)
    def test_the_lineage_counts_instances_from_the_index(self):
        from tests.views.test_patch_compliance_index import index_on

        self.mock_cloud()
        live = self.counts(self.client.get(detail_url("ubuntu-mid")))
        self.assertTrue(any(live.values()), live)  # some build has instances
        index_on(self)
        self.assertEqual(self.client.get(INDEX_URL).status_code, 200)  # builds the index
        self.mock_server_list.reset_mock()
        response = self.client.get(detail_url("ubuntu-mid"))
        self.assertEqual(response.status_code, 200)
        self.mock_server_list.assert_not_called()
        self.assertEqual(self.counts(response), live)
