"""Project > Compute > Outdated Instances: rows, reasons, actions, CSV, API calls."""

import csv
import io
from html import unescape

from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from patch_dashboard.lifecycle import UNLISTED_FAMILY, OutdatedReason, PatchState
from tests.views import data
from tests.views.helpers import TestCase

INDEX_URL = reverse("horizon:project:outdated_instances:index")
EXPORT_URL = reverse("horizon:project:outdated_instances:export")
CLOUD_MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list", "server_rebuild"],
    api.cinder: ["volume_list"],
}


def deny(rules):
    """A POLICY_CHECK_FUNCTION that refuses the given rules and allows the rest."""

    def check(policy, request, target=None):
        return not any(rule in rules for _scope, rule in policy)

    return check


class OutdatedInstancesTests(TestCase):
    def rows(self, response):
        return {row.name: row for row in response.context["table"].data}

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_end_of_life_reason_names_the_promise_that_passed(self):
        """Provided until 2099 but maintained only until 100 days ago: end of life since
        the end of maintenance, not since a day still to come."""
        ended = data.days_ago(100)
        image_list = [
            data.glance_image(
                "eol",
                "Leap 15.5",
                image_build_date=data.days_ago(200),
                provided_until="2099-12-31",
                maintained_until=ended,
            )
        ]
        self.mock_cloud(
            image_list=image_list,
            server_list=[data.nova_server("app-1", image_label="eol")],
            volume_list=[],
        )
        rows = self.rows(self.client.get(INDEX_URL))
        self.assertEqual(rows["app-1"].reason_texts, ("End of life since %s" % ended,))

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_lists_outdated_with_reasons(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        rows = self.rows(response)
        # web-1 (newest Ubuntu) and vol-1 (volume from newest Debian) are current: counted only.
        self.assertEqual(sorted(rows), ["db-1", "ghost", "web-2"])
        self.assertContains(response, "2 of 5 instances run on current images")
        self.assertEqual(rows["web-2"].reason_texts[0], "Superseded by Ubuntu 24.04")
        self.assertEqual(rows["web-2"].recommended_image_id, data.image_id("ubuntu-new"))
        self.assertEqual(rows["web-2"].builds_behind, 2)
        self.assertEqual(rows["web-2"].days_behind, 10)  # newest build is 10 days old
        self.assertEqual(
            rows["db-1"].reason_texts[0],
            "Deprecated: CVE-2024-6387 (regreSSHion) in openssh-server",
        )
        self.assertEqual(rows["db-1"].recommended_image_name, "Debian 12")
        self.assertEqual(rows["ghost"].reason_texts, ("Image deleted",))
        self.assertEqual(rows["ghost"].reasons, (OutdatedReason.IMAGE_DELETED,))
        self.assertIsNone(rows["ghost"].image_state)
        self.assertEqual(rows["ghost"].state_code, "image-deleted")
        self.assertEqual(
            rows["db-1"].reasons, (OutdatedReason.DEPRECATED, OutdatedReason.SUPERSEDED)
        )
        self.assertContains(response, "patch-state-deleted")
        # Recommended flavor: the current one (m1.small) when it fits.
        self.assertEqual(rows["web-2"].recommended_flavor_name, "m1.small")

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_show_all_lists_current_too(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL, {"show": "all"})
        rows = self.rows(response)
        self.assertEqual(sorted(rows), ["db-1", "ghost", "vol-1", "web-1", "web-2"])
        self.assertFalse(rows["web-1"].outdated)
        # Boot from volume: assessed through the volume's image metadata.
        self.assertTrue(rows["vol-1"].boot_from_volume)
        self.assertEqual(rows["vol-1"].image_name, "Debian 12")
        self.assertIs(rows["vol-1"].image_state, PatchState.CURRENT)

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_one_list_call_per_service(self):
        self.mock_cloud()
        self.client.get(INDEX_URL)
        self.assertEqual(self.mock_image_list_detailed.call_count, 2)  # visible + hidden
        self.mock_server_list.assert_called_once()
        self.mock_flavor_list.assert_called_once_with(helpers.IsHttpRequest(), None)
        self.mock_volume_list.assert_called_once()

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_launch_replacement_opens_wizard_on_recommended_image(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        html = unescape(response.content.decode())
        # The row's recommended flavor goes with the image (docs/launch-guidance.md).
        self.assertIn(
            "modal.openLaunchInstanceWizard({successUrl: '%s', imageId: '%s', "
            "flavorId: 'flavor-small', currentFlavorName: 'm1.small'})"
            % (INDEX_URL, data.image_id("debian-new")),
            html,
        )
        self.assertNotIn("data-recommended-flavor", html)

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_no_launch_or_rebuild_without_recommendation(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        table = response.context["table"]
        ghost = self.rows(response)["ghost"]
        actions = [action.name for action in table.get_row_actions(ghost)]
        self.assertNotIn("launch_replacement", actions)
        self.assertNotIn("rebuild_recommended", actions)
        web2 = self.rows(response)["web-2"]
        actions = [action.name for action in table.get_row_actions(web2)]
        self.assertIn("launch_replacement", actions)
        self.assertIn("rebuild_recommended", actions)

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_rebuild_uses_recommended_image(self):
        self.mock_cloud()
        server_id = data._id("server/web-2")
        response = self.client.post(
            INDEX_URL, {"action": f"outdated_instances__rebuild_recommended__{server_id}"}
        )
        self.assertRedirectsNoFollow(response, INDEX_URL)
        self.mock_server_rebuild.assert_called_once_with(
            helpers.IsHttpRequest(), server_id, data.image_id("ubuntu-new")
        )

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_rebuild_confirmation_says_data_is_lost(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        self.assertContains(response, "everything stored on the root disk is lost")

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_rebuild_refused_for_boot_from_volume(self):
        # A forged POST for a boot-from-volume instance changes nothing.
        self.mock_cloud()
        vol = data._id("server/vol-1")
        self.client.post(INDEX_URL, {"action": f"outdated_instances__rebuild_recommended__{vol}"})
        self.mock_server_rebuild.assert_not_called()

    @override_settings(POLICY_CHECK_FUNCTION=deny({"os_compute_api:servers:rebuild"}))
    @helpers.create_mocks(CLOUD_MOCKS)
    def test_rebuild_hidden_and_refused_when_policy_forbids(self):
        self.mock_cloud()
        response = self.client.get(INDEX_URL)
        self.assertNotContains(response, "rebuild_recommended")
        self.assertContains(response, "launch_replacement")
        server_id = data._id("server/web-2")
        self.client.post(
            INDEX_URL, {"action": f"outdated_instances__rebuild_recommended__{server_id}"}
        )
        self.mock_server_rebuild.assert_not_called()

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_csv_has_every_instance_and_neutralises_formulas(self):
        servers = data.servers() + [
            data.nova_server('=HYPERLINK("http://evil.example","x")', image_label="ubuntu-old"),
            data.nova_server("+cmd|' /C calc'!A0", image_label="ubuntu-new"),
        ]
        self.mock_cloud(server_list=servers)
        response = self.client.get(EXPORT_URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        table = list(csv.DictReader(io.StringIO(response.content.decode())))
        by_name = {row["Instance"]: row for row in table}
        self.assertEqual(len(table), 7)
        self.assertIn('\'=HYPERLINK("http://evil.example","x")', by_name)
        self.assertIn("'+cmd|' /C calc'!A0", by_name)
        for row in table:
            for cell in row.values():
                self.assertFalse(cell.startswith(("=", "+", "-", "@")), cell)
        web2 = by_name["web-2"]
        self.assertEqual(web2["Image state"], "superseded")
        self.assertEqual(web2["Recommended image"], "Ubuntu 24.04")
        self.assertEqual(web2["Recommended flavor"], "m1.small")
        self.assertEqual(web2["Days behind"], "10")
        self.assertEqual(web2["Outdated"], "yes")
        self.assertEqual(by_name["web-1"]["Outdated"], "no")

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_nova_failure_shows_error_and_page(self):
        self.mock_cloud()
        self.mock_server_list.side_effect = self.exceptions.nova
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["table"].data), 0)
        self.assertContains(response, "Unable to retrieve instances.")

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_glance_failure_lists_instances_as_image_unknown(self):
        self.mock_cloud()
        self.mock_image_list_detailed.side_effect = self.exceptions.glance
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Unable to retrieve images.")
        rows = response.context["table"].data
        self.assertEqual(len(rows), 5)
        # Not "image deleted" for all of them: unknown, and no compliance share claimed.
        self.assertEqual({row.image_state for row in rows}, {PatchState.UNKNOWN})
        self.assertEqual({row.family_key for row in rows}, {UNLISTED_FAMILY.key})
        self.assertNotContains(response, 'data-patch-state="deleted"')
        self.assertNotContains(response, "instances run on current images")
