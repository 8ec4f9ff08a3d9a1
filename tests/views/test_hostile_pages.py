"""Untrusted metadata never breaks a page and never steers a write (issue 11).

Any image owner writes any property on their image, and an admin sees every project's
images. So: a failure inside the assessment is an error message beside the rest of the
page (a JSON 503 on the endpoints), never a 500; a family key full of URL syntax still
filters; an id from the URL or a POST is echoed 80 characters at most; raw values are
shown shortened; and Rebuild (a write to Nova) follows a recommendation only to a public
image or one of the instance's own project. The API is mocked at Horizon's boundary.
"""

import re
from html import unescape
from unittest import mock
from urllib.parse import urljoin

from django.urls import reverse
from django.utils.html import escape
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.helpers import AdminTestCase, TestCase

PROJECT_MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list", "server_rebuild"],
    api.cinder: ["volume_list"],
}
ADMIN_MOCKS = {**PROJECT_MOCKS, api.keystone: ["tenant_list"]}

IMAGES_URL = reverse("horizon:project:image_patch_status:index")
OUTDATED_URL = reverse("horizon:project:outdated_instances:index")
OUTDATED_CSV = reverse("horizon:project:outdated_instances:export")
COMPLIANCE_URL = reverse("horizon:admin:patch_compliance:index")
COMPLIANCE_CSV = reverse("horizon:admin:patch_compliance:export")
LIFECYCLE_URL = reverse("horizon:admin:image_lifecycle:index")
INSTANCES_API = "/api/patch_dashboard/instances/"
STATES_API = "/api/patch_dashboard/images/states/"

UNABLE = "Unable to assess the patch state of the images and instances."
# What the core's exception says: an untrusted value, which no page or answer may repeat.
HOSTILE = "<b>hostile-value</b>"


def detail_url(image_id):
    return reverse("horizon:project:image_patch_status:detail", args=[image_id])


def guidance_api(image_id):
    return f"/api/patch_dashboard/images/{image_id}/guidance/"


def core_raises(target):
    """Patch a core function where a module calls it, so that it raises on any listing."""
    return mock.patch(target, side_effect=ValueError(HOSTILE))


class FailingAssessment:
    """Pages asked for while the core raises on any listing."""

    def get_while_failing(self, url):
        with core_raises("patch_dashboard.api.inventory.assess_cloud"):
            return self.client.get(url)

    def assertErrorBesidePage(self, response, *page_parts):
        """200, the error message alone (no trace of the value), and the rest of the page."""
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.messages_shown(response), [UNABLE])
        self.assertNotContains(response, "hostile-value")
        self.assertContains(response, 'id="content_body"')  # Horizon's page around the panel
        for part in page_parts:
            self.assertContains(response, part)
        # No compliance share made up from an empty assessment.
        self.assertNotContains(response, "instances run on current images")


class AssessmentFailurePages(FailingAssessment, TestCase):
    @helpers.create_mocks(PROJECT_MOCKS)
    def test_image_patch_status(self):
        self.mock_cloud()
        self.assertErrorBesidePage(
            self.get_while_failing(IMAGES_URL),
            'id="image_patch_status"',  # the table, empty
            'id="patch-state-summary"',
        )

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_image_detail_says_it_cannot_show_the_image_not_that_it_is_gone(self):
        self.mock_cloud()
        self.assertErrorBesidePage(
            self.get_while_failing(detail_url(data.image_id("ubuntu-new"))),
            "The image could not be shown.",
        )

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_outdated_instances(self):
        self.mock_cloud()
        self.assertErrorBesidePage(
            self.get_while_failing(OUTDATED_URL), 'id="outdated_instances"', "Export CSV"
        )

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_outdated_csv_is_not_an_empty_export(self):
        self.mock_cloud()
        self.assertRedirectsNoFollow(self.get_while_failing(OUTDATED_CSV), OUTDATED_URL)


class AssessmentFailureAdminPages(FailingAssessment, AdminTestCase):
    def mock_all(self):
        self.mock_cloud()
        self.mock_tenant_list.return_value = (self.tenants.list(), False)

    @helpers.create_mocks(ADMIN_MOCKS)
    def test_patch_compliance(self):
        self.mock_all()
        self.assertErrorBesidePage(
            self.get_while_failing(COMPLIANCE_URL),
            'id="patch-compliance-filter"',
            'id="patch_compliance"',
        )

    @helpers.create_mocks(ADMIN_MOCKS)
    def test_patch_compliance_csv_is_not_an_empty_export(self):
        self.mock_all()
        self.assertRedirectsNoFollow(self.get_while_failing(COMPLIANCE_CSV), COMPLIANCE_URL)

    @helpers.create_mocks(ADMIN_MOCKS)
    def test_image_lifecycle(self):
        self.mock_all()
        self.assertErrorBesidePage(
            self.get_while_failing(LIFECYCLE_URL), 'id="image_lifecycle"', "No items to display."
        )


class AssessmentFailureEndpoints(TestCase):
    """A JSON 503 saying so (the wizard then shows no guidance), never a 500 or a trace."""

    def assertJsonError(self, status, body):
        self.assertEqual((status, body), (503, UNABLE))

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_instances(self):
        self.mock_cloud()
        with core_raises("patch_dashboard.api.inventory.assess_cloud"):
            self.assertJsonError(*self.get_api(INSTANCES_API))

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_image_states(self):
        self.mock_cloud()
        with core_raises("patch_dashboard.api.inventory.assess_cloud"):
            self.assertJsonError(*self.get_api(STATES_API))

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_guidance(self):
        self.mock_cloud()
        with core_raises("patch_dashboard.api.inventory.assess_cloud"):
            self.assertJsonError(*self.get_api(guidance_api(data.image_id("debian-old"))))

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_guidance_when_the_flavor_rules_fail(self):
        self.mock_cloud()
        with core_raises("patch_dashboard.api.rest.launch.flavor_fit"):
            self.assertJsonError(*self.get_api(guidance_api(data.image_id("debian-old"))))


class FamilyLink(TestCase):
    FAMILY = "R&D #1 +50% a=b"
    FAMILY_KEY = "image_name:r&d #1 +50% a=b"  # the core's key of that image_name

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_family_with_url_syntax_round_trips(self):
        common = {"image_name": self.FAMILY, "replace_frequency": "monthly"}
        images = [
            data.glance_image("rd-new", "rd new", image_build_date=data.days_ago(2), **common),
            data.glance_image("rd-old", "rd old", image_build_date=data.days_ago(40), **common),
            # What the query would read were it cut at "&" or "#".
            data.glance_image("r", "r", image_name="R", image_build_date=data.days_ago(2)),
        ] + list(data.images().values())
        self.mock_cloud(image_list=images)
        page = self.client.get(IMAGES_URL).content.decode()
        row = re.search(
            r'<tr[^>]*data-object-id="%s".*?</tr>' % data.image_id("rd-new"), page, re.S
        ).group(0)
        href = unescape(re.search(r'<a href="([^"]*)" class="patch-family">', row).group(1))
        # Followed as a browser does: the fragment ("#...") never reaches the server.
        response = self.client.get(urljoin(IMAGES_URL, href))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            sorted(row.name for row in response.context["table"].data), ["rd new", "rd old"]
        )
        self.assertContains(response, f'<option value="{escape(self.FAMILY_KEY)}" selected>')


class EchoedIds(TestCase):
    LONG = "x" * 5000

    def assertEchoedShort(self, text):
        self.assertNotIn("x" * 81, text)
        self.assertIn("x" * 79, text)

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_detail_of_a_5000_character_segment(self):
        self.mock_cloud()
        response = self.client.get(detail_url(self.LONG))
        self.assertRedirectsNoFollow(response, IMAGES_URL)
        [message] = self.messages_shown(response)
        self.assertIn("was not found or is not visible to you", message)
        self.assertEchoedShort(message)
        self.assertLessEqual(len(message), 200)

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_rebuild_of_a_5000_character_id(self):
        self.mock_cloud()
        response = self.client.post(
            OUTDATED_URL,
            {"action": f"outdated_instances__rebuild_recommended__{self.LONG}"},
        )
        self.assertRedirectsNoFollow(response, OUTDATED_URL)
        self.mock_server_rebuild.assert_not_called()
        # Horizon drops its own "No match returned for the id" on the redirect; whatever
        # is said, never more than 80 characters of the id.
        for message in self.messages_shown(response):
            self.assertNotIn("x" * 81, message)

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_guidance_of_an_unknown_or_malformed_id(self):
        self.mock_cloud()
        status, body = self.get_api(guidance_api(self.LONG))
        self.assertEqual(status, 400)
        self.assertEchoedShort(body)
        unknown = "0" * 8 + "-0000-0000-0000-" + "0" * 12
        status, body = self.get_api(guidance_api(unknown))
        self.assertEqual(
            (status, body), (404, f"Image {unknown} was not found or is not visible to you.")
        )
        status, body = self.get_api(
            guidance_api(data.image_id("debian-new")), {"flavor_id": self.LONG}
        )
        self.assertEqual(status, 400)
        self.assertEchoedShort(body)


class RawValues(TestCase):
    @helpers.create_mocks(PROJECT_MOCKS)
    def test_long_and_unreadable_values_are_shown_shortened(self):
        image = data.glance_image(
            "long",
            "Long Values",
            image_build_date="9" * 5000,
            image_description="d" * 65000,
            replace_frequency="monthly",
        )
        self.mock_cloud(image_list=[image])
        response = self.client.get(detail_url(data.image_id("long")))
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        invalid = re.search(r'id="patch-invalid-values">(.*?)</dl>', page, re.S).group(1)
        self.assertIn("<dt>image_build_date</dt>", invalid)
        self.assertIn("9" * 200 + "\u2026", invalid)
        self.assertNotIn("9" * 201, page)
        self.assertIn("d" * 200 + "\u2026", page)
        self.assertNotIn("d" * 201, page)
        self.assertContains(response, '<span class="text-muted">unknown</span>')

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_guidance_quotes_what_the_image_asks_for_shortened(self):
        image = data.glance_image(
            "asks", "Asks", image_build_date=data.days_ago(1), hw_cpu_policy="w" * 20000
        )
        flavors = [data.flavor("f-pinned", "pinned", 2, 4096, 40, **{"hw:cpu_policy": "dedicated"})]
        self.mock_cloud(image_list=[image], flavor_list=flavors)
        status, body = self.get_api(guidance_api(data.image_id("asks")))
        self.assertEqual(status, 200)
        [reason] = body["flavors"][0]["reasons"]
        self.assertIn("hw_cpu_policy=" + "w" * 200 + "\u2026;", reason["text"])
        self.assertLess(len(reason["text"]), 400)


class RebuildTarget(TestCase):
    """Rebuild follows ``replaced_by`` only to a public image or one of the project's own."""

    def cloud(self, visibility, owner):
        target = data.glance_image(
            "target",
            "Target 2",
            image_build_date=data.days_ago(1),
            visibility=visibility,
            owner=owner,
        )
        start = data.glance_image(
            "start",
            "Start 1",
            image_build_date=data.days_ago(60),
            visibility="shared",
            owner="other-project",
            deprecation_state="deprecated",
            replaced_by=target.id,
        )
        self.mock_cloud(
            image_list=[start, target],
            server_list=[data.nova_server("app", image_label="start")],
            volume_list=[],
        )

    def offered(self):
        response = self.client.get(OUTDATED_URL)
        table = response.context["table"]
        [row] = table.data
        self.assertEqual(row.recommended_image_id, data.image_id("target"))
        actions = [action.name for action in table.get_row_actions(row)]
        self.assertIn("launch_replacement", actions)  # the wizard shows what is launched
        return "rebuild_recommended" in actions

    def post_rebuild(self):
        server_id = data._id("server/app")
        return self.client.post(
            OUTDATED_URL,
            {"action": f"outdated_instances__rebuild_recommended__{server_id}"},
        )

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_not_offered_nor_done_for_another_projects_image(self):
        for visibility in ("shared", "private", "community"):
            with self.subTest(visibility=visibility):
                self.mock_server_rebuild.reset_mock()
                self.cloud(visibility, "other-project")
                self.assertFalse(self.offered())
                response = self.post_rebuild()  # forged: the page offered no such button
                self.mock_server_rebuild.assert_not_called()
                self.assertRedirectsNoFollow(response, OUTDATED_URL)
                [message] = self.messages_shown(response)
                self.assertIn("not allowed", message)

    @helpers.create_mocks(PROJECT_MOCKS)
    def test_offered_and_done_for_a_public_or_own_image(self):
        for visibility, owner in (
            ("public", "other-project"),
            ("shared", data.PROJECT_ID),
            ("private", data.PROJECT_ID),
        ):
            with self.subTest(visibility=visibility, owner=owner):
                self.mock_server_rebuild.reset_mock()
                self.cloud(visibility, owner)
                self.assertTrue(self.offered())
                self.post_rebuild()
                self.mock_server_rebuild.assert_called_once_with(
                    helpers.IsHttpRequest(), data._id("server/app"), data.image_id("target")
                )
