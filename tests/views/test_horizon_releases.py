"""What the supported Horizon releases answer differently (docs/releases.md), at Horizon's API
boundary: each test feeds the shape one release returns and checks what a user reads.

Horizon 25 (2025.1) lists flavors through novaclient at microversion 2.0: its flavor_list
returns novaclient Flavors whose data carries no ``extra_specs`` key, and the extra specs come
from flavor_get_extras. Horizon 26 and later list them through openstacksdk, extra specs
inline (tests.views.data.flavor).
"""

from novaclient.v2 import flavors as nova_flavors
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.test_rest_launch import RestTestCase, guidance_url, pinned_image

MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["flavor_list", "flavor_get_extras", "server_list"],
}

# id, name, vcpus, ram, disk, extra specs
FLAVORS = (
    ("f-tiny", "m1.tiny", 1, 512, 1, {}),
    ("f-shared", "shared.large", 2, 4096, 40, {"hw:cpu_policy": "shared"}),
    ("f-pinned", "pinned.medium", 2, 4096, 40, {"hw:cpu_policy": "dedicated"}),
)


def novaclient_flavors():
    """The flavors as Horizon 25's flavor_list returns them (Nova's 2.0 flavor view)."""
    return [
        nova_flavors.Flavor(
            None,
            {
                "id": flavor_id,
                "name": name,
                "vcpus": vcpus,
                "ram": ram,
                "disk": disk,
                "swap": "",
                "OS-FLV-EXT-DATA:ephemeral": 0,
                "os-flavor-access:is_public": True,
                "rxtx_factor": 1.0,
            },
            loaded=True,
        )
        for flavor_id, name, vcpus, ram, disk, _specs in FLAVORS
    ]


def extra_specs_of(request, flavor_id, raw=False, flavor=None):
    return dict(next(specs for f_id, *_rest, specs in FLAVORS if f_id == flavor_id))


class FlavorsWithoutInlineExtraSpecs(RestTestCase):
    @helpers.create_mocks(MOCKS)
    def test_the_recommended_flavor_is_the_one_whose_extra_specs_fit(self):
        self.mock_cloud(image_list=[pinned_image()], flavor_list=novaclient_flavors())
        self.mock_flavor_get_extras.side_effect = extra_specs_of
        answer = self.get_json(guidance_url(data.image_id("pinned")))
        self.assertEqual(answer["recommended_flavor"]["id"], "f-pinned")
        why = {item["requirement"]: item["text"] for item in answer["recommended_flavor"]["why"]}
        self.assertEqual(
            why["hw_cpu_policy"],
            "hw_cpu_policy=dedicated: compatible with the flavor's hw:cpu_policy=dedicated.",
        )
        flavors = {f["id"]: f for f in answer["flavors"]}
        self.assertFalse(flavors["f-shared"]["fits"])
        self.assertEqual(
            [reason["requirement"] for reason in flavors["f-shared"]["reasons"]],
            ["hw:cpu_policy"],
        )
        # once per flavor, with the listed flavor (no second Nova call to fetch it)
        self.assertEqual(self.mock_flavor_get_extras.call_count, len(FLAVORS))
        for call in self.mock_flavor_get_extras.call_args_list:
            self.assertIs(call.kwargs["raw"], True)
            self.assertEqual(call.kwargs["flavor"].id, call.args[1])

    @helpers.create_mocks(MOCKS)
    def test_extra_specs_listed_inline_are_not_fetched_again(self):
        self.mock_cloud(image_list=[pinned_image()], flavor_list=data.flavors())
        self.get_json(guidance_url(data.image_id("pinned")))
        self.mock_flavor_get_extras.assert_not_called()
