"""GET /api/patch_dashboard/instances/: the project's assessment as JSON."""

import json

from django.urls import resolve
from openstack_auth import utils as auth_utils
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.helpers import TestCase

URL = "/api/patch_dashboard/instances/"
MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
}


class RestInstancesTests(TestCase):
    def get(self, **params):
        # Django's test client cannot wrap Horizon's JSONResponse (its .json is read-only),
        # so the view is called with a request of the logged-in test user, as Horizon does.
        request = self.factory.get(URL, params, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        request.user = auth_utils.get_user(request)
        request.session = self.client.session
        match = resolve(URL)
        return match.func(request, *match.args, **match.kwargs)

    @helpers.create_mocks(MOCKS)
    def test_every_instance_of_the_project(self):
        self.mock_cloud()
        response = self.get()
        self.assertEqual(response.status_code, 200)
        body = json.loads(response.content)
        self.assertEqual(body["compliance"], {"current": 2, "total": 5, "share": 0.4})
        items = {item["name"]: item for item in body["items"]}
        self.assertEqual(sorted(items), ["db-1", "ghost", "vol-1", "web-1", "web-2"])
        self.assertEqual(items["web-2"]["image_state"], "superseded")
        self.assertEqual(items["web-2"]["recommended_image_id"], data.image_id("ubuntu-new"))
        self.assertEqual(items["web-2"]["recommended_flavor_name"], "m1.small")
        self.assertEqual(
            items["ghost"]["reasons"], [{"code": "image-deleted", "text": "Image deleted"}]
        )
        # Stable codes beside the words: what a script compares.
        self.assertEqual(items["web-2"]["state"], "superseded")
        self.assertEqual(items["web-2"]["state_label"], "Superseded")
        self.assertEqual(items["web-2"]["family_key"], "scs:ubuntu/24.04/x86_64/generic")
        self.assertEqual(
            [reason["code"] for reason in items["web-2"]["reasons"]], ["superseded", "stale"]
        )
        self.assertEqual(items["web-2"]["reasons"][0]["text"], "Superseded by Ubuntu 24.04")
        self.assertTrue(items["web-2"]["reasons"][1]["text"].startswith("Stale: built "))
        self.assertEqual(len(items["web-2"]["reasons"]), 2)
        self.assertEqual(items["ghost"]["state"], "image-deleted")
        self.assertEqual(items["ghost"]["family_key"], "(image deleted)")
        self.assertEqual(items["db-1"]["state"], "deprecated")
        self.assertEqual(
            [reason["code"] for reason in items["db-1"]["reasons"]],
            ["deprecated", "superseded"],
        )
        self.assertEqual(items["vol-1"]["state"], "current")
        self.assertEqual(items["vol-1"]["reasons"], [])
        # The project's own servers only: Nova is asked for this project, not all_tenants.
        opts = self.mock_server_list.call_args.kwargs["search_opts"]
        self.assertNotIn("all_tenants", opts)
        self.assertEqual(self.mock_image_list_detailed.call_count, 2)
        self.mock_flavor_list.assert_called_once()

    @helpers.create_mocks(MOCKS)
    def test_outdated_only(self):
        self.mock_cloud()
        body = json.loads(self.get(outdated="1").content)
        self.assertEqual(sorted(i["name"] for i in body["items"]), ["db-1", "ghost", "web-2"])

    @helpers.create_mocks(MOCKS)
    def test_nova_failure_is_503_not_500(self):
        self.mock_cloud()
        self.mock_server_list.side_effect = self.exceptions.nova
        response = self.get()
        self.assertEqual(response.status_code, 503)
        self.assertIn("Unable to retrieve instances.", response.content.decode())
