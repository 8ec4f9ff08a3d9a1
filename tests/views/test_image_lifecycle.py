"""Admin > Compute > Image Lifecycle: every action, its checks, and exactly what it sends.

Glance writes are observed at the wire: ``api.glance.glanceclient(request).http_client.patch``
receives the JSON patch, so each test asserts the operations (only the action's keys).
"""

import json
import re
from unittest import mock
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from glanceclient import exc as glance_exc
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from patch_dashboard.api.lifecycle import record_signer
from patch_dashboard.lifecycle.actions import APPLIED_KEY
from tests.views import data
from tests.views.helpers import AdminTestCase, TestCase
from tests.views.test_patch_compliance_index import index_on

INDEX_URL = reverse("horizon:admin:image_lifecycle:index")
DEPRECATE_URL = reverse("horizon:admin:image_lifecycle:deprecate")
OBSOLETE_URL = reverse("horizon:admin:image_lifecycle:obsolete")
JSON_PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
OUR_KEYS = {
    "deprecation_state",
    "deprecated_at",
    "replaced_by",
    "deprecation_reason",
    "deprecated_by",
    APPLIED_KEY,
}

MOCKS = {
    api.glance: [
        "image_list_detailed",
        "image_get",
        "glanceclient",
        "image_deactivate",
        "image_reactivate",
    ],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
    api.keystone: ["tenant_list"],
}


def iid(label):
    return data.image_id(label)


def metadata_url(label):
    return reverse("horizon:admin:image_lifecycle:metadata", args=[iid(label)])


def read_record(value):
    """The JSON of a record this deployment signed (raises when the signature is wrong)."""
    return json.loads(record_signer().unsign(value))


def form_url(url, *labels):
    return "%s?%s" % (url, urlencode([("image", iid(label)) for label in labels]))


class LifecycleTestCase(AdminTestCase):
    def serve(self, image_list=None):
        """The realistic cloud; image_get answers from the same images."""
        image_list = list(data.images().values()) if image_list is None else image_list
        self.mock_cloud(image_list=image_list)
        by_id = {image.id: image for image in image_list}
        self.mock_image_get.side_effect = lambda request, image_id: by_id[image_id]
        self.mock_tenant_list.return_value = (self.tenants.list(), False)
        return by_id

    @property
    def mock_patch(self):
        return self.mock_glanceclient.return_value.http_client.patch

    def sent(self):
        """Image id -> the JSON patch operations sent to Glance for it."""
        sent = {}
        for call in self.mock_patch.call_args_list:
            url = call.args[0]
            self.assertTrue(url.startswith("/v2/images/"), url)
            self.assertEqual(call.kwargs["headers"], JSON_PATCH)
            sent[url.rsplit("/", 1)[1]] = json.loads(call.kwargs["data"])
        return sent

    def written(self, operations):
        """{key: value} of the add operations, and the removed keys."""
        added = {op["path"][1:]: op["value"] for op in operations if op["op"] == "add"}
        removed = {op["path"][1:] for op in operations if op["op"] == "remove"}
        self.assertEqual(len(added) + len(removed), len(operations))
        return added, removed

    def deprecate_form(self, *labels, choose=None, **fields):
        """The dialog's POST; ``choose``: the replacement chosen and already previewed."""
        choice = iid("ubuntu-new") if choose is None else choose
        form = {
            "images": [iid(label) for label in labels],
            "replacement": choice,
            "previewed_replacement": choice,
            "reason": "CVE-2024-6387 in openssh-server",
            "deprecated_at": "",
            "obsolete_at": "",
        }
        form.update(fields)
        return form


class IndexTests(LifecycleTestCase):
    @helpers.create_mocks(MOCKS)
    def test_every_image_with_instances_across_projects(self):
        self.serve()
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "admin/image_lifecycle/index.html")
        rows = {row.name: row for row in response.context["table"].data}
        self.assertEqual(len(rows), 11)
        self.assertEqual(rows["Ubuntu 24.04 20240901"].state.value, "superseded")
        self.assertEqual(rows["Ubuntu 24.04 20240901"].instance_count, 1)
        self.assertEqual(rows["Ubuntu 24.04 20240901"].project_count, 1)
        self.assertTrue(rows["Debian 12 20240801"].restorable)
        self.assertFalse(rows["Ubuntu 24.04"].restorable)
        # Servers of every project, not only the admin's.
        self.mock_server_list.assert_called_once_with(
            helpers.IsHttpRequest(), search_opts={"limit": 1000, "all_tenants": True}
        )
        html = response.content.decode()
        self.assertIn(form_url(DEPRECATE_URL, "ubuntu-old").replace("?", "?"), html)
        self.assertIn(metadata_url("ubuntu-old"), html)
        self.assertIn("image_lifecycle__restore__%s" % iid("debian-old"), html)
        # Restore only where there is something to undo.
        self.assertNotIn("image_lifecycle__restore__%s" % iid("ubuntu-new"), html)
        self.mock_patch.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_table_action_opens_the_form_for_the_selection(self):
        self.serve()
        response = self.client.post(
            INDEX_URL,
            {
                "action": "image_lifecycle__deprecate_selected",
                "object_ids": [iid("ubuntu-old"), iid("ubuntu-mid")],
            },
        )
        self.assertRedirectsNoFollow(response, form_url(DEPRECATE_URL, "ubuntu-old", "ubuntu-mid"))


class DeprecateTests(LifecycleTestCase):
    @helpers.create_mocks(MOCKS)
    def test_form_defaults_and_impact_preview(self):
        self.serve()
        response = self.client.get(form_url(DEPRECATE_URL, "ubuntu-old"))
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        # Each image: the newest usable build of its own family.
        self.assertEqual(form.initial["replacement"], "own-family")
        self.assertEqual(form.preview_targets(), {iid("ubuntu-old"): iid("ubuntu-new")})
        impact = form.impact()
        self.assertEqual([item.server.name for item in impact.instances], ["web-2"])
        self.assertEqual(impact.projects, {data.PROJECT_ID})
        self.assertEqual(impact.instances[0].target_image.name, "Ubuntu 24.04")
        self.assertEqual(impact.instances[0].target_flavor.name, "m1.small")
        self.assertContains(response, "1 instance in 1 project runs these images.")
        self.assertContains(response, "Ubuntu 24.04, m1.small")
        self.assertContains(response, "Ubuntu 24.04 20240901: replaced by Ubuntu 24.04")
        # The project by its name (Horizon's test tenant "1" is "test_tenant").
        project = self.tenants.get(id=data.PROJECT_ID)
        self.assertContains(response, '<td title="%s">%s</td>' % (project.id, project.name))
        # Deprecated and obsolete images are not offered as replacements.
        options = dict(form.fields["replacement"].widget.choices)
        self.assertIn(iid("ubuntu-new"), options)
        self.assertNotIn(iid("debian-old"), options)
        self.assertNotIn(iid("focal-obsolete"), options)
        self.mock_patch.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_newest_build_defaults_to_the_next_usable_one(self):
        self.serve()
        response = self.client.get(form_url(DEPRECATE_URL, "ubuntu-new"))
        targets = response.context["form"].preview_targets()
        self.assertEqual(targets, {iid("ubuntu-new"): iid("ubuntu-mid")})

    @helpers.create_mocks(MOCKS)
    def test_a_failed_assessment_says_so_instead_of_the_dialog(self):
        self.serve()
        with mock.patch(
            "patch_dashboard.api.inventory.assess_cloud", side_effect=ValueError("boom")
        ):
            response = self.client.get(form_url(DEPRECATE_URL, "ubuntu-old"))
        self.assertRedirectsNoFollow(response, INDEX_URL)
        # Why, not a claim that the chosen image does not exist.
        self.assertEqual(
            self.messages_shown(response),
            ["Unable to assess the patch state of the images and instances."],
        )
        self.mock_patch.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_unknown_image_redirects(self):
        self.serve()
        response = self.client.get(DEPRECATE_URL + "?image=no-such-image")
        self.assertRedirectsNoFollow(response, INDEX_URL)

    @helpers.create_mocks(MOCKS)
    def test_deprecate_sends_only_its_keys(self):
        self.serve()
        response = self.client.post(DEPRECATE_URL, self.deprecate_form("ubuntu-old"))
        self.assertNoFormErrors(response)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        self.assertMessageCount(success=1)
        sent = self.sent()
        self.assertEqual(list(sent), [iid("ubuntu-old")])
        added, removed = self.written(sent[iid("ubuntu-old")])
        self.assertEqual(set(added), OUR_KEYS | {"os_hidden", "os_purpose"})
        self.assertEqual(removed, set())
        self.assertEqual(added["deprecation_state"], "deprecated")
        self.assertEqual(added["replaced_by"], iid("ubuntu-new"))
        self.assertEqual(added["deprecation_reason"], "CVE-2024-6387 in openssh-server")
        self.assertEqual(added["deprecated_by"], self.user.id)
        self.assertRegex(added["deprecated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIs(added["os_hidden"], True)
        self.assertEqual(added["os_purpose"], "oldgeneric")
        record = read_record(added[APPLIED_KEY])
        self.assertEqual(record["image"], iid("ubuntu-old"))
        self.assertEqual(record["changed"]["os_hidden"], {"before": False, "after": True})
        self.assertEqual(
            record["changed"]["os_purpose"], {"before": "generic", "after": "oldgeneric"}
        )
        self.assertEqual(record["changed"]["replaced_by"]["before"], None)
        self.assertFalse(record["deactivated"])
        self.mock_image_deactivate.assert_not_called()
        # Planned from a fresh read of the image, not from the listing.
        self.mock_image_get.assert_called_once_with(helpers.IsHttpRequest(), iid("ubuntu-old"))

    @helpers.create_mocks(MOCKS)
    def test_deprecate_many_one_patch_each(self):
        self.serve()
        response = self.client.post(
            DEPRECATE_URL,
            self.deprecate_form(
                "ubuntu-old",
                "ubuntu-mid",
                "centos-stale",
                choose="",
            ),
        )
        self.assertNoFormErrors(response)
        sent = self.sent()
        self.assertEqual(set(sent), {iid("ubuntu-old"), iid("ubuntu-mid"), iid("centos-stale")})
        # CentOS has no os_purpose: nothing to rename there.
        added, _ = self.written(sent[iid("centos-stale")])
        self.assertEqual(set(added), OUR_KEYS - {"replaced_by"} | {"os_hidden"})

    @helpers.create_mocks(MOCKS)
    def test_bulk_deprecation_gives_each_family_its_own_newest_build(self):
        self.serve()
        response = self.client.get(form_url(DEPRECATE_URL, "rocky-old", "ubuntu-old"))
        form = response.context["form"]
        # The preview: each image, and each instance, with its own family's newest build.
        self.assertContains(response, "Rocky 9 (20241001): replaced by Rocky 9")
        self.assertContains(response, "Ubuntu 24.04 20240901: replaced by Ubuntu 24.04")
        (web_2,) = form.impact().instances
        self.assertEqual(web_2.server.name, "web-2")
        self.assertEqual(web_2.target_image.name, "Ubuntu 24.04")
        self.assertNotContains(response, "Rocky 9, m1")
        response = self.client.post(
            DEPRECATE_URL,
            self.deprecate_form(
                "rocky-old",
                "ubuntu-old",
                choose="own-family",
            ),
        )
        self.assertNoFormErrors(response)
        sent = self.sent()
        replaced_by = {
            image_id: self.written(operations)[0]["replaced_by"]
            for image_id, operations in sent.items()
        }
        self.assertEqual(
            replaced_by,
            {iid("rocky-old"): iid("rocky-new"), iid("ubuntu-old"): iid("ubuntu-new")},
        )

    @helpers.create_mocks(MOCKS)
    def test_one_replacement_for_several_families_is_refused(self):
        self.serve()
        response = self.client.post(
            DEPRECATE_URL,
            self.deprecate_form(
                "rocky-old",
                "ubuntu-old",
                choose=iid("rocky-new"),
            ),
        )
        self.assertFormErrors(response, 1)
        self.assertContains(
            response, "Rocky 9 cannot replace images of several families (Rocky 9, Ubuntu 24.04)"
        )
        self.mock_patch.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_one_replacement_for_one_family_may_come_from_another(self):
        # Moving a whole family to another OS is a choice an admin may make.
        self.serve()
        response = self.client.post(
            DEPRECATE_URL,
            self.deprecate_form(
                "ubuntu-old",
                "ubuntu-mid",
                choose=iid("rocky-new"),
            ),
        )
        self.assertNoFormErrors(response)
        for operations in self.sent().values():
            self.assertEqual(self.written(operations)[0]["replaced_by"], iid("rocky-new"))

    @helpers.create_mocks(MOCKS)
    def test_scheduled_deprecation_announces_only(self):
        self.serve()
        response = self.client.post(
            DEPRECATE_URL,
            self.deprecate_form(
                "ubuntu-old", deprecated_at="2999-01-01", obsolete_at="2999-02-01T00:00:00Z"
            ),
        )
        self.assertNoFormErrors(response)
        added, _ = self.written(self.sent()[iid("ubuntu-old")])
        self.assertEqual(set(added), OUR_KEYS | {"obsolete_at"})
        self.assertEqual(added["deprecated_at"], "2999-01-01T00:00:00Z")
        self.assertEqual(added["obsolete_at"], "2999-02-01T00:00:00Z")

    @helpers.create_mocks(MOCKS)
    def test_no_replacement(self):
        self.serve()
        response = self.client.post(
            DEPRECATE_URL,
            self.deprecate_form("fedora-eol", replacement="", previewed_replacement=""),
        )
        self.assertNoFormErrors(response)
        added, _ = self.written(self.sent()[iid("fedora-eol")])
        self.assertNotIn("replaced_by", added)

    def assert_refused(self, response, field, message):
        self.assertEqual(response.status_code, 200)
        self.assertFormErrors(response, 1, message)
        self.assertIn(message, response.context["form"].errors[field])
        self.mock_patch.assert_not_called()
        self.mock_image_deactivate.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_replacement_may_not_be_the_image_itself(self):
        self.serve()
        form = self.deprecate_form(
            "ubuntu-old",
            "ubuntu-new",
            choose=iid("ubuntu-new"),
        )
        response = self.client.post(DEPRECATE_URL, form)
        self.assert_refused(response, "replacement", "An image cannot be its own replacement.")

    @helpers.create_mocks(MOCKS)
    def test_replacement_may_not_be_deprecated(self):
        self.serve()
        form = self.deprecate_form(
            "debian-new", replacement=iid("debian-old"), previewed_replacement=iid("debian-old")
        )
        response = self.client.post(DEPRECATE_URL, form)
        self.assert_refused(
            response,
            "replacement",
            "Debian 12 20240801 is deprecated, obsolete, end of life or not active: "
            "choose a usable build.",
        )

    @helpers.create_mocks(MOCKS)
    def test_replacement_may_not_form_a_cycle(self):
        # Rocky 9 (usable) already names the old Rocky build as its replacement.
        images = data.images()
        rocky_new = data.glance_image(
            "rocky-new",
            "Rocky 9",
            created_days=8,
            image_name="Rocky 9",
            internal_version="20241101",
            image_build_date=data.days_ago(8),
            replace_frequency="monthly",
            replaced_by=iid("rocky-old"),
        )
        images["rocky-new"] = rocky_new
        self.serve(list(images.values()))
        form = self.deprecate_form(
            "rocky-old", replacement=iid("rocky-new"), previewed_replacement=iid("rocky-new")
        )
        response = self.client.post(DEPRECATE_URL, form)
        self.assert_refused(
            response,
            "replacement",
            "Rocky 9 is (through its own replacements) replaced by an image you are "
            "deprecating: this would form a cycle.",
        )

    @helpers.create_mocks(MOCKS)
    def test_reason_is_required(self):
        self.serve()
        response = self.client.post(DEPRECATE_URL, self.deprecate_form("ubuntu-old", reason=""))
        self.assert_refused(response, "reason", "This field is required.")

    @helpers.create_mocks(MOCKS)
    def test_dates_are_checked(self):
        self.serve()
        response = self.client.post(
            DEPRECATE_URL, self.deprecate_form("ubuntu-old", deprecated_at="next week")
        )
        self.assert_refused(
            response,
            "deprecated_at",
            "Enter a date as YYYY-MM-DD, or an ISO 8601 date and time.",
        )
        response = self.client.post(
            DEPRECATE_URL,
            self.deprecate_form("ubuntu-old", deprecated_at="2999-03-01", obsolete_at="2999-01-01"),
        )
        self.assert_refused(
            response,
            "obsolete_at",
            "The obsolete date must be later than the date the deprecation takes effect.",
        )

    @helpers.create_mocks(MOCKS)
    def test_other_replacement_shows_its_impact_before_writing(self):
        self.serve()
        form = self.deprecate_form("ubuntu-old", replacement=iid("ubuntu-mid"))
        response = self.client.post(DEPRECATE_URL, form)
        self.assertEqual(response.status_code, 200)
        self.mock_patch.assert_not_called()
        self.assertContains(response, "The impact preview now shows the replacement you chose")
        self.assertContains(response, "Ubuntu 24.04 20241001, m1.small")
        self.assertContains(
            response,
            'name="previewed_replacement" value="%s"' % iid("ubuntu-mid"),
        )
        # Submitted again, as the re-rendered form does: now it is written.
        form["previewed_replacement"] = iid("ubuntu-mid")
        response = self.client.post(DEPRECATE_URL, form)
        self.assertNoFormErrors(response)
        added, _ = self.written(self.sent()[iid("ubuntu-old")])
        self.assertEqual(added["replaced_by"], iid("ubuntu-mid"))

    @helpers.create_mocks(MOCKS)
    def test_glance_403_shows_error_and_keeps_input(self):
        self.serve()
        self.mock_patch.side_effect = glance_exc.HTTPForbidden("403 Forbidden: property protected")
        form = self.deprecate_form("ubuntu-old", reason="CVE-2024-0001 keep this text")
        response = self.client.post(DEPRECATE_URL, form)
        self.assertEqual(response.status_code, 200)  # the form again, not a redirect
        self.assertMessageCount(response, error=1, success=0)
        self.assertContains(response, "Unable to deprecate image Ubuntu 24.04 20240901.")
        self.assertContains(response, "CVE-2024-0001 keep this text")
        self.assertContains(response, 'value="%s"' % iid("ubuntu-old"))
        self.mock_image_deactivate.assert_not_called()


class ObsoleteTests(LifecycleTestCase):
    @helpers.create_mocks(MOCKS)
    def test_obsolete_writes_the_record_then_deactivates(self):
        self.serve()
        form = self.deprecate_form("ubuntu-old")
        del form["deprecated_at"], form["obsolete_at"]
        response = self.client.post(OBSOLETE_URL, form)
        self.assertNoFormErrors(response)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        added, removed = self.written(self.sent()[iid("ubuntu-old")])
        self.assertEqual(set(added), OUR_KEYS | {"obsolete_at", "os_hidden", "os_purpose"})
        self.assertEqual(added["deprecation_state"], "obsolete")
        self.assertTrue(read_record(added[APPLIED_KEY])["deactivated"])
        self.mock_image_deactivate.assert_called_once_with(
            helpers.IsHttpRequest(), iid("ubuntu-old")
        )

    @helpers.create_mocks(MOCKS)
    def test_obsolete_of_a_deprecated_image_sends_the_difference(self):
        self.serve()
        form = self.deprecate_form(
            "debian-old", replacement=iid("debian-new"), previewed_replacement=iid("debian-new")
        )
        form["reason"] = "CVE-2024-6387 (regreSSHion) in openssh-server"
        response = self.client.post(OBSOLETE_URL, form)
        self.assertNoFormErrors(response)
        added, removed = self.written(self.sent()[iid("debian-old")])
        # Already hidden, oldgeneric and replaced: only state, dates, author and record.
        self.assertEqual(
            set(added), {"deprecation_state", "obsolete_at", "deprecated_by", APPLIED_KEY}
        )
        self.assertEqual(removed, set())


class RestoreTests(LifecycleTestCase):
    def deprecated_by_us(self, sign=None):
        """Ubuntu 24.04 20240901 as this plugin's Obsolete leaves it (``sign``: how its
        record is signed; this deployment's signer by default)."""
        sign = sign or record_signer().sign
        images = data.images()
        record = {
            "version": 2,
            "image": iid("ubuntu-old"),
            "action": "obsolete",
            "by": "admin",
            "at": data.timestamp(1),
            "deactivated": True,
            "changed": {
                "deprecation_state": {"before": None, "after": "obsolete"},
                "deprecated_at": {"before": None, "after": data.timestamp(1)},
                "obsolete_at": {"before": None, "after": data.timestamp(1)},
                "replaced_by": {"before": None, "after": iid("ubuntu-new")},
                "deprecation_reason": {"before": None, "after": "CVE"},
                "deprecated_by": {"before": None, "after": "admin"},
                "os_hidden": {"before": False, "after": True},
                "os_purpose": {"before": "generic", "after": "oldgeneric"},
            },
        }
        images["ubuntu-old"] = data.glance_image(
            "ubuntu-old",
            "Ubuntu 24.04 20240901",
            created_days=70,
            image_build_date=data.days_ago(70),
            **{**data.UBUNTU, "os_purpose": "oldgeneric"},
            status="deactivated",
            os_hidden=True,
            deprecation_state="obsolete",
            deprecated_at=data.timestamp(1),
            obsolete_at=data.timestamp(1),
            replaced_by=iid("ubuntu-new"),
            deprecation_reason="CVE",
            deprecated_by="admin",
            patch_dashboard_applied=sign(json.dumps(record)),
        )
        return list(images.values())

    def restore(self, label):
        return self.client.post(INDEX_URL, {"action": "image_lifecycle__restore__%s" % iid(label)})

    @helpers.create_mocks(MOCKS)
    def test_restore_undoes_exactly_what_was_recorded(self):
        self.serve(self.deprecated_by_us())
        response = self.restore("ubuntu-old")
        self.assertRedirectsNoFollow(response, INDEX_URL)
        added, removed = self.written(self.sent()[iid("ubuntu-old")])
        self.assertEqual(added, {"os_hidden": False, "os_purpose": "generic"})
        self.assertEqual(removed, OUR_KEYS | {"obsolete_at"})
        self.mock_image_reactivate.assert_called_once_with(
            helpers.IsHttpRequest(), iid("ubuntu-old")
        )

    @helpers.create_mocks(MOCKS)
    def test_restore_ignores_a_record_this_deployment_did_not_sign(self):
        forgeries = {
            "unsigned": lambda text: text,
            "another deployment's key": signing.Signer(key="another-secret", salt="x").sign,
        }
        for label, forge in forgeries.items():
            with self.subTest(label):
                self.mock_patch.reset_mock()
                self.mock_image_reactivate.reset_mock()
                self.serve(self.deprecated_by_us(sign=forge))
                self.restore("ubuntu-old")
                added, removed = self.written(self.sent()[iid("ubuntu-old")])
                # Our keys go; hidden, purpose and the deactivation stay as they are.
                self.assertEqual(added, {})
                self.assertEqual(removed, OUR_KEYS | {"obsolete_at"})
                self.mock_image_reactivate.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_restore_without_record_removes_our_keys_only(self):
        # The seeded Debian build was deprecated by other tools: hidden stays hidden.
        self.serve()
        response = self.restore("debian-old")
        self.assertRedirectsNoFollow(response, INDEX_URL)
        added, removed = self.written(self.sent()[iid("debian-old")])
        self.assertEqual(added, {})
        self.assertEqual(
            removed,
            {"deprecation_state", "deprecated_at", "replaced_by", "deprecation_reason"},
        )
        self.mock_image_reactivate.assert_not_called()
        self.assertMessageCount(success=1, info=1)

    @helpers.create_mocks(MOCKS)
    def test_restore_refused_by_glance(self):
        self.serve(self.deprecated_by_us())
        self.mock_patch.side_effect = glance_exc.HTTPForbidden("403 Forbidden")
        self.restore("ubuntu-old")
        self.assertMessageCount(error=1)


class PatchMetadataTests(LifecycleTestCase):
    def metadata_form(self, **fields):
        form = {
            "image_name": "",
            "image_build_date": data.days_ago(70),
            "patchlevel": "",
            "replace_frequency": "monthly",
            "provided_until": "",
            "maintained_until": "",
        }
        form.update(fields)
        return form

    @helpers.create_mocks(MOCKS)
    def test_form_shows_current_values(self):
        self.serve()
        response = self.client.get(metadata_url("ubuntu-old"))
        self.assertEqual(response.status_code, 200)
        initial = response.context["form"].initial
        self.assertEqual(initial["image_build_date"], data.days_ago(70))
        self.assertEqual(initial["replace_frequency"], "monthly")
        self.assertEqual(initial["patchlevel"], "")

    @helpers.create_mocks(MOCKS)
    def test_only_changed_keys_are_sent(self):
        self.serve()
        response = self.client.post(
            metadata_url("ubuntu-old"),
            self.metadata_form(
                patchlevel="2024-09-01.2",
                replace_frequency="",
                maintained_until="Notice",
                image_name="Ubuntu 24.04",
            ),
        )
        self.assertNoFormErrors(response)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        added, removed = self.written(self.sent()[iid("ubuntu-old")])
        self.assertEqual(
            added,
            {
                "patchlevel": "2024-09-01.2",
                "maintained_until": "notice",
                "image_name": "Ubuntu 24.04",
            },
        )
        self.assertEqual(removed, {"replace_frequency"})

    @helpers.create_mocks(MOCKS)
    def test_invalid_values_are_named(self):
        self.serve()
        response = self.client.post(
            metadata_url("broken"),
            self.metadata_form(
                image_build_date="last tuesday",
                replace_frequency="fortnightly",
                provided_until="soon",
            ),
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertEqual(
            errors["image_build_date"],
            ["Enter a date as YYYY-MM-DD, or an ISO 8601 date and time."],
        )
        self.assertEqual(
            errors["replace_frequency"], ["Choose one of the SCS replace frequencies."]
        )
        self.assertEqual(
            errors["provided_until"], ['Enter a date as YYYY-MM-DD, or "none", or "notice".']
        )
        # The invalid value Glance holds is offered, marked, so it can be seen and fixed.
        self.assertContains(response, "fortnightly (not valid)")
        self.mock_patch.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_glance_403_keeps_input(self):
        self.serve()
        self.mock_patch.side_effect = glance_exc.HTTPForbidden("403 Forbidden")
        response = self.client.post(
            metadata_url("ubuntu-old"), self.metadata_form(patchlevel="kept-level-7")
        )
        self.assertEqual(response.status_code, 200)
        self.assertMessageCount(response, error=1)
        self.assertContains(response, "Unable to update the patch metadata of")
        self.assertContains(response, 'value="kept-level-7"')


class MemberTests(TestCase):
    """A project member: no panel, and a forged POST changes nothing."""

    @helpers.create_mocks(MOCKS)
    def test_member_gets_no_panel_and_forged_posts_are_refused(self):
        self.mock_cloud()
        response = self.client.get(reverse("horizon:project:image_patch_status:index"))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(INDEX_URL, response.content.decode())
        for url, form in (
            (INDEX_URL, None),
            (
                DEPRECATE_URL,
                {
                    "images": [iid("ubuntu-new")],
                    "replacement": "",
                    "previewed_replacement": "",
                    "reason": "forged",
                },
            ),
            (OBSOLETE_URL, {"images": [iid("ubuntu-new")], "reason": "forged"}),
            (metadata_url("ubuntu-new"), {"patchlevel": "forged"}),
            (INDEX_URL, {"action": "image_lifecycle__restore__%s" % iid("debian-old")}),
        ):
            response = self.client.post(url, form) if form else self.client.get(url)
            self.assertNotEqual(response.status_code, 200, url)
            self.assertTrue(
                response.status_code in (302, 403)
                and "/auth/login" in response.get("Location", "/auth/login"),
                (url, response.status_code),
            )
        self.mock_glanceclient.assert_not_called()
        self.mock_image_get.assert_not_called()
        self.mock_image_deactivate.assert_not_called()
        self.mock_image_reactivate.assert_not_called()


def test_no_view_writes_through_image_update():
    """Writes go through the JSON patch of patch_dashboard.api.lifecycle only."""
    import pathlib

    folder = pathlib.Path(__file__).resolve().parents[2] / "patch_dashboard"
    for path in [*folder.glob("content/image_lifecycle/*.py"), folder / "api" / "lifecycle.py"]:
        text = path.read_text()
        assert not re.search(r"image_update\(|images\.update\(", text), path


class IndexedImpactTests(LifecycleTestCase):
    """With the cloud's index on, the Deprecate dialog's impact comes from the index's rows of
    the chosen images: no listing of every project's servers per dialog."""

    def setUp(self):
        super().setUp()
        index_on(self)

    @helpers.create_mocks({**MOCKS, api.keystone: ["tenant_list", "keystoneclient"]})
    def test_the_impact_preview_reads_the_index_not_nova(self):
        self.serve()
        self.assertEqual(self.client.get(INDEX_URL).status_code, 200)  # builds the index
        self.mock_server_list.reset_mock()
        response = self.client.get(form_url(DEPRECATE_URL, "ubuntu-old"))
        self.assertEqual(response.status_code, 200)
        self.mock_server_list.assert_not_called()
        impact = response.context["form"].impact()
        self.assertEqual([item.server.name for item in impact.instances], ["web-2"])
        self.assertEqual(impact.instances[0].target_image.name, "Ubuntu 24.04")
        self.assertContains(response, "1 instance in 1 project runs these images.")

    @helpers.create_mocks({**MOCKS, api.keystone: ["tenant_list", "keystoneclient"]})
    def test_the_core_failing_on_the_index_servers_says_so_and_sends_back(self):
        """The index's servers are assessed against the images listed now; should the core
        fail on them, the dialog is not shown half-right: back to the table, with why."""
        self.serve()
        self.assertEqual(self.client.get(INDEX_URL).status_code, 200)  # builds the index
        with mock.patch(
            "patch_dashboard.content.image_lifecycle.views.InstanceAssessor.__call__",
            side_effect=ValueError("x" * 10_000),
        ):
            response = self.client.get(form_url(DEPRECATE_URL, "ubuntu-old"))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], INDEX_URL)
        shown = self.messages_shown(response)
        self.assertIn("Unable to assess the patch state of the images and instances.", shown)
        self.assertNotIn("x" * 100, " ".join(shown))
