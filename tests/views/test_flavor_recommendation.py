"""Which flavor the pages recommend when an instance's own flavor is too small for the
recommended build, and the listing holds a private flavor that would fit.

Nova lists to a member the private flavors shared with the project; to a cloud admin it lists
every project's. So a member is pointed to the project's private flavor, while the admin's
cloud-wide view (and an admin user's own project pages) name public flavors only.
"""

import csv
import io
import json
from unittest import mock

from django.urls import reverse
from openstack_dashboard import api
from openstack_dashboard.api.rest import utils as rest_utils
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.helpers import AdminTestCase, TestCase

MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
    api.keystone: ["tenant_list"],
}


def images():
    """Two Ubuntu builds; the new one needs 1 GiB of memory."""
    return [
        data.glance_image(
            "ubuntu-old",
            "Ubuntu 24.04 20240901",
            created_days=70,
            image_build_date=data.days_ago(70),
            **data.UBUNTU,
        ),
        data.glance_image(
            "ubuntu-new",
            "Ubuntu 24.04",
            created_days=10,
            image_build_date=data.days_ago(10),
            min_ram=1024,
            **data.UBUNTU,
        ),
    ]


def flavors():
    return [
        data.flavor("flavor-tiny", "m1.tiny", 1, 512, 1),
        data.flavor("flavor-private", "p.1g", 1, 1024, 10, is_public=False),
        data.flavor("flavor-small", "m1.small", 1, 2048, 20),
    ]


def serve(test):
    test.mock_cloud(
        image_list=images(),
        server_list=[data.nova_server("web-1", image_label="ubuntu-old", flavor_id="flavor-tiny")],
        volume_list=[],
        flavor_list=flavors(),
    )
    if hasattr(test, "mock_tenant_list"):
        test.mock_tenant_list.return_value = (test.tenants.list(), False)


def recommended_flavors(response):
    return {
        row["Instance"]: row["Recommended flavor"]
        for row in csv.DictReader(io.StringIO(response.content.decode()))
    }


def launch_guidance(test):
    """The launch wizard's recommendation for the old build, as the wizard asks for it."""
    # Horizon's JSONResponse has a read-only ``json`` that Django's test client overwrites.
    with mock.patch.object(rest_utils._RestResponse, "json", None):
        response = test.client.get(
            "/api/patch_dashboard/images/%s/guidance/" % data.image_id("ubuntu-old"),
            HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        )
    test.assertEqual(response.status_code, 200, response.content)
    answer = json.loads(response.content)
    return answer["recommended_image"]["recommended_flavor"]["name"]


class MemberTests(TestCase):
    @helpers.create_mocks(MOCKS)
    def test_member_is_pointed_to_the_projects_private_flavor(self):
        serve(self)
        response = self.client.get(reverse("horizon:project:outdated_instances:export"))
        self.assertEqual(recommended_flavors(response), {"web-1": "p.1g"})

    @helpers.create_mocks(MOCKS)
    def test_launch_wizard_names_the_projects_private_flavor(self):
        serve(self)
        self.assertEqual(launch_guidance(self), "p.1g")


class AdminTests(AdminTestCase):
    @helpers.create_mocks(MOCKS)
    def test_cloud_wide_view_names_public_flavors_only(self):
        serve(self)
        response = self.client.get(reverse("horizon:admin:patch_compliance:export"))
        self.assertEqual(recommended_flavors(response), {"web-1": "m1.small"})

    @helpers.create_mocks(MOCKS)
    def test_admin_users_project_view_names_public_flavors_only(self):
        serve(self)
        response = self.client.get(reverse("horizon:project:outdated_instances:export"))
        self.assertEqual(recommended_flavors(response), {"web-1": "m1.small"})

    @helpers.create_mocks(MOCKS)
    def test_launch_wizard_names_a_public_flavor_to_an_admin(self):
        serve(self)
        self.assertEqual(launch_guidance(self), "m1.small")
