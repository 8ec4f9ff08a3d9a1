"""The ``openstack`` CLI plugin against a fake openstacksdk connection.

The fake answers as Glance and Nova do (their JSON, Glance's JSON patches applied to its
images, its 403 for a refused write), so these tests check what a user of the CLI sees and
what it sends: the core's states and plans, the dashboard's codes, the exit codes, the
formats, and that a dry run writes nothing. The real services are in
tests/integration/test_cli_devcloud.py.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from patch_dashboard.cli import cloud as cloud_module
from patch_dashboard.cli import inventory, signing, text
from patch_dashboard.cli.cloud import Cloud
from patch_dashboard.cli.images import ListImagePatch, ShowImagePatch
from patch_dashboard.cli.lifecycle import DeprecateImage, ObsoleteImage, RestoreImage
from patch_dashboard.cli.servers import ListOutdatedServer
from patch_dashboard.lifecycle import parse_image
from patch_dashboard.lifecycle.actions import APPLIED_KEY, plan_deprecation, plan_restore

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
KEY = "horizon-secret-key-of-this-deployment"
PROJECT = "p-alpha"


# ---------------------------------------------------------------- the fake cloud


class Response:
    def __init__(self, status_code: int, body=None):
        self.status_code = status_code
        self._body = body
        self.text = json.dumps(body) if body is not None else ""

    def json(self):
        if self._body is None:
            raise ValueError("not JSON")
        return self._body


def glance_image(image_id, name, **properties):
    body = {
        "id": image_id,
        "name": name,
        "status": "active",
        "visibility": "public",
        "os_hidden": False,
        "owner": "p-admin",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "min_ram": 0,
        "min_disk": 0,
        "tags": [],
        "protected": False,
    }
    body.update(properties)
    return body


class FakeGlance:
    """Glance's v2 API as far as the CLI uses it; ``calls`` logs every request."""

    def __init__(self, images, *, page=1000, refuse_writes=False):
        self.images = {image["id"]: image for image in images}
        self.page = page
        self.refuse_writes = refuse_writes
        self.calls = []

    def get(self, path):
        self.calls.append(("GET", path))
        url = urlsplit(path)
        if url.path.startswith("/images/"):
            image = self.images.get(url.path.rsplit("/", 1)[1])
            return Response(200, copy.deepcopy(image)) if image else Response(404, {})
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        hidden = query.get("os_hidden") == "true"
        listed = [i for i in self.images.values() if bool(i.get("os_hidden")) == hidden]
        start = 0
        if "marker" in query:
            start = [i["id"] for i in listed].index(query["marker"]) + 1
        limit = min(int(query.get("limit", 25)), self.page)
        batch = listed[start : start + limit]
        body = {"images": copy.deepcopy(batch)}
        if start + limit < len(listed):
            more = dict(query, marker=batch[-1]["id"])
            body["next"] = "/v2/images?" + "&".join("%s=%s" % kv for kv in more.items())
        return Response(200, body)

    def _refused(self):
        response = Response(403)
        response.text = (  # Glance's own answer, an HTML page
            "<html>\n <head>\n  <title>403 Forbidden</title>\n </head>\n <body>\n"
            "  <h1>403 Forbidden</h1>\n  You are not authorized to complete modify_image"
            " action.<br /><br />\n\n\n\n </body>\n</html>"
        )
        return response

    def patch(self, path, data=None, headers=None):
        self.calls.append(("PATCH", path, json.loads(data), dict(headers or {})))
        if self.refuse_writes:
            return self._refused()
        image = self.images[path.rsplit("/", 1)[1]]
        for operation in json.loads(data):
            key = operation["path"][1:].replace("~1", "/").replace("~0", "~")
            if operation["op"] == "add":
                image[key] = operation["value"]
            else:
                del image[key]
        return Response(200, copy.deepcopy(image))

    def post(self, path):
        self.calls.append(("POST", path))
        if self.refuse_writes:
            return self._refused()
        _, image_id, _, action = path.strip("/").split("/")
        self.images[image_id]["status"] = "deactivated" if action == "deactivate" else "active"
        return Response(204)

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ("PATCH", "POST")]


class FakeCompute:
    def __init__(self, servers, flavors, *, page=1000):
        self.servers = servers
        self.flavor_list = flavors
        self.page = page
        self.calls = []

    def get(self, path):
        self.calls.append(("GET", path))
        query = {key: values[0] for key, values in parse_qs(urlsplit(path).query).items()}
        listed = self.servers
        if "all_tenants" not in query:
            listed = [s for s in listed if s["tenant_id"] == PROJECT]
        if "project_id" in query:
            listed = [s for s in listed if s["tenant_id"] == query["project_id"]]
        start = 0
        if "marker" in query:
            start = [s["id"] for s in listed].index(query["marker"]) + 1
        limit = min(int(query["limit"]), self.page)
        return Response(200, {"servers": copy.deepcopy(listed[start : start + limit])})

    def flavors(self, **query):
        self.calls.append(("flavors", query))
        return list(self.flavor_list)


class FakeConnection:
    """An openstacksdk Connection as far as the CLI uses it."""

    def __init__(self, images, servers=(), flavors=(), *, admin=False, **options):
        self.image = FakeGlance(images, page=options.get("glance_page", 1000))
        self.image.refuse_writes = options.get("refuse_writes", False)
        self.compute = FakeCompute(list(servers), list(flavors))
        self.current_user_id = "u-admin" if admin else "u-member"
        self.current_project_id = PROJECT
        roles = ["admin", "member"] if admin else ["member"]
        access = SimpleNamespace(role_names=roles)
        self.session = SimpleNamespace(auth=SimpleNamespace(get_access=lambda _s: access))
        self.identity = SimpleNamespace(
            projects=lambda: [SimpleNamespace(id=PROJECT, name="alpha")],
            find_project=lambda name, ignore_missing=True: (
                SimpleNamespace(id=PROJECT) if name in ("alpha", PROJECT) else None
            ),
        )

    def has_service(self, name):
        return False


def server(server_id, image_id, *, flavor="f-small", project=PROJECT):
    return {
        "id": server_id,
        "name": server_id,
        "status": "ACTIVE",
        "tenant_id": project,
        "image": {"id": image_id} if image_id else "",
        "flavor": {"id": flavor},
        "created": "2026-02-01T00:00:00Z",
    }


FLAVORS = [
    {"id": "f-tiny", "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1, "is_public": True},
    {"id": "f-small", "name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20, "is_public": True},
]
FAMILY = {
    "os_distro": "ubuntu",
    "os_version": "24.04",
    "architecture": "x86_64",
    "os_purpose": "generic",
    "replace_frequency": "quarterly",
}


def seed_images():
    return [
        glance_image("img-new", "Ubuntu 24.04", image_build_date="2026-11-28", **FAMILY),
        glance_image("img-old", "Ubuntu 24.04 20261024", image_build_date="2026-10-24", **FAMILY),
        glance_image(
            "img-other", "Debian 12", os_distro="debian", os_version="12",
            architecture="x86_64", os_purpose="generic", image_build_date="2026-11-20",
        ),
    ]  # fmt: skip


def seed_servers():
    return [
        server("vm-old", "img-old"),
        server("vm-new", "img-new"),
        server("vm-gone", "img-deleted"),
        server("vm-beta", "img-old", project="p-beta"),
    ]


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(inventory, "utcnow", lambda: NOW)


def make_connection(**options):
    images = options.pop("images", None) or seed_images()
    return FakeConnection(images, seed_servers(), FLAVORS, **options)


def run(command_class, argv, connection, *, environ=None):
    """Run one command as OSC does: parse, take action, format; (exit code, stdout, stderr)."""
    app = SimpleNamespace(
        client_manager=SimpleNamespace(patch=Cloud(connection)),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        options=SimpleNamespace(debug=False),
    )
    command = command_class(app, None)
    parser = command.get_parser("openstack test")
    parsed = parser.parse_args(argv)
    code = command.run(parsed)
    return code, app.stdout.getvalue(), app.stderr.getvalue()


def run_json(command_class, argv, connection, **kwargs):
    code, out, err = run(command_class, [*argv, "-f", "json"], connection, **kwargs)
    return code, json.loads(out), err


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    monkeypatch.delenv(signing.KEY_VARIABLE, raising=False)
    monkeypatch.delenv(signing.KEY_FILE_VARIABLE, raising=False)
    path = tmp_path / "secret_key_store"
    path.write_text(KEY)
    return str(path)


@pytest.fixture(autouse=True)
def no_key_from_the_environment(monkeypatch):
    monkeypatch.delenv(signing.KEY_VARIABLE, raising=False)
    monkeypatch.delenv(signing.KEY_FILE_VARIABLE, raising=False)


# ---------------------------------------------------------------- listing


def test_image_patch_list_gives_the_cores_states_and_recommendations():
    code, rows, _err = run_json(ListImagePatch, [], make_connection())
    assert code == 0
    by_id = {row["ID"]: row for row in rows}
    assert by_id["img-old"]["State"] == "superseded"
    assert by_id["img-old"]["Flags"] == ["superseded"]
    assert by_id["img-old"]["Recommended Image ID"] == "img-new"
    assert by_id["img-old"]["Family Key"] == "scs:ubuntu/24.04/x86_64/generic"
    assert by_id["img-old"]["Reason"] == (
        "Superseded: 1 newer build of Ubuntu 24.04 exists. The latest is Ubuntu 24.04."
    )
    assert by_id["img-new"]["State"] == "current"
    assert by_id["img-new"]["Recommended Image ID"] is None
    assert by_id["img-old"]["Instances"] == 1  # the project's, not project beta's


def test_image_patch_list_filters_by_state_and_family():
    connection = make_connection()
    _code, rows, _err = run_json(ListImagePatch, ["--state", "superseded"], connection)
    assert [row["ID"] for row in rows] == ["img-old"]
    _code, rows, _err = run_json(ListImagePatch, ["--family", "ubuntu 24.04"], connection)
    assert [row["ID"] for row in rows] == ["img-new", "img-old"]  # newest build first


def test_a_state_that_does_not_exist_is_a_usage_error():
    with pytest.raises(SystemExit) as stopped:
        run(ListImagePatch, ["--state", "fresh"], make_connection())
    assert stopped.value.code == 2


def test_listing_is_one_paged_call_per_service_whatever_the_number_of_images(monkeypatch):
    built = {"image_name": "fam", "image_build_date": "2026-11-01"}
    images = [glance_image("img-%03d" % n, "Build %03d" % n, **built) for n in range(25)]
    connection = FakeConnection(images, [server("vm-%d" % n, "img-001") for n in range(7)], FLAVORS)
    connection.image.page = 10
    monkeypatch.setattr(cloud_module, "NOVA_PAGE", 3)
    connection.compute.page = 3
    code, rows, _err = run_json(ListOutdatedServer, [], connection)
    assert code == 0
    assert len(rows) == 7
    glance_lists = [call for call in connection.image.calls if call[1].startswith("/images?")]
    # 25 images in pages of 10 (3 calls), then the hidden ones (1 call): never a call per row
    assert len(glance_lists) == 4
    assert not [call for call in connection.image.calls if call[1].startswith("/images/")]
    assert len(connection.compute.calls) == 3 + 1  # 7 servers in pages of 3, the flavors


def test_image_patch_show_gives_the_lineage_newest_first_and_unreadable_values():
    images = seed_images()
    images[1]["image_build_date"] = "2026-10-24"
    images.append(glance_image("img-bad", "Broken", image_build_date="yesterday-ish"))
    code, shown, _err = run_json(
        ShowImagePatch, ["Ubuntu 24.04 20261024"], make_connection(images=images)
    )
    assert code == 0
    assert shown["state"] == "superseded"
    assert [build["id"] for build in shown["lineage"]] == ["img-new", "img-old"]
    assert shown["lineage"][0]["recommended"] is True
    assert shown["reasons"] == [
        {
            "code": "superseded",
            "text": "Superseded: 1 newer build of Ubuntu 24.04 exists. The latest is Ubuntu 24.04.",
        }
    ]
    _code, broken, _err = run_json(ShowImagePatch, ["img-bad"], make_connection(images=images))
    assert broken["unreadable"] == {"image_build_date": "yesterday-ish"}


def test_an_image_name_that_is_not_unique_asks_for_the_id():
    images = seed_images() + [glance_image("img-twin", "Debian 12", image_build_date="2026-11-20")]
    with pytest.raises(Exception, match="More than one image is named 'Debian 12'"):
        run(ShowImagePatch, ["Debian 12"], make_connection(images=images))


def test_server_outdated_list_has_the_dashboards_rows():
    from patch_dashboard.api.instance_rows import instance_rows
    from patch_dashboard.lifecycle import assess_cloud, parse_flavor, parse_server

    connection = make_connection()
    code, rows, _err = run_json(ListOutdatedServer, [], connection)
    assert code == 0
    cloud = assess_cloud(
        images=[parse_image(i) for i in seed_images()],
        servers=[parse_server(s) for s in seed_servers() if s["tenant_id"] == PROJECT],
        flavors=[parse_flavor(f) for f in FLAVORS],
        now=NOW,
        private_flavors_usable=True,
    )
    expected = [row.as_dict() for row in instance_rows(cloud) if row.outdated]
    codes = ("id", "state", "days_behind", "builds_behind", "recommended_image_id")
    columns = ("ID", "State", "Days Behind", "Builds Behind", "Recommended Image ID")
    assert [[r[c] for c in columns] for r in rows] == [[e[c] for c in codes] for e in expected]
    assert [r["Reason Codes"] for r in rows] == [
        [d["code"] for d in e["reasons"]] for e in expected
    ]
    assert [r["Reasons"] for r in rows] == [[d["text"] for d in e["reasons"]] for e in expected]
    flavors = [e["recommended_flavor_id"] for e in expected]
    assert [r["Recommended Flavor ID"] for r in rows] == flavors
    assert {r["ID"] for r in rows} == {"vm-old", "vm-gone"}
    assert next(r for r in rows if r["ID"] == "vm-gone")["State"] == "image-deleted"


def test_server_outdated_list_all_projects_names_the_projects():
    _code, rows, _err = run_json(
        ListOutdatedServer, ["--all-projects"], make_connection(admin=True)
    )
    assert {r["ID"] for r in rows} == {"vm-old", "vm-gone", "vm-beta"}
    assert next(r for r in rows if r["ID"] == "vm-old")["Project"] == "alpha"
    assert next(r for r in rows if r["ID"] == "vm-beta")["Project"] == "p-beta"  # no name: its id


# ---------------------------------------------------------------- formats


HOSTILE = '=HYPERLINK("http://x")\x1b[2J\u202eevil\nfake row'


def test_csv_cells_are_neutralised_as_the_dashboards_export():
    images = seed_images()
    images[2]["name"] = HOSTILE
    code, out, _err = run(
        ListImagePatch, ["-f", "csv", "-c", "Name"], make_connection(images=images)
    )
    assert code == 0
    cells = out.splitlines()
    assert "'=HYPERLINK" in out  # a leading quote: not a formula
    assert "\x1b" not in out and "\u202e" not in out
    assert len(cells) == 1 + 3  # the header and three rows: no newline let through


def test_table_shows_control_characters_as_replacement_marks():
    images = seed_images()
    images[2]["name"] = HOSTILE
    _code, out, _err = run(ListImagePatch, ["-c", "Name"], make_connection(images=images))
    assert "\x1b" not in out and "\u202e" not in out
    assert "\ufffd[2J\ufffdevil\ufffdfake row" in out


def test_list_cells_are_cleaned_value_by_value_and_keep_their_own_line_breaks():
    images = seed_images()
    images[0]["name"] = "Ubuntu\x1b]0;owned\x07 24.04"
    _code, out, _err = run(
        ShowImagePatch,
        ["img-old", "-c", "lineage", "--max-width", "0"],
        make_connection(images=images),
    )
    assert "\x1b" not in out and "\x07" not in out
    assert "name='Ubuntu\ufffd]0;owned\ufffd 24.04'" in out
    lines = [line for line in out.splitlines() if "id='img-" in line]
    assert len(lines) == 2  # one line per build: the column's own layout is kept


def test_json_keeps_values_as_glance_holds_them():
    images = seed_images()
    images[2]["name"] = HOSTILE
    _code, rows, _err = run_json(ListImagePatch, [], make_connection(images=images))
    assert HOSTILE in {row["Name"] for row in rows}


def test_help_shows_examples_line_by_line():
    app = SimpleNamespace(options=SimpleNamespace(debug=False))
    for command_class in (ListImagePatch, ShowImagePatch, ListOutdatedServer, DeprecateImage,
                          ObsoleteImage, RestoreImage):  # fmt: skip
        help_text = command_class(app, None).get_parser("openstack x").format_help()
        assert "\nexamples:\n  openstack " in help_text, command_class


# ---------------------------------------------------------------- deprecate, obsolete, restore


def test_deprecate_sends_the_cores_plan_signed_as_the_dashboard_signs(key_file):
    connection = make_connection()
    before = parse_image(copy.deepcopy(connection.image.images["img-old"]))
    code, rows, _err = run_json(
        DeprecateImage,
        ["img-old", "--reason", "CVE-2026-0001", "--signing-key-file", key_file],
        connection,
    )
    assert code == 0
    assert rows[0]["Result"] == "deprecated"
    assert rows[0]["Replacement ID"] == "img-new"  # the newest usable build of its family
    patches = [call for call in connection.image.writes if call[0] == "PATCH"]
    assert len(patches) == 1
    _, path, operations, headers = patches[0]
    assert path == "/images/img-old"
    assert headers["Content-Type"] == "application/openstack-images-v2.1-json-patch"
    expected = plan_deprecation(
        before,
        obsolete=False,
        replacement_id="img-new",
        reason="CVE-2026-0001",
        user_id="u-member",
        now=NOW,
        signer=signing.record_signer(key_file),
    )
    assert operations == expected.operations()
    # the dashboard's signer (Horizon's SECRET_KEY, the same salt) verifies the record
    from django.core import signing as django_signing
    from django.test import override_settings

    with override_settings(SECRET_KEY=KEY, SECRET_KEY_FALLBACKS=[]):
        from patch_dashboard.api.lifecycle import record_signer

        record = json.loads(record_signer().unsign(connection.image.images["img-old"][APPLIED_KEY]))
    assert record["image"] == "img-old"
    assert record["changed"]["os_hidden"] == {"before": False, "after": True}
    with pytest.raises(django_signing.BadSignature):
        django_signing.Signer(key="another", salt=signing.RECORD_SALT).unsign(
            connection.image.images["img-old"][APPLIED_KEY]
        )


def test_deprecate_then_restore_leaves_every_property_as_before(key_file):
    connection = make_connection()
    before = copy.deepcopy(connection.image.images["img-old"])
    run(DeprecateImage, ["img-old", "--reason", "x", "--signing-key-file", key_file], connection)
    assert connection.image.images["img-old"]["os_hidden"] is True
    code, rows, _err = run_json(
        RestoreImage, ["img-old", "--signing-key-file", key_file], connection
    )
    assert code == 0 and rows[0]["Result"] == "restored"
    assert connection.image.images["img-old"] == before


def test_obsolete_then_restore_reactivates_and_leaves_every_property_as_before(
    monkeypatch, key_file
):
    monkeypatch.setenv(signing.KEY_FILE_VARIABLE, key_file)
    connection = make_connection()
    before = copy.deepcopy(connection.image.images["img-old"])
    code, rows, _err = run_json(ObsoleteImage, ["img-old", "--reason", "gone"], connection)
    assert code == 0 and rows[0]["Result"] == "obsolete"
    assert connection.image.images["img-old"]["status"] == "deactivated"
    assert [call[0] for call in connection.image.writes] == ["POST", "PATCH"]  # deactivate first
    run(RestoreImage, ["img-old"], connection)
    assert connection.image.images["img-old"] == before


def test_dry_run_writes_nothing_and_prints_the_patch_and_the_impact(key_file):
    connection = make_connection(admin=True)
    before = copy.deepcopy(connection.image.images)
    code, rows, _err = run_json(
        DeprecateImage,
        ["img-old", "--reason", "x", "--dry-run", "--signing-key-file", key_file],
        connection,
    )
    assert code == 0
    assert connection.image.writes == []
    assert connection.image.images == before
    assert rows[0]["Result"] == "dry run: would be deprecated"
    assert {"op": "add", "path": "/deprecation_state", "value": "deprecated"} in rows[0]["Patch"]
    # every project's instances on the image, each with where it would go
    assert sorted(item["instance_id"] for item in rows[0]["Impact"]) == ["vm-beta", "vm-old"]
    assert {item["target_image_id"] for item in rows[0]["Impact"]} == {"img-new"}
    code, rows, _err = run_json(RestoreImage, ["img-old", "--dry-run"], connection)
    assert connection.image.writes == []


def test_a_refusal_by_glance_is_exit_1_with_its_message_and_stops_there(key_file):
    connection = make_connection(refuse_writes=True)
    before = copy.deepcopy(connection.image.images)
    code, rows, err = run_json(
        DeprecateImage,
        [
            "img-old",
            "Debian 12",
            "--reason",
            "x",
            "--no-replacement",
            "--signing-key-file",
            key_file,
        ],
        connection,
    )
    assert code == 1
    assert rows[0]["Result"].startswith("failed: Glance refused to change the properties")
    assert (
        "(HTTP 403): 403 Forbidden You are not authorized to complete modify_image action." in err
    )
    assert rows[1]["Result"] == "not attempted"
    assert len(connection.image.writes) == 1
    assert connection.image.images == before


def test_obsolete_refused_after_the_deactivation_reactivates():
    connection = make_connection()
    real_patch = connection.image.patch

    def refuse(path, data=None, headers=None):
        real_patch(path, data="[]", headers=headers)
        return connection.image._refused()

    connection.image.patch = refuse
    code, _rows, _err = run_json(ObsoleteImage, ["img-old", "--reason", "x"], connection)
    assert code == 1
    assert connection.image.images["img-old"]["status"] == "active"
    assert [c[1] for c in connection.image.writes if c[0] == "POST"] == [
        "/images/img-old/actions/deactivate",
        "/images/img-old/actions/reactivate",
    ]


def test_without_a_key_restore_refuses_clearly_and_writes_nothing(key_file):
    connection = make_connection()
    run(DeprecateImage, ["img-old", "--reason", "x", "--signing-key-file", key_file], connection)
    deprecated = copy.deepcopy(connection.image.images["img-old"])
    writes = len(connection.image.writes)
    code, rows, err = run_json(RestoreImage, ["img-old"], connection)
    assert code == 1
    assert "restore refuses: no signing key was given" in rows[0]["Result"]
    assert "--signing-key-file" in err
    assert len(connection.image.writes) == writes
    assert connection.image.images["img-old"] == deprecated


def test_a_record_signed_with_another_key_counts_as_absent(key_file, tmp_path):
    connection = make_connection()
    run(DeprecateImage, ["img-old", "--reason", "x", "--signing-key-file", key_file], connection)
    other = tmp_path / "other"
    other.write_text("another deployment")
    code, rows, _err = run_json(
        RestoreImage, ["img-old", "--signing-key-file", str(other)], connection
    )
    assert code == 1
    assert "its record was not signed with this key" in rows[0]["Result"]
    # --without-record: the deprecation keys go, os_hidden / os_purpose stay (the core's plan)
    code, rows, _err = run_json(
        RestoreImage, ["img-old", "--signing-key-file", str(other), "--without-record"], connection
    )
    assert code == 0
    image = connection.image.images["img-old"]
    assert "deprecation_state" not in image and APPLIED_KEY not in image
    assert image["os_hidden"] is True and image["os_purpose"] == "oldgeneric"


def test_without_a_key_deprecate_writes_an_unsigned_record_and_says_so():
    connection = make_connection()
    code, _rows, err = run_json(DeprecateImage, ["img-old", "--reason", "x"], connection)
    assert code == 0
    assert "No signing key given" in err
    image = connection.image.images["img-old"]
    assert image["deprecation_state"] == "deprecated"
    record = parse_image(image)
    assert plan_restore(record, signer=signing.record_signer(environ={})).unrecorded


def test_without_a_key_deprecate_does_not_write_over_a_signed_record(key_file):
    connection = make_connection()
    run(DeprecateImage, ["img-old", "--reason", "x", "--signing-key-file", key_file], connection)
    signed = copy.deepcopy(connection.image.images["img-old"])
    code, rows, _err = run_json(DeprecateImage, ["img-old", "--reason", "y"], connection)
    assert code == 1
    assert "carries a restore record" in rows[0]["Result"]
    assert connection.image.images["img-old"] == signed


def test_one_replacement_for_two_families_is_refused_before_any_write():
    connection = make_connection()
    with pytest.raises(Exception, match="cannot replace images of several families"):
        run(
            DeprecateImage,
            ["img-old", "Debian 12", "--reason", "x", "--replacement", "img-new"],
            connection,
        )
    assert connection.image.writes == []


def test_an_obsolete_date_before_the_deprecation_is_refused():
    with pytest.raises(Exception, match="obsolete date must be later"):
        run(
            DeprecateImage,
            ["img-old", "--reason", "x", "--at", "2027-02-01", "--obsolete-at", "2027-01-01"],
            make_connection(),
        )


def test_a_date_that_cannot_be_read_is_a_usage_error():
    with pytest.raises(SystemExit) as stopped:
        run(DeprecateImage, ["img-old", "--reason", "x", "--at", "soon"], make_connection())
    assert stopped.value.code == 2


# ---------------------------------------------------------------- keys, words, purity


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de-de"),
        ({"LANGUAGE": "de:en", "LANG": "en_US.UTF-8"}, "de"),
        ({"LC_ALL": "C"}, "en"),
        ({"LC_MESSAGES": "pt_BR@euro"}, "pt-br"),
        ({}, "en"),
    ],
)
def test_locale_language(environ, language):
    assert text.locale_language(environ) == language


def test_the_key_file_is_read_as_horizon_writes_it(tmp_path):
    path = tmp_path / "key"
    path.write_text(KEY + "\n")
    assert signing.read_key_file(path) == KEY
    path.write_text("")
    with pytest.raises(signing.SigningKeyError, match="empty"):
        signing.read_key_file(path)
    with pytest.raises(signing.SigningKeyError, match="cannot read"):
        signing.read_key_file(tmp_path / "missing")
    assert signing.record_signer(environ={signing.KEY_VARIABLE: KEY}).signed is True
    assert signing.record_signer(environ={}).signed is False


PURITY = """
import json, sys
from patch_dashboard.cli import images, lifecycle, plugin, servers, signing, text
text.configure({"LANG": "de_DE.UTF-8"})
from patch_dashboard import wording
from patch_dashboard.lifecycle import PatchState
signer = signing.record_signer(environ={"PATCH_DASHBOARD_SIGNING_KEY": "k"})
print(json.dumps({
    "loaded": sorted(sys.modules),
    "label": str(wording.STATE_LABELS[PatchState.SUPERSEDED]),
    "record": signer.unsign(signer.sign("x")),
}))
"""


def test_the_cli_loads_no_horizon_and_speaks_the_users_language():
    done = subprocess.run(
        [sys.executable, "-c", PURITY],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    forbidden = ("horizon", "openstack_dashboard", "glanceclient", "novaclient")
    assert [m for m in report["loaded"] if m.split(".")[0] in forbidden] == []
    assert report["label"] == "Abgelöst"  # the plugin's own German catalog
    assert report["record"] == "x"


def test_obsolete_without_a_reason_keeps_the_reason_the_image_has(key_file):
    connection = make_connection()
    run(
        DeprecateImage,
        ["img-old", "--reason", "CVE-2026-0002", "--signing-key-file", key_file],
        connection,
    )
    code, rows, _err = run_json(
        ObsoleteImage, ["img-old", "--signing-key-file", key_file], connection
    )
    assert code == 0 and rows[0]["Result"] == "obsolete"
    assert connection.image.images["img-old"]["deprecation_reason"] == "CVE-2026-0002"
    code, rows, _err = run_json(ObsoleteImage, ["Debian 12"], connection)
    assert code == 1 and "give --reason" in rows[0]["Result"]


def test_an_explicit_replacement_of_the_same_family_is_written():
    connection = make_connection()
    code, rows, _err = run_json(
        DeprecateImage, ["img-old", "--reason", "x", "--replacement", "Ubuntu 24.04"], connection
    )
    assert code == 0 and rows[0]["Replacement ID"] == "img-new"
    assert connection.image.images["img-old"]["replaced_by"] == "img-new"
