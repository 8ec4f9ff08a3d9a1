"""Admin > Compute > Patch Compliance: all projects, summary, chart, filters, CSV, policy."""

import csv
import io
import re

from django.urls import reverse
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.helpers import AdminTestCase, TestCase

INDEX_URL = reverse("horizon:admin:patch_compliance:index")
EXPORT_URL = reverse("horizon:admin:patch_compliance:export")
MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
    api.keystone: ["tenant_list"],
}


def two_projects():
    return data.servers() + [
        data.nova_server("beta-web", image_label="ubuntu-new", project_id="2"),
        data.nova_server("beta-db", image_label="centos-stale", project_id="2"),
        data.nova_server("beta-app", image_label="rocky-new", project_id="2"),
    ]


class PatchComplianceTests(AdminTestCase):
    def setUp(self):
        super().setUp()

    def mock_all(self):
        self.mock_cloud(server_list=two_projects())
        self.mock_tenant_list.return_value = (self.tenants.list(), False)

    @helpers.create_mocks(MOCKS)
    def test_all_projects_with_names_and_summary(self):
        self.mock_all()
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.mock_server_list.assert_called_once_with(
            helpers.IsHttpRequest(), search_opts={"limit": 1000, "all_tenants": True}
        )
        self.mock_tenant_list.assert_called_once()
        rows = response.context["table"].data
        self.assertEqual(len(rows), 8)
        projects = {row.name: row.project_name for row in rows}
        self.assertEqual(projects["web-1"], "test_tenant")
        self.assertEqual(projects["beta-db"], "disabled_tenant")
        self.assertContains(response, "4 of 8 instances run on current images")
        bars = {bar["key"]: bar for bar in response.context["project_bars"]}
        self.assertEqual((bars["1"]["current"], bars["1"]["total"]), (2, 5))
        self.assertEqual((bars["2"]["current"], bars["2"]["total"]), (2, 3))
        self.assertEqual(bars["2"]["percent"], 67)
        # The chart: one bar per project, worst first.
        self.assertContains(response, 'id="patch-compliance-chart"')
        self.assertContains(response, 'data-project="1" data-percent="40"')
        self.assertEqual([bar["key"] for bar in response.context["project_bars"]], ["1", "2"])
        # Bootstrap progress bars in the theme's colours: shares in percent, no colour and no
        # pixel width from Python.
        self.assertEqual((bars["1"]["percent"], bars["1"]["outdated_percent"]), (40, 60))
        chart = re.search(
            r'id="patch-compliance-chart".*?</div>\s*</div>\s*</div>\s*</div>',
            response.content.decode(),
            re.S,
        )[0]
        self.assertIn('class="progress-bar progress-bar-success patch-bar-current"', chart)
        self.assertIn('class="progress-bar progress-bar-danger patch-bar-outdated"', chart)
        self.assertIn('aria-valuenow="40"', chart)
        self.assertIn('style="width: 40%"', chart)
        self.assertIn('style="width: 60%"', chart)
        self.assertNotRegex(chart, r"#[0-9a-fA-F]{3,6}\b|rgb\(|\d+px")
        families = {bar["label"]: bar for bar in response.context["family_bars"]}
        self.assertEqual(families["(image deleted)"]["total"], 1)

    @helpers.create_mocks(MOCKS)
    def test_filters(self):
        self.mock_all()
        response = self.client.get(INDEX_URL, {"project": "2"})
        self.assertEqual(
            sorted(row.name for row in response.context["table"].data),
            ["beta-app", "beta-db", "beta-web"],
        )
        response = self.client.get(INDEX_URL, {"state": "stale"})
        self.assertEqual([row.name for row in response.context["table"].data], ["beta-db"])
        family = next(
            row.family_key for row in response.context["table"].data if row.name == "beta-db"
        )
        response = self.client.get(INDEX_URL, {"family": family, "project": "1"})
        self.assertEqual(response.context["table"].data, [])
        # The summary stays cloud-wide whatever the filter.
        self.assertContains(response, "4 of 8 instances run on current images")

    @helpers.create_mocks(MOCKS)
    def test_csv_with_project_and_filter(self):
        self.mock_all()
        response = self.client.get(EXPORT_URL, {"project": "2"})
        table = list(csv.DictReader(io.StringIO(response.content.decode())))
        self.assertEqual(
            sorted(row["Instance"] for row in table), ["beta-app", "beta-db", "beta-web"]
        )
        self.assertEqual({row["Project"] for row in table}, {"disabled_tenant"})
        stale = next(row for row in table if row["Instance"] == "beta-db")
        self.assertTrue(stale["Reason"].startswith("Stale: built"))

    @helpers.create_mocks(MOCKS)
    def test_keystone_failure_shows_ids(self):
        self.mock_cloud(server_list=two_projects())
        self.mock_tenant_list.side_effect = self.exceptions.keystone
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Unable to retrieve project names.")
        self.assertEqual({row.project_name for row in response.context["table"].data}, {"1", "2"})


class PatchComplianceMemberTests(TestCase):
    @helpers.create_mocks(MOCKS)
    def test_member_cannot_open_admin_view_or_export(self):
        for url in (INDEX_URL, EXPORT_URL):
            response = self.client.get(url)
            self.assertNotEqual(response.status_code, 200, url)
        self.mock_server_list.assert_not_called()
        self.mock_image_list_detailed.assert_not_called()
