"""Hostile image metadata on the development cloud: every plugin page still answers (issue 11).

Any image owner can write any property on their image, and an admin sees every project's
images. One private image of project alpha, with an instance of alpha on it, carries each
value the core once choked on: a build date of 9999-12-31 (with a replace_frequency, so the
recency rule runs), a 5,000-digit internal_version, a hw_mem_page_size of 20,000 blanks, a
65,000-character image_description, a deprecated_at at the last second of 9999 in UTC-14
and a 5,000-deep JSON record. The values are written with the admin's connection (the cloud
may protect the lifecycle and SCS keys from members; it is the value that matters), after
the instance booted (Nova would refuse that page size). Then every plugin page, export and
JSON endpoint answers 200 to alpha's member and to the admin, and the image's page shows
what it could not read as unknown, with the raw value shortened.
"""

import re
import uuid

import pytest

from tests.integration.conftest import INDEXED_PANELS, refresh_indexes
from tests.integration.test_image_lifecycle import _seed_module

pytestmark = pytest.mark.integration

AJAX = {"X-Requested-With": "XMLHttpRequest"}
SHORTENED = 200  # characters of a raw value the image's page shows, then "…"

DIGITS = "7" * 5000
DESCRIPTION = "d" * 65000
HOSTILE = {
    "image_build_date": "9999-12-31",
    "replace_frequency": "monthly",
    "internal_version": DIGITS,
    "hw_mem_page_size": "1" + " " * 20000 + "x",
    "deprecated_at": "9999-12-31T23:59:59-14:00",
    "patch_dashboard_applied": "[" * 5000 + "]" * 5000,
}
# What the core cannot read, so the image's page lists it as unknown with its raw value.
UNREADABLE = ("image_build_date", "internal_version", "image_description", "deprecated_at")


@pytest.fixture(scope="module")
def hostile_image(sdk):
    """alpha's own private image (valid qcow2) with an instance of alpha on it, then the
    hostile values written onto it; both deleted afterwards."""
    seed = _seed_module()
    alpha = sdk("alpha")
    label = "pd-hostile-%s" % uuid.uuid4().hex[:8]
    image_id = None
    server = None
    try:
        image_id = seed.Images(alpha).create(label, {"os_distro": "ubuntu"}, visibility="private")
        flavor = alpha.compute.find_flavor("m1.tiny", ignore_missing=False)
        server = alpha.compute.create_server(
            name="%s-vm" % label, image_id=image_id, flavor_id=flavor.id, networks="none"
        )
        alpha.compute.wait_for_server(server, status="ACTIVE", wait=120)
        admin = seed.Images(sdk("admin"))
        # Two patches: one request with everything would pass Glance's 112 KiB body limit.
        admin.update(image_id, **HOSTILE)
        admin.update(image_id, image_description=DESCRIPTION)
        stored = admin.get(image_id)
        assert stored["internal_version"] == DIGITS and stored["image_description"] == DESCRIPTION
        yield {"id": image_id, "name": label, "server": server.name}
    finally:
        problems = []
        if server is not None:
            try:
                alpha.compute.delete_server(server, ignore_missing=True)
                alpha.compute.wait_for_delete(server, wait=120)
            except Exception as error:
                problems.append("server %s: %s" % (server.id, error))
        if image_id is not None:
            try:
                seed.Images(sdk("admin")).delete(image_id)
            except Exception as error:
                problems.append("image %s: %s" % (image_id, error))
        assert not problems, problems


def pages(image_id, who):
    """Every plugin page, export and JSON endpoint ``who`` may open: (path, is JSON)."""
    paths = [
        ("/project/image_patch_status/", False),
        ("/project/image_patch_status/%s/" % image_id, False),
        ("/project/outdated_instances/?show=all", False),
        ("/project/outdated_instances/export.csv", False),
        ("/api/patch_dashboard/instances/", True),
        ("/api/patch_dashboard/images/states/", True),
        ("/api/patch_dashboard/images/%s/guidance/" % image_id, True),
    ]
    if who == "admin":
        paths += [
            ("/admin/patch_compliance/", False),
            ("/admin/patch_compliance/export.csv", False),
            ("/admin/image_lifecycle/", False),
        ]
    return paths


def fetch(horizon, cloud, who, path, is_json):
    response = horizon(who).get(
        cloud["horizon_url"].rstrip("/") + path,
        headers=AJAX if is_json else {},
        allow_redirects=False,
        timeout=180,
    )
    assert response.status_code == 200, (who, path, response.status_code, response.text[:300])
    return response


@pytest.mark.parametrize("who", ["alpha", "admin"])
def test_every_page_answers(horizon, cloud, hostile_image, who):
    image_id = hostile_image["id"]
    panels = INDEXED_PANELS if who == "admin" else INDEXED_PANELS[:2]
    refresh_indexes(horizon(who), cloud["horizon_url"], panels)
    for path, is_json in pages(image_id, who):
        response = fetch(horizon, cloud, who, path, is_json)
        text = response.text
        # Assessed, not given up on: the image is there, and no value is echoed in full.
        assert "Unable to assess" not in text, (who, path)
        assert DIGITS[: SHORTENED + 1] not in text, (who, path)
        assert DESCRIPTION[: SHORTENED + 1] not in text, (who, path)
        if path.endswith(".csv"):
            assert response.headers["Content-Type"].startswith("text/csv"), (who, path)
        if is_json:
            body = response.json()
            if path.endswith("/states/"):
                assert image_id in body["images"], who
            elif path.endswith("/instances/") and who == "alpha":
                names = {item["name"] for item in body["items"]}
                assert hostile_image["server"] in names
        elif path == "/project/image_patch_status/":
            assert hostile_image["name"] in text, who
        elif path == "/admin/patch_compliance/":
            assert hostile_image["server"] in text


@pytest.mark.parametrize("who", ["alpha", "admin"])
def test_image_page_shows_unreadable_values_as_unknown(horizon, cloud, hostile_image, who):
    path = "/project/image_patch_status/%s/" % hostile_image["id"]
    page = fetch(horizon, cloud, who, path, False).text
    match = re.search(r'id="patch-invalid-values">(.*?)</dl>', page, re.S)
    assert match, "no list of values that could not be read"
    unreadable = dict(
        re.findall(r'<dt>([^<]*)</dt><dd class="patch-dashboard-raw-value">([^<]*)</dd>', match[1])
    )
    assert set(UNREADABLE) <= set(unreadable), sorted(unreadable)
    assert unreadable["image_build_date"] == "9999-12-31"
    assert unreadable["internal_version"] == "7" * SHORTENED + "\u2026"
    assert unreadable["image_description"] == "d" * SHORTENED + "\u2026"
    build_date = re.search(r"<dt>Build date</dt>\s*<dd>(.*?)</dd>", page, re.S)[1]
    assert ">unknown<" in build_date
