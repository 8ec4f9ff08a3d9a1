"""The ``openstack`` CLI plugin against the development cloud, run as a user runs it.

Each test starts ``.venv/bin/openstack`` as a subprocess with the ``OS_*`` variables of a
seeded user (real Keystone, Glance, Nova) and compares what it prints with what the
dashboard's JSON endpoints answer the same user, and with what Glance holds. Writes happen
only on images the test creates itself (``scratch_image``) and deletes afterwards.
"""

import json
import os
import pathlib
import subprocess
import uuid

import pytest

from tests.integration.conftest import _state_dir

pytestmark = pytest.mark.integration

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
OPENSTACK = CHECKOUT / ".venv" / "bin" / "openstack"
AJAX = {"X-Requested-With": "XMLHttpRequest"}
TIMEOUT = 180


@pytest.fixture(scope="module")
def signing_key_file():
    """Horizon's SECRET_KEY of the development cloud (devcloud/horizon/local_settings.py)."""
    path = _state_dir() / "horizon" / ".secret_key_store"
    if not path.is_file():
        pytest.skip("the development cloud's Horizon key store %s is missing" % path)
    return str(path)


@pytest.fixture
def openstack(cloud, tmp_path):
    """openstack("alpha", "image", "patch", "list", "-f", "json") -> the finished process."""

    def run(who, *argv):
        user = cloud["users"][who]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),  # no clouds.yaml of the machine's user
            "LANG": "C.UTF-8",  # the dashboard's sessions in these tests speak English
            "OS_AUTH_URL": cloud["keystone_url"],
            "OS_USERNAME": user["username"],
            "OS_PASSWORD": user["password"],
            "OS_PROJECT_NAME": user["project"],
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_REGION_NAME": cloud["region"],
            "OS_IDENTITY_API_VERSION": "3",
        }
        return subprocess.run(
            [str(OPENSTACK), *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    if not OPENSTACK.is_file():
        pytest.fail("%s missing: pip install -r requirements/horizon.lock" % OPENSTACK)
    return run


def as_json(done):
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    return json.loads(done.stdout)


def endpoint(horizon, cloud, who, path, **params):
    response = horizon(who).get(
        cloud["horizon_url"] + path, params=params, headers=AJAX, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text[:500]
    return response.json()


# ---------------------------------------------------------------- the same answers


@pytest.mark.parametrize("who", ["alpha", "admin"])
def test_image_patch_list_gives_the_dashboards_states_reasons_and_recommendations(
    cloud, horizon, openstack, who
):
    listed = {
        row["ID"]: row for row in as_json(openstack(who, "image", "patch", "list", "-f", "json"))
    }
    states = endpoint(horizon, cloud, who, "/api/patch_dashboard/images/states/")["images"]
    # Other tests add images of their own meanwhile: compare the seeded ones.
    seeded = set(cloud["images"].values()) & set(states)
    assert seeded, "no seeded image visible to %s" % who
    assert seeded <= set(listed)
    for image_id in sorted(seeded):
        row, answer = listed[image_id], states[image_id]
        recommended = answer["recommended_image"]
        assert (
            row["State"],
            row["Flags"],
            row["Family Key"],
            row["Family"],
            row["Reason"],
            row["Recommended Image ID"],
        ) == (
            answer["state"],
            answer["flags"],
            answer["family_key"],
            answer["family_label"],
            answer["reason"],
            recommended["id"] if recommended else None,
        ), answer["name"]
    # the seed's states, as devcloud/seed.py planted them, are there ("unknown" aside: the
    # seed labels Alpine 3.20 so, but its SCS keys are family evidence, and the dashboard
    # and the CLI both call it current)
    expected = {
        seed["id"]: seed["expected_state"]
        for seed in cloud["seed"]["images"].values()
        if seed["id"] in seeded and seed["expected_state"] not in (None, "deleted")
    }
    assert {image_id: listed[image_id]["State"] for image_id in expected}.items() >= {
        image_id: state for image_id, state in expected.items() if state != "unknown"
    }.items()


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_server_outdated_list_gives_the_dashboards_reasons_and_recommendations(
    cloud, horizon, openstack, who
):
    rows = {
        row["ID"]: row
        for row in as_json(openstack(who, "server", "outdated", "list", "-f", "json"))
    }
    items = endpoint(horizon, cloud, who, "/api/patch_dashboard/instances/", outdated="1")["items"]
    answers = {item["id"]: item for item in items}
    seeded = {
        cloud["servers"][name]
        for name, server in cloud["seed"]["servers"].items()
        if server["project"] == who
    }
    outdated = seeded & set(answers)
    assert outdated, "the seed has outdated instances in project %s" % who
    assert seeded & set(rows) == outdated  # the same instances are outdated
    for server_id in sorted(outdated):
        row, answer = rows[server_id], answers[server_id]
        assert (
            row["State"],
            row["Reason Codes"],
            row["Reasons"],
            row["Days Behind"],
            row["Builds Behind"],
            row["Recommended Image ID"],
            row["Recommended Flavor ID"],
            row["Project ID"],
        ) == (
            answer["state"],
            [reason["code"] for reason in answer["reasons"]],
            [reason["text"] for reason in answer["reasons"]],
            answer["days_behind"],
            answer["builds_behind"],
            answer["recommended_image_id"],
            answer["recommended_flavor_id"],
            answer["project_id"],
        ), answer["name"]


def test_admin_all_projects_lists_both_projects_outdated_instances(cloud, openstack):
    rows = as_json(openstack("admin", "server", "outdated", "list", "--all-projects", "-f", "json"))
    names = {row["Name"]: row for row in rows}
    assert {"alpha-db-1", "beta-fedora-old"} <= set(names)
    assert names["alpha-db-1"]["Project"] == "alpha"  # names from Keystone
    only_beta = as_json(
        openstack("admin", "server", "outdated", "list", "--project", "beta", "-f", "json")
    )
    assert only_beta and {row["Project ID"] for row in only_beta} == {cloud["projects"]["beta"]}


# ---------------------------------------------------------------- writes


@pytest.fixture
def own_image(scratch_image):
    """A public image of a family of its own, as an image pipeline publishes one."""
    label = "pd-cli-%s" % uuid.uuid4().hex[:8]
    return scratch_image(
        label,
        image_name=label,
        os_distro="ubuntu",
        os_version=label,
        architecture="x86_64",
        os_purpose="generic",
        image_build_date="2026-11-01",
        replace_frequency="quarterly",
        patchlevel="3",
    )


@pytest.mark.parametrize("action", ["deprecate", "obsolete"])
def test_cli_action_then_restore_leaves_glance_properties_exactly_as_before(
    openstack, glance_view, own_image, signing_key_file, action
):
    before = glance_view(own_image)
    done = openstack(
        "admin", "image", action, own_image, "--reason", "CVE-2026-0001 in openssl",
        "--signing-key-file", signing_key_file, "-f", "json",
    )  # fmt: skip
    assert as_json(done)[0]["Result"] == ("deprecated" if action == "deprecate" else "obsolete")
    changed = glance_view(own_image)
    assert changed["deprecation_state"] == ("deprecated" if action == "deprecate" else "obsolete")
    assert changed["os_hidden"] is True and changed["os_purpose"] == "oldgeneric"
    assert changed["status"] == ("active" if action == "deprecate" else "deactivated")
    done = openstack(
        "admin", "image", "restore", own_image, "--signing-key-file", signing_key_file, "-f", "json"
    )
    assert as_json(done)[0]["Result"] == "restored"
    after = glance_view(own_image)
    assert {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys()
            if before.get(k) != after.get(k)} == {}  # fmt: skip


def test_the_dashboard_restores_what_the_cli_deprecated(
    cloud, horizon, openstack, glance_view, own_image, signing_key_file
):
    """One implementation: the CLI's signed record is the dashboard's."""
    from tests.integration.test_image_lifecycle import restore

    before = glance_view(own_image)
    as_json(
        openstack(
            "admin", "image", "deprecate", own_image, "--reason", "superseded",
            "--signing-key-file", signing_key_file, "-f", "json",
        )
    )  # fmt: skip
    assert glance_view(own_image)["os_hidden"] is True
    response = restore(horizon("admin"), cloud, own_image)
    assert response.status_code == 302, response.status_code
    assert glance_view(own_image) == before


def test_a_members_deprecate_is_refused_by_glance_and_writes_nothing(
    openstack, glance_view, own_image
):
    before = glance_view(own_image)
    done = openstack("alpha", "image", "deprecate", own_image, "--reason", "mine now")
    assert done.returncode == 1, done.stdout
    assert "Glance refused to change the properties of image %s (HTTP 403)" % own_image in (
        done.stderr
    )
    assert "admin's token is needed" in done.stderr
    assert glance_view(own_image) == before


def test_dry_run_prints_the_patch_and_the_impact_and_writes_nothing(
    sdk, openstack, own_image, signing_key_file
):
    def whole():  # updated_at included: a dry run must not touch the image at all
        return sdk("admin").image.get("/images/%s" % own_image).json()

    before = whole()
    rows = as_json(
        openstack(
            "admin", "image", "obsolete", own_image, "--reason", "x", "--dry-run",
            "--signing-key-file", signing_key_file, "-f", "json",
        )
    )  # fmt: skip
    assert rows[0]["Result"] == "dry run: would be obsolete"
    paths = {operation["path"] for operation in rows[0]["Patch"]}
    assert {"/deprecation_state", "/os_hidden", "/patch_dashboard_applied"} <= paths
    assert rows[0]["Impact"] == []  # no instance runs the new image
    restore = as_json(openstack("admin", "image", "restore", own_image, "--dry-run", "-f", "json"))
    assert restore[0]["Result"] == "nothing to change"
    assert whole() == before


def test_a_seeded_image_in_use_shows_its_instances_in_the_dry_run(
    cloud, openstack, signing_key_file
):
    old = cloud["images"]["ubuntu-2404-prev"]
    rows = as_json(
        openstack(
            "admin", "image", "deprecate", old, "--reason", "x", "--dry-run",
            "--signing-key-file", signing_key_file, "-f", "json",
        )
    )  # fmt: skip
    impacted = {item["instance"]: item for item in rows[0]["Impact"]}
    assert "alpha-web-2" in impacted
    assert impacted["alpha-web-2"]["target_image_id"] == cloud["images"]["ubuntu-2404"]
    assert rows[0]["Replacement ID"] == cloud["images"]["ubuntu-2404"]


def test_usage_errors_exit_2(openstack):
    done = openstack("alpha", "image", "patch", "list", "--state", "fresh")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
