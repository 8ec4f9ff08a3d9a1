"""Bad metadata through the views: whatever Glance and Nova hold, no plugin page answers 500.

Hypothesis builds image and server payloads the way Glance v2 and Nova return them (extra
image properties are strings, as Glance stores them; the base fields keep their JSON types
but take edge values), full of unparsable dates, unknown enum words, broken references and
markup. Every plugin view (project and admin pages, both CSV exports, the JSON endpoints)
is asked for through Horizon's test client with the API mocked at Horizon's boundary, and:

- answers 200 (or the documented redirect), never 500;
- never echoes a payload's markup unescaped (the hostile strings carry a tag we look for);
- shows each unparsable field as unknown, with its raw value (escaped) on the detail page;
- writes CSV cells that a spreadsheet would not run as formulas.

The second half pins the CSV formula neutralisation with exact cells.
"""

import csv
import io
import json
import os
import re
import uuid
from datetime import datetime, timedelta, timezone
from html import unescape
from unittest import mock

from compressor.filters.base import FilterBase
from django import test as django_test
from django.test.utils import override_settings
from django.urls import resolve, reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django._impl import HypothesisTestCase
from novaclient.v2 import servers as nova_servers
from openstack_auth import utils as auth_utils
from openstack_dashboard import api
from openstack_dashboard.test import helpers
from openstack_dashboard.test.test_data.glance_data import APIResourceV2
from openstack_dashboard.utils import futurist_utils

from patch_dashboard.api.images import image_payload
from patch_dashboard.lifecycle import parse_image
from patch_dashboard.wording import FORMULA_STARTS
from tests.views import data
from tests.views.helpers import AdminTestCase, TestCase

EXAMPLES = settings(
    max_examples=int(os.environ.get("PATCH_DASHBOARD_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MOCKS = {
    api.glance: ["image_list_detailed", "image_get"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
    api.keystone: ["tenant_list"],
}

IMAGE_IDS = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"pd-robust/image/{n}")) for n in range(6)]
GONE_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "pd-robust/gone"))
# Markup a payload may carry: if any appears unescaped in HTML, a value was rendered raw.
TAGS = ("<b class=pdx>", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
HOSTILE = [
    *TAGS,
    "{{7*7}}",
    '=HYPERLINK("http://example.invalid","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tleading tab",
    "",
    " ",
    "\x00",
    "\u202eevil",
    "😀" * 3,
    "x" * 300,
]
NOW = datetime.now(timezone.utc)
DATES = [(NOW - timedelta(days=n)).date().isoformat() for n in (0, 3, 40, 400)] + [
    "2024-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-13-01T00:00:00Z",
    "2024-01-01T25:00:00+01:00",
    "1e400",
    "-1",
    "last tuesday",
    "none",
    "notice",
    "NOTICE",
]
WORDS = [
    "monthly",
    "Monthly",
    "weekly",
    "quarterly",
    "yearly",
    "never",
    "critical_bug",
    "fortnightly",
    "deprecated",
    "obsolete",
    "active",
    "ACTIVE",
    "bogus",
    "generic",
    "oldgeneric",
    "snapshot",
    "true",
    "false",
    "dedicated",
    "required",
    "forbidden",
]

text = st.one_of(
    st.text(max_size=15),
    st.sampled_from(HOSTILE + DATES + WORDS + IMAGE_IDS + [GONE_ID]),
    st.builds(
        lambda a, tag, b: a + tag + b,
        st.text(max_size=4),
        st.sampled_from(TAGS),
        st.text(max_size=4),
    ),
)
PROPERTY_KEYS = [
    "os_distro", "os_version", "architecture", "os_purpose", "image_build_date", "patchlevel",
    "replace_frequency", "provided_until", "maintained_until", "uuid_validity", "hotfix_hours",
    "image_source", "image_description", "image_original_user", "image_name",
    "internal_version", "deprecation_state", "deprecated_at", "obsolete_at", "replaced_by",
    "deprecation_reason", "deprecated_by", "image_type", "base_image_ref", "hw_cpu_policy",
    "hw_mem_page_size", "trait:CUSTOM_SSD", "patch_dashboard_applied",
]  # fmt: skip
timestamps = st.one_of(
    st.none(),
    st.sampled_from(DATES),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
)


@st.composite
def glance_image(draw, image_id):
    """One image as Glance v2 answers, wrapped as api.glance.image_list_detailed returns it."""
    payload = {
        "id": image_id,
        "name": draw(st.one_of(st.none(), text)),
        "status": draw(
            st.sampled_from(
                ["active", "deactivated", "queued", "killed", "pending_delete", "uploading"]
            )
        ),
        "visibility": draw(st.sampled_from(["public", "private", "shared", "community", ""])),
        "os_hidden": draw(st.booleans()),
        "owner": draw(st.one_of(st.none(), st.just("1"), text)),
        "protected": False,
        "container_format": "bare",
        "disk_format": "qcow2",
        "size": draw(st.one_of(st.none(), st.integers(0, 2**40))),
        "min_ram": draw(st.one_of(st.none(), st.integers(-1, 2**40))),
        "min_disk": draw(st.one_of(st.none(), st.integers(-1, 2**40))),
        "created_at": draw(timestamps),
        "updated_at": draw(timestamps),
        "tags": draw(st.lists(text, max_size=2)),
    }
    payload.update(draw(st.dictionaries(st.sampled_from(PROPERTY_KEYS), text, max_size=10)))
    return api.glance.Image(APIResourceV2(payload))


@st.composite
def glance_images(draw):
    ids = draw(st.lists(st.sampled_from(IMAGE_IDS), min_size=1, max_size=5, unique=True))
    return [draw(glance_image(image_id)) for image_id in ids]


@st.composite
def nova_server(draw, index):
    image = draw(
        st.one_of(
            st.sampled_from(IMAGE_IDS + [GONE_ID]).map(lambda i: {"id": i, "links": []}),
            st.just(""),  # boot from volume
            st.just({}),
            st.sampled_from([{"id": None}, {"id": ""}]),
        )
    )
    flavor = draw(
        st.one_of(
            st.sampled_from(["flavor-tiny", "flavor-small", "gone-flavor"]).map(
                lambda f: {"id": f, "links": []}
            ),
            st.builds(
                lambda name, ram: {"original_name": name, "vcpus": 1, "ram": ram, "disk": 1},
                text,
                st.integers(0, 10**6),
            ),
        )
    )
    payload = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"pd-robust/server/{index}")),
        "name": draw(text),
        "status": draw(st.one_of(st.sampled_from(["ACTIVE", "SHUTOFF", "ERROR"]), text)),
        "tenant_id": data.PROJECT_ID,
        "user_id": "1",
        "image": image,
        "flavor": flavor,
        "created": draw(timestamps),
        "os-extended-volumes:volumes_attached": [{"id": f"vol-{index}"}],
        "OS-EXT-STS:locked": False,
    }
    return api.nova.Server(nova_servers.Server(nova_servers.ServerManager(None), payload), None)


@st.composite
def nova_servers_list(draw):
    return [draw(nova_server(index)) for index in range(draw(st.integers(0, 4)))]


class Volume:
    def __init__(self, volume_id, metadata):
        self.id = volume_id
        self.volume_image_metadata = metadata


volume_lists = st.lists(
    st.builds(
        Volume,
        st.sampled_from([f"vol-{n}" for n in range(4)]),
        st.one_of(
            st.none(),
            st.just({}),
            st.sampled_from(IMAGE_IDS + [GONE_ID]).map(lambda i: {"image_id": i}),
        ),
    ),
    max_size=3,
)


def assert_no_raw_markup(test, response, where):
    html = response.content.decode()
    for tag in TAGS:
        test.assertNotIn(tag, html, f"{where}: unescaped {tag!r}")


def assert_safe_csv(test, response, expected_rows):
    test.assertEqual(response.status_code, 200)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    test.assertEqual(len(rows) - 1, expected_rows)
    for row in rows[1:]:
        for cell in row:
            test.assertFalse(cell.startswith(FORMULA_STARTS), f"formula cell {cell!r}")


class NoScss(FilterBase):
    """The theme's SCSS compiled to nothing: Horizon's ScssFilter has no cache of its own,
    so every example would compile the theme (3-15 s on a busy 2-core machine). These tests
    read markup, not colours."""

    def input(self, **kwargs):
        return ""


# COMPRESS_ENABLED off as well: the compressor's cache key ignores the precompilers, so an
# empty theme compiled here would otherwise be cached and served to every later page of the
# process (the browser tier's badges then have no colour).
NO_SCSS = override_settings(
    COMPRESS_ENABLED=False,
    COMPRESS_PRECOMPILERS=(("text/scss", f"{__name__}.NoScss"),),
)


def call_in_turn(*functions):
    """futurist_utils.call_functions_parallel without its threads: futurist's shutdown waits
    up to 1 s for an idle worker's poll, a second per JSON request and per compliance page.
    The order of calls does not change what the views answer."""
    results = []
    for entry in functions:
        if callable(entry):
            entry = (entry,)
        function, args, kwargs = entry[0], entry[1] if len(entry) > 1 else (), {}
        if len(entry) > 2:
            kwargs = entry[2]
        results.append(function(*args, **kwargs))
    return tuple(results)


class OneDjangoSetUpPerTest(HypothesisTestCase):
    """Hypothesis with Horizon's test cases: Django's set-up (client, login patch) once per
    test, not once per example. These views write no database row, so examples need no
    transaction of their own, and Horizon's login (a patch made in setUp) must stay."""

    __call__ = django_test.SimpleTestCase.__call__

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(futurist_utils, "call_functions_parallel", call_in_turn)
        patcher.start()
        self.addCleanup(patcher.stop)

    def setup_example(self):
        pass

    def teardown_example(self, example):
        pass


class RobustnessMixin(OneDjangoSetUpPerTest):
    def serve(self, image_list, server_list, volume_list):
        self.mock_cloud(image_list=image_list, server_list=server_list, volume_list=volume_list)
        by_id = {image.id: image for image in image_list}

        def image_get(request, image_id):
            if image_id not in by_id:
                raise self.exceptions.glance
            return by_id[image_id]

        self.mock_image_get.side_effect = image_get
        self.mock_tenant_list.return_value = (self.tenants.list(), False)

    def get_page(self, url, *, expect=200):
        response = self.client.get(url)
        self.assertEqual(response.status_code, expect, url)
        assert_no_raw_markup(self, response, url)
        return response

    def get_json(self, url, params=None):
        """Horizon's REST views, called with the logged-in test user's request (the test
        client cannot wrap Horizon's JSONResponse)."""
        request = self.factory.get(url, params or {}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        request.user = auth_utils.get_user(request)
        request.session = self.client.session
        match = resolve(url)
        response = match.func(request, *match.args, **match.kwargs)
        self.assertEqual(response.status_code, 200, (url, response.content[:300]))
        return json.loads(response.content)


@NO_SCSS
class ProjectViewsTests(RobustnessMixin, TestCase):
    @helpers.create_mocks(MOCKS)
    @EXAMPLES
    @given(image_list=glance_images(), server_list=nova_servers_list(), volume_list=volume_lists)
    def test_project_views_never_fail(self, image_list, server_list, volume_list):
        self.serve(image_list, server_list, volume_list)

        self.get_page(reverse("horizon:project:image_patch_status:index"))
        for image in image_list[:2]:
            record = parse_image(image_payload(image))
            response = self.get_page(
                reverse("horizon:project:image_patch_status:detail", args=[image.id])
            )
            html = response.content.decode()
            # Every value that did not parse is listed as it was, escaped.
            for key, raw in record.invalid.items():
                self.assertIn(escape(raw), html, key)
            if record.invalid:
                self.assertIn('id="patch-invalid-values"', html)
            if "image_build_date" in record.invalid:
                self.assertIn('<span class="text-muted">unknown</span>', html)
        # An image that is not in the listing: back to the index, no 500.
        self.get_page(
            reverse("horizon:project:image_patch_status:detail", args=[GONE_ID]), expect=302
        )

        self.get_page(reverse("horizon:project:outdated_instances:index") + "?show=all")
        export = self.client.get(reverse("horizon:project:outdated_instances:export"))
        assert_safe_csv(self, export, len(server_list))

        body = self.get_json("/api/patch_dashboard/instances/")
        self.assertEqual(len(body["items"]), len(server_list))
        states = self.get_json("/api/patch_dashboard/images/states/")
        self.assertEqual(set(states["images"]), {image.id for image in image_list})
        guidance = self.get_json(f"/api/patch_dashboard/images/{image_list[0].id}/guidance/")
        self.assertIn("flavors", guidance)


@NO_SCSS
class AdminViewsTests(RobustnessMixin, AdminTestCase):
    @helpers.create_mocks(MOCKS)
    @EXAMPLES
    @given(image_list=glance_images(), server_list=nova_servers_list(), volume_list=volume_lists)
    def test_admin_views_never_fail(self, image_list, server_list, volume_list):
        self.serve(image_list, server_list, volume_list)

        self.get_page(reverse("horizon:admin:patch_compliance:index"))
        export = self.client.get(reverse("horizon:admin:patch_compliance:export"))
        assert_safe_csv(self, export, len(server_list))
        self.get_page(reverse("horizon:admin:image_lifecycle:index"))
        first = image_list[0].id
        for name in ("deprecate", "obsolete"):
            self.get_page(reverse(f"horizon:admin:image_lifecycle:{name}") + f"?image={first}")
        self.get_page(reverse("horizon:admin:image_lifecycle:metadata", args=[first]))


# ---------------------------------------------------------------- CSV formula cells

FORMULAS = {
    '=HYPERLINK("http://example.invalid","click")',
    "+SUM(1,1)",
    "-2+3",
    "@SUM(A1)",
}


@NO_SCSS
class CsvFormulaTests(RobustnessMixin, AdminTestCase):
    """Names and reasons that start like a formula come out as text in both exports."""

    def hostile_cloud(self):
        image = data.glance_image(
            "formula-image",
            '=HYPERLINK("http://example.invalid","click")',
            image_build_date=data.days_ago(400),
            image_name="@SUM(A1)",
            deprecation_state="deprecated",
            deprecation_reason="-2+3",
        )
        servers = [
            data.nova_server(name, image_uuid=image.id) for name in ("+SUM(1,1)", "-2+3", "@x")
        ]
        return [image, *data.images().values()], servers

    def cells(self, response):
        self.assertEqual(response.status_code, 200)
        return [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]

    @helpers.create_mocks(MOCKS)
    def test_formula_cells_are_neutralised(self):
        image_list, server_list = self.hostile_cloud()
        self.serve(image_list, server_list, data.volumes())
        for url in (
            reverse("horizon:project:outdated_instances:export"),
            reverse("horizon:admin:patch_compliance:export"),
        ):
            cells = self.cells(self.client.get(url))
            self.assertFalse([c for c in cells if c.startswith(FORMULA_STARTS)], url)
            # Still readable: the value is there, behind a quote.
            for formula in FORMULAS - {"@SUM(A1)"}:
                self.assertIn("'" + formula, cells, url)
            self.assertIn("'@x", cells, url)


# ---------------------------------------------------------------- concurrent and failed writes

LIFECYCLE_MOCKS = {
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


def shown_values(html):
    """The form fields and Django's hidden initials, as a browser would post them back."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        fields[name] = unescape(chosen.group(1)) if chosen else ""
    return fields


@NO_SCSS
class WriteSafetyTests(AdminTestCase):
    def serve(self, image_list):
        self.mock_cloud(image_list=image_list)
        by_id = {image.id: image for image in image_list}
        self.mock_image_get.side_effect = lambda request, image_id: by_id[image_id]
        self.mock_tenant_list.return_value = (self.tenants.list(), False)

    def sent_operations(self):
        patch = self.mock_glanceclient.return_value.http_client.patch
        return [json.loads(call.kwargs["data"]) for call in patch.call_args_list]

    @helpers.create_mocks(LIFECYCLE_MOCKS)
    def test_two_admins_edit_different_keys_of_one_image(self):
        """Both open Edit Patch Metadata; A saves patchlevel, then B saves replace_frequency
        from the dialog B opened before A saved: B's save must not put A's patchlevel back."""
        url = reverse("horizon:admin:image_lifecycle:metadata", args=[data.image_id("ubuntu-old")])
        self.serve(list(data.images().values()))
        shown = shown_values(self.client.get(url).content.decode())
        self.assertIn("initial-patchlevel", shown)
        # A's save has reached Glance meanwhile.
        self.serve(
            [
                data.glance_image(
                    "ubuntu-old",
                    "Ubuntu 24.04 20240901",
                    image_build_date=data.days_ago(70),
                    patchlevel="set-by-admin-a",
                    **data.UBUNTU,
                )
            ]
        )
        response = self.client.post(url, {**shown, "replace_frequency": "weekly"})
        self.assertNoFormErrors(response)
        self.assertEqual(
            self.sent_operations(),
            [[{"op": "add", "path": "/replace_frequency", "value": "weekly"}]],
        )

    @helpers.create_mocks(LIFECYCLE_MOCKS)
    def test_obsolete_whose_deactivation_fails_leaves_the_image_as_it_was(self):
        self.serve(list(data.images().values()))
        self.mock_image_deactivate.side_effect = self.exceptions.glance
        image_id = data.image_id("ubuntu-old")
        response = self.client.post(
            reverse("horizon:admin:image_lifecycle:obsolete"),
            {
                "images": [image_id],
                "replacement": data.image_id("ubuntu-new"),
                "previewed_replacement": data.image_id("ubuntu-new"),
                "reason": "CVE-2099-0001",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertMessageCount(response, error=1)
        # Obsolete deactivates first: refused there, nothing is written and nothing undone.
        self.assertEqual(self.sent_operations(), [])
        self.mock_image_reactivate.assert_not_called()
        self.mock_image_deactivate.assert_called_once_with(helpers.IsHttpRequest(), image_id)


@NO_SCSS
class SnapshotOfEndOfLifeImageTests(RobustnessMixin, TestCase):
    """Found on the development cloud: a snapshot inherits end-of-life from its base image,
    but has no end date of its own."""

    def cloud(self):
        base = data.glance_image(
            "eol-base",
            "Fedora 38",
            image_build_date=data.days_ago(400),
            os_distro="fedora",
            os_version="38",
            replace_frequency="never",
            provided_until=data.days_ago(30),
        )
        snapshot = data.glance_image(
            "eol-snapshot",
            "backup of app-76",
            image_type="snapshot",
            base_image_ref=base.id,
            visibility="private",
        )
        return [base, snapshot]

    @helpers.create_mocks(MOCKS)
    def test_pages_show_the_snapshot(self):
        self.serve(self.cloud(), [], [])
        response = self.get_page(reverse("horizon:project:image_patch_status:index"))
        self.assertContains(response, "backup of app-76")

    @helpers.create_mocks(MOCKS)
    def test_launch_states_endpoint(self):
        self.serve(self.cloud(), [], [])
        states = self.get_json("/api/patch_dashboard/images/states/")
        self.assertEqual(len(states["images"]), 2)
