"""The launch-guidance REST endpoints (/api/patch_dashboard/...) and the panel's launch action.

Glance and Nova answer from tests.views.data through Horizon's API layer (mocked the way
Horizon's own tests do); the answers are checked as the wizard's JavaScript reads them.
"""

import importlib
import json
import pathlib
import re
from unittest import mock

from django.test.utils import override_settings
from django.urls import resolve, reverse
from openstack_dashboard import api
from openstack_dashboard.api.rest import utils as rest_utils
from openstack_dashboard.test import helpers

from tests.views import data
from tests.views.helpers import TestCase

STATES_URL = "/api/patch_dashboard/images/states/"
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
GLANCE = {api.glance: ["image_list_detailed"]}
GLANCE_NOVA = {api.glance: ["image_list_detailed"], api.nova: ["flavor_list", "server_list"]}


def guidance_url(image_id, flavor_id=None):
    url = f"/api/patch_dashboard/images/{image_id}/guidance/"
    return url + (f"?flavor_id={flavor_id}" if flavor_id else "")


flavor = data.flavor


def pinned_image():
    """An image that needs 2 GiB RAM, a 10 GB disk, dedicated CPUs and an SSD trait."""
    return data.glance_image(
        "pinned",
        "Pinned 1.0",
        image_build_date=data.days_ago(2),
        image_name="Pinned",
        replace_frequency="monthly",
        min_ram=2048,
        min_disk=10,
        hw_cpu_policy="dedicated",
        **{"trait:CUSTOM_SSD": "required"},
    )


def pinned_flavors():
    return [
        flavor("f-tiny", "m1.tiny", 1, 512, 1),
        flavor("f-shared", "shared.large", 2, 4096, 40, **{"hw:cpu_policy": "shared"}),
        flavor("f-nossd", "nossd.large", 2, 4096, 40, **{"trait:CUSTOM_SSD": "forbidden"}),
        flavor("f-pinned", "pinned.medium", 2, 4096, 40, **{"hw:cpu_policy": "dedicated"}),
        flavor("f-pinned-big", "pinned.large", 4, 8192, 80, **{"hw:cpu_policy": "dedicated"}),
    ]


def deny_everything(actions, request, target=None):
    return False


class RestTestCase(TestCase):
    def setUp(self):
        super().setUp()
        # Horizon's JSONResponse has a read-only ``json`` property, which Django's test
        # client overwrites on every response; hide it while testing (the body is read here).
        patcher = mock.patch.object(rest_utils._RestResponse, "json", None)
        patcher.start()
        self.addCleanup(patcher.stop)

    def get_json(self, url, status=200):
        response = self.client.get(url, **AJAX)
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/json")
        return json.loads(response.content)


class ImageStatesTests(RestTestCase):
    def test_endpoint_registered_when_horizon_starts(self):
        # No import of patch_dashboard.api.rest in this module: Horizon's start must do it.
        self.assertEqual(resolve(STATES_URL).func.view_class.__name__, "ImageStates")

    @helpers.create_mocks(GLANCE_NOVA)
    def test_states_of_every_image_in_one_call(self):
        self.mock_cloud()
        answer = self.get_json(STATES_URL)
        states = {label: answer["images"][data.image_id(label)]["state"] for label in data.images()}
        self.assertEqual(
            states,
            {
                "ubuntu-old": "superseded",
                "ubuntu-mid": "superseded",
                "ubuntu-new": "current",
                "debian-old": "deprecated",
                "debian-new": "current",
                "centos-stale": "stale",
                "fedora-eol": "end-of-life",
                "focal-obsolete": "obsolete",
                "rocky-new": "current",
                "rocky-old": "superseded",
                "broken": "unknown",
            },
        )
        self.assertFalse(answer["block_deprecated_launch"])
        # One Glance listing (visible, then hidden images); Nova is not asked at all.
        self.assertEqual(self.mock_image_list_detailed.call_count, 2)
        self.mock_flavor_list.assert_not_called()
        self.mock_server_list.assert_not_called()

    @helpers.create_mocks(GLANCE)
    def test_badge_label_reason_and_recommended_build(self):
        self.mock_cloud()
        images = self.get_json(STATES_URL)["images"]
        old_debian = images[data.image_id("debian-old")]
        self.assertEqual(old_debian["state_label"], "Deprecated")
        self.assertEqual(old_debian["label_class"], "label-danger")
        self.assertTrue(old_debian["needs_attention"])
        self.assertIn("CVE-2024-6387", old_debian["reason"])
        self.assertTrue(old_debian["reason"].startswith("Deprecated since "))
        self.assertEqual(old_debian["recommended_image"]["id"], data.image_id("debian-new"))
        self.assertEqual(old_debian["recommended_image"]["name"], "Debian 12")
        self.assertEqual(old_debian["recommended_image"]["build_date"], data.days_ago(3))

        old_ubuntu = images[data.image_id("ubuntu-old")]
        self.assertEqual(
            old_ubuntu["reason"],
            "Superseded: 2 newer builds of %s exist. The latest is Ubuntu 24.04."
            % old_ubuntu["family_label"],
        )
        self.assertIn("Stale: built on", images[data.image_id("centos-stale")]["reason"])
        self.assertIn("End of life since", images[data.image_id("fedora-eol")]["reason"])
        current = images[data.image_id("ubuntu-new")]
        self.assertFalse(current["needs_attention"])
        self.assertTrue(current["recommended"])
        self.assertIsNone(current["recommended_image"])
        self.assertFalse(images[data.image_id("broken")]["needs_attention"])

    @helpers.create_mocks(GLANCE_NOVA)
    def test_stable_codes_beside_the_words(self):
        self.mock_cloud()
        images = self.get_json(STATES_URL)["images"]
        old_ubuntu = images[data.image_id("ubuntu-old")]
        self.assertEqual(old_ubuntu["state"], "superseded")
        self.assertEqual(old_ubuntu["family_key"], old_ubuntu["family"])
        self.assertEqual(old_ubuntu["family_key"], "scs:ubuntu/24.04/x86_64/generic")
        # Every condition that holds, most severe first; the first is the state's own reason.
        codes = [reason["code"] for reason in old_ubuntu["reasons"]]
        self.assertEqual(codes[0], "superseded")
        self.assertEqual(codes, sorted(old_ubuntu["flags"], key=codes.index))
        self.assertEqual(old_ubuntu["reasons"][0]["text"], old_ubuntu["reason"])
        old_debian = images[data.image_id("debian-old")]
        self.assertEqual(
            [reason["code"] for reason in old_debian["reasons"]], ["deprecated", "superseded"]
        )
        self.assertTrue(old_debian["reasons"][0]["text"].startswith("Deprecated since "))
        self.assertEqual(
            images[data.image_id("ubuntu-new")]["reasons"],
            [
                {
                    "code": "current",
                    "text": "Current: the latest usable build of %s."
                    % images[data.image_id("ubuntu-new")]["family_label"],
                }
            ],
        )
        guidance = self.get_json(guidance_url(data.image_id("debian-old")))
        self.assertEqual(guidance["reasons"], old_debian["reasons"])
        self.assertEqual(guidance["family_key"], old_debian["family_key"])

    @helpers.create_mocks(GLANCE)
    def test_recommended_build_first_within_its_family(self):
        self.mock_cloud()
        images = self.get_json(STATES_URL)["images"]

        def order(label):
            return images[data.image_id(label)]["order"]

        self.assertLess(order("ubuntu-new"), order("ubuntu-mid"))
        self.assertLess(order("ubuntu-mid"), order("ubuntu-old"))
        self.assertLess(order("debian-new"), order("debian-old"))
        self.assertLess(order("rocky-new"), order("rocky-old"))
        # Families stay together: no other image sorts between two Ubuntu builds.
        ubuntu = sorted(order(label) for label in ("ubuntu-new", "ubuntu-mid", "ubuntu-old"))
        self.assertEqual(ubuntu, list(range(ubuntu[0], ubuntu[0] + 3)))
        self.assertEqual(sorted(image["order"] for image in images.values()), list(range(11)))

    @override_settings(PATCH_DASHBOARD_BLOCK_DEPRECATED_LAUNCH=True)
    @helpers.create_mocks(GLANCE)
    def test_block_setting_refuses_deprecated_and_obsolete_only(self):
        self.mock_cloud()
        answer = self.get_json(STATES_URL)
        self.assertTrue(answer["block_deprecated_launch"])
        blocked = {
            label
            for label in data.images()
            if answer["images"][data.image_id(label)]["launch_blocked"]
        }
        self.assertEqual(blocked, {"debian-old", "focal-obsolete"})
        reason = answer["images"][data.image_id("debian-old")]["block_reason"]
        self.assertIn("does not allow launching from deprecated or obsolete images", reason)

    @helpers.create_mocks(GLANCE)
    def test_nothing_blocked_by_default(self):
        self.mock_cloud()
        images = self.get_json(STATES_URL)["images"]
        self.assertFalse(any(image["launch_blocked"] for image in images.values()))

    @helpers.create_mocks(GLANCE)
    def test_asks_glance_with_the_users_token(self):
        self.mock_cloud()
        self.get_json(STATES_URL)
        for call in self.mock_image_list_detailed.call_args_list:
            request = call.args[0]
            self.assertEqual(request.user.token.id, self.token.id)
            self.assertEqual(request.user.tenant_id, self.tenant.id)

    @override_settings(POLICY_CHECK_FUNCTION=deny_everything)
    @helpers.create_mocks(GLANCE)
    def test_policy_denied_is_403_without_calling_glance(self):
        self.get_json(STATES_URL, status=403)
        self.mock_image_list_detailed.assert_not_called()

    @helpers.create_mocks(GLANCE)
    def test_glance_down_is_503_not_500(self):
        self.mock_image_list_detailed.side_effect = self.exceptions.glance
        self.assertEqual(self.get_json(STATES_URL, status=503), "Unable to retrieve images.")

    def test_needs_an_ajax_request(self):
        response = self.client.get(STATES_URL)
        self.assertEqual(response.status_code, 400)


class LaunchGuidanceTests(RestTestCase):
    @helpers.create_mocks(GLANCE_NOVA)
    def test_deprecated_image_recommends_latest_build_and_flavor(self):
        self.mock_cloud()
        answer = self.get_json(guidance_url(data.image_id("debian-old")))
        self.assertEqual(answer["state"], "deprecated")
        self.assertEqual(answer["name"], "Debian 12 20240801")
        self.assertIn("CVE-2024-6387 (regreSSHion)", answer["reason"])
        latest = answer["recommended_image"]
        self.assertEqual(latest["id"], data.image_id("debian-new"))
        self.assertEqual(latest["build_date"], data.days_ago(3))
        self.assertEqual(latest["state"], "current")
        # No minimum anywhere: the smallest flavor fits, for both builds.
        self.assertEqual(answer["recommended_flavor"]["id"], "flavor-tiny")
        self.assertEqual(latest["recommended_flavor"]["id"], "flavor-tiny")
        self.assertEqual(
            answer["recommended_flavor"]["choice"], "The smallest flavor that fits the image."
        )
        self.assertTrue(all(f["fits"] for f in answer["flavors"]))
        # One list call per service: Glance (visible + hidden) and Nova's flavors, no servers.
        self.assertEqual(self.mock_image_list_detailed.call_count, 2)
        self.mock_flavor_list.assert_called_once_with(helpers.IsHttpRequest(), None)
        self.mock_server_list.assert_not_called()

    @helpers.create_mocks(GLANCE_NOVA)
    def test_why_the_recommended_flavor_fits(self):
        self.mock_cloud(image_list=[pinned_image()], flavor_list=pinned_flavors())
        answer = self.get_json(guidance_url(data.image_id("pinned")))
        recommended = answer["recommended_flavor"]
        self.assertEqual(recommended["id"], "f-pinned")
        self.assertFalse(recommended["is_current"])
        self.assertEqual(
            [item["code"] for item in recommended["why"]],
            ["min_ram", "min_disk", "hw_cpu_policy", "unrestricted"],
        )
        why = {item["requirement"]: item["text"] for item in recommended["why"]}
        self.assertEqual(
            why,
            {
                "min_ram": "4096 MB of RAM, at least the 2048 MB the image needs.",
                "min_disk": "A 40 GB root disk, at least the 10 GB the image needs.",
                "hw_cpu_policy": "hw_cpu_policy=dedicated: compatible with the flavor's "
                "hw:cpu_policy=dedicated.",
                "trait:CUSTOM_SSD": "trait:CUSTOM_SSD: the flavor does not restrict it.",
            },
        )

    @helpers.create_mocks(GLANCE_NOVA)
    def test_why_other_flavors_do_not_fit(self):
        self.mock_cloud(image_list=[pinned_image()], flavor_list=pinned_flavors())
        flavors = {
            f["id"]: f for f in self.get_json(guidance_url(data.image_id("pinned")))["flavors"]
        }
        self.assertFalse(flavors["f-tiny"]["fits"])
        tiny = {reason["requirement"]: reason["text"] for reason in flavors["f-tiny"]["reasons"]}
        self.assertEqual(
            tiny["min_ram"], "The image needs at least 2048 MB of RAM; this flavor has 512 MB."
        )
        self.assertEqual(
            tiny["min_disk"],
            "The image needs a root disk of at least 10 GB; this flavor has 1 GB.",
        )
        self.assertEqual(
            flavors["f-shared"]["reasons"],
            [
                {
                    "code": "hw:cpu_policy",
                    "requirement": "hw:cpu_policy",
                    "text": "The image asks for hw_cpu_policy=dedicated; this flavor sets "
                    "hw:cpu_policy=shared.",
                }
            ],
        )
        self.assertEqual(
            flavors["f-nossd"]["reasons"],
            [
                {
                    "code": "trait:CUSTOM_SSD",
                    "requirement": "trait:CUSTOM_SSD",
                    "text": "The image marks trait:CUSTOM_SSD required; this flavor marks it "
                    "forbidden.",
                }
            ],
        )
        self.assertTrue(flavors["f-pinned"]["fits"])
        self.assertEqual(flavors["f-pinned"]["reasons"], [])

    @helpers.create_mocks(GLANCE_NOVA)
    def test_current_flavor_is_kept_when_it_fits(self):
        self.mock_cloud(image_list=[pinned_image()], flavor_list=pinned_flavors())
        answer = self.get_json(guidance_url(data.image_id("pinned"), "f-pinned-big"))
        self.assertEqual(answer["recommended_flavor"]["id"], "f-pinned-big")
        self.assertTrue(answer["recommended_flavor"]["is_current"])
        self.assertEqual(
            answer["recommended_flavor"]["choice"], "Your current flavor, and it fits the image."
        )
        # A current flavor that does not fit is replaced by the smallest that does.
        answer = self.get_json(guidance_url(data.image_id("pinned"), "f-shared"))
        self.assertEqual(answer["recommended_flavor"]["id"], "f-pinned")

    @helpers.create_mocks(GLANCE_NOVA)
    def test_no_flavor_fits(self):
        self.mock_cloud(image_list=[pinned_image()], flavor_list=pinned_flavors()[:1])
        answer = self.get_json(guidance_url(data.image_id("pinned")))
        self.assertIsNone(answer["recommended_flavor"])

    @helpers.create_mocks(GLANCE_NOVA)
    def test_malformed_image_id_is_400(self):
        for bad in ("not-an-id", "1234", "%27%3B--", "x" * 300):
            message = self.get_json(guidance_url(bad), status=400)
            self.assertIn("is not a valid image id", message)
        self.mock_image_list_detailed.assert_not_called()

    @helpers.create_mocks(GLANCE_NOVA)
    def test_unknown_or_invisible_image_is_404(self):
        self.mock_cloud()
        missing = data.image_id("long-gone")
        message = self.get_json(guidance_url(missing), status=404)
        self.assertEqual(message, f"Image {missing} was not found or is not visible to you.")

    @helpers.create_mocks(GLANCE_NOVA)
    def test_unknown_flavor_is_400(self):
        self.mock_cloud()
        message = self.get_json(
            guidance_url(data.image_id("debian-old"), "no-such-flavor"), status=400
        )
        self.assertIn("Flavor no-such-flavor was not found", message)

    @helpers.create_mocks(GLANCE_NOVA)
    def test_nova_down_is_503_not_500(self):
        self.mock_cloud()
        self.mock_flavor_list.side_effect = self.exceptions.nova
        message = self.get_json(guidance_url(data.image_id("debian-old")), status=503)
        self.assertEqual(message, "Unable to retrieve flavors.")

    @override_settings(POLICY_CHECK_FUNCTION=deny_everything)
    @helpers.create_mocks(GLANCE_NOVA)
    def test_policy_denied_is_403(self):
        self.get_json(guidance_url(data.image_id("debian-old")), status=403)
        self.mock_image_list_detailed.assert_not_called()
        self.mock_flavor_list.assert_not_called()

    @override_settings(PATCH_DASHBOARD_BLOCK_DEPRECATED_LAUNCH=True)
    @helpers.create_mocks(GLANCE_NOVA)
    def test_block_setting_in_the_answer(self):
        self.mock_cloud()
        answer = self.get_json(guidance_url(data.image_id("debian-old")))
        self.assertTrue(answer["block_deprecated_launch"])
        self.assertTrue(answer["launch_blocked"])
        answer = self.get_json(guidance_url(data.image_id("ubuntu-old")))
        self.assertFalse(answer["launch_blocked"])


class LaunchFromRecommendedTests(TestCase):
    INDEX_URL = reverse("horizon:project:image_patch_status:index")

    def action(self, html, label):
        row = re.search(
            r'<tr[^>]*data-object-id="%s".*?</tr>' % data.image_id(label), html, re.S
        ).group(0)
        match = re.search(r"<a[^>]*launch_recommended[^>]*>", row)
        return match.group(0) if match else None

    @helpers.create_mocks(
        {
            api.glance: ["image_list_detailed"],
            api.nova: ["server_list"],
            api.cinder: ["volume_list"],
        }
    )
    def test_opens_the_wizard_on_the_recommended_build(self):
        self.mock_cloud()
        html = self.client.get(self.INDEX_URL).content.decode()
        wizard = (
            "modal.openLaunchInstanceWizard({successUrl: &#x27;%s&#x27;, imageId: &#x27;%s&#x27;})"
        )
        instances = reverse("horizon:project:instances:index")
        # An outdated build launches its replacement; a current one launches itself.
        for label, target in (
            ("ubuntu-old", "ubuntu-new"),
            ("debian-old", "debian-new"),
            ("ubuntu-new", "ubuntu-new"),
        ):
            link = self.action(html, label)
            self.assertIsNotNone(link, label)
            self.assertIn('ng-controller="LaunchInstanceModalController as modal"', link)
            self.assertIn(wizard % (instances, data.image_id(target)), link)
            self.assertIn('data-image-id="%s"' % data.image_id(target), link)
        self.assertIn("Launch from recommended", html)
        # Nothing newer to launch: no action.
        self.assertIsNone(self.action(html, "fedora-eol"))
        self.assertIsNone(self.action(html, "broken"))


class LaunchGuidanceEnabledFileTests(TestCase):
    def test_feature_file_loads_the_angular_module(self):
        from django.conf import settings

        module = importlib.import_module("enabled._9051_patch_dashboard_launch_guidance")
        self.assertTrue(module.FEATURE)
        self.assertFalse(hasattr(module, "ADD_INSTALLED_APPS"))
        config = settings.HORIZON_CONFIG
        self.assertIn(
            "horizon.dashboard.patch_dashboard.launch-guidance", config["angular_modules"]
        )
        for path in module.ADD_JS_FILES + module.ADD_SCSS_FILES:
            self.assertTrue((CHECKOUT / "static" / path).is_file(), path)
            self.assertIn(path, config["js_files"] + config["scss_files"])
        # The module file is loaded before the files that add to it.
        js = [path for path in config["js_files"] if "patch_dashboard/launch/" in path]
        self.assertTrue(js[0].endswith("launch-guidance.module.js"), js)
