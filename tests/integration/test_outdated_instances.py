"""Outdated Instances and Patch Compliance on the development cloud, through real logins."""

import csv
import io
import time
import uuid
from datetime import datetime, timezone

import pytest

pytestmark = pytest.mark.integration

AJAX = {"X-Requested-With": "XMLHttpRequest"}


def assessment(horizon, cloud, who, **params):
    response = horizon(who).get(
        cloud["horizon_url"] + "/api/patch_dashboard/instances/",
        params=params,
        headers=AJAX,
        timeout=120,
    )
    assert response.status_code == 200, response.text[:500]
    return {item["name"]: item for item in response.json()["items"]}


def seeded_servers(cloud, project):
    return {
        name for name, server in cloud["seed"]["servers"].items() if server["project"] == project
    }


def test_seeded_outdated_instances_with_reasons(horizon, cloud):
    items = assessment(horizon, cloud, "alpha")
    assert seeded_servers(cloud, "alpha") <= set(items)
    assert items["alpha-web-1"]["outdated"] is False
    assert items["alpha-web-2"]["image_state"] == "superseded"
    assert items["alpha-web-2"]["reasons"][0]["text"] == "Superseded by Ubuntu 24.04"
    assert items["alpha-web-2"]["recommended_image_id"] == cloud["images"]["ubuntu-2404"]
    assert items["alpha-db-1"]["image_state"] == "deprecated"
    assert items["alpha-db-1"]["reasons"][0]["text"].startswith("Deprecated: ")
    assert "CVE-" in items["alpha-db-1"]["reasons"][0]["text"]
    assert items["alpha-db-1"]["recommended_image_id"] == cloud["images"]["debian-12"]
    assert items["alpha-legacy"]["image_state"] == "end-of-life"
    assert items["alpha-scratch"]["reasons"] == [{"code": "image-deleted", "text": "Image deleted"}]
    assert items["alpha-web-2"]["reasons"][0]["code"] == "superseded"
    assert items["alpha-db-1"]["reasons"][0]["code"] == "deprecated"
    assert items["alpha-ci-1"]["reasons"][0]["text"] == "Superseded by Rocky 9"
    # Launched from a snapshot of a superseded build: as outdated as its base.
    assert items["alpha-restore-1"]["outdated"] is True
    assert items["alpha-restore-1"]["recommended_image_id"] == cloud["images"]["ubuntu-2404"]
    # A flavor is recommended for every outdated instance that has a replacement.
    assert items["alpha-web-2"]["recommended_flavor_name"] == "m1.small"


def test_outdated_page_lists_them(horizon, cloud):
    page = horizon("alpha").get(cloud["horizon_url"] + "/project/outdated_instances/", timeout=120)
    assert page.status_code == 200
    for name in ("alpha-web-2", "alpha-db-1", "alpha-legacy", "alpha-scratch"):
        assert name in page.text
    assert "alpha-web-1" not in page.text  # current: counted, not listed
    assert "instances run on current images" in page.text


def test_member_sees_only_own_instances(horizon, cloud):
    alpha = assessment(horizon, cloud, "alpha")
    beta = assessment(horizon, cloud, "beta")
    assert all(name.startswith("alpha-") for name in alpha if name in cloud["servers"])
    assert not seeded_servers(cloud, "beta") & set(alpha)
    assert not seeded_servers(cloud, "alpha") & set(beta)
    export = horizon("alpha").get(
        cloud["horizon_url"] + "/project/outdated_instances/export.csv", timeout=120
    )
    names = {row["Instance"] for row in csv.DictReader(io.StringIO(export.text))}
    assert seeded_servers(cloud, "alpha") <= names
    assert not seeded_servers(cloud, "beta") & names
    # The member cannot open the admin view.
    admin_page = horizon("alpha").get(
        cloud["horizon_url"] + "/admin/patch_compliance/", timeout=120, allow_redirects=False
    )
    assert admin_page.status_code != 200 or "beta-app-1" not in admin_page.text


def test_admin_compliance_covers_all_projects(horizon, cloud):
    page = horizon("admin").get(cloud["horizon_url"] + "/admin/patch_compliance/", timeout=120)
    assert page.status_code == 200
    assert 'id="patch-compliance-chart"' in page.text
    for name in ("alpha-db-1", "beta-build-1"):
        assert name in page.text
    export = horizon("admin").get(
        cloud["horizon_url"] + "/admin/patch_compliance/export.csv", timeout=120
    )
    rows = list(csv.DictReader(io.StringIO(export.text)))
    projects = {row["Project"] for row in rows}
    assert {"alpha", "beta"} <= projects


@pytest.fixture
def fresh_image_with_instance(sdk, cloud):
    """A public image of a family of its own and an alpha instance on it; removed after."""
    admin, alpha = sdk("admin"), sdk("alpha")
    family = "itest-%s" % uuid.uuid4().hex[:8]
    image = admin.image.create_image(
        name=f"{family} {datetime.now(timezone.utc):%Y%m%d}",
        disk_format="raw",
        container_format="bare",
        visibility="public",
        data=b"\0" * 1024,
        allow_duplicates=True,
        os_distro=family,
        os_version="1",
        architecture="x86_64",
        os_purpose="generic",
        image_build_date=datetime.now(timezone.utc).date().isoformat(),
        replace_frequency="monthly",
    )
    flavor = alpha.compute.find_flavor("m1.tiny")
    server = alpha.compute.create_server(
        name=f"{family}-vm", image_id=image.id, flavor_id=flavor.id, networks="none"
    )
    alpha.compute.wait_for_server(server, status="ACTIVE", wait=180)
    try:
        yield image, server
    finally:
        alpha.compute.delete_server(server.id)
        alpha.compute.wait_for_delete(server, wait=120)
        admin.image.delete_image(image.id)


def test_deprecating_an_image_makes_its_instances_outdated(
    horizon, cloud, sdk, fresh_image_with_instance
):
    image, server = fresh_image_with_instance
    before = assessment(horizon, cloud, "alpha")[server.name]
    assert before["outdated"] is False
    assert before["image_state"] == "current"

    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sdk("admin").image.update_image(
        image.id,
        deprecation_state="deprecated",
        deprecated_at=now,
        deprecation_reason="itest: CVE-2099-0001",
    )
    time.sleep(1)
    after = assessment(horizon, cloud, "alpha")[server.name]
    assert after["outdated"] is True
    assert after["image_state"] == "deprecated"
    assert after["reasons"][0]["text"] == "Deprecated: itest: CVE-2099-0001"
