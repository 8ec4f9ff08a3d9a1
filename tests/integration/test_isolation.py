"""Policy and project isolation on the development cloud, through real logins.

Extends test_outdated_instances.py (alpha's JSON and CSV hold no beta server) and
test_image_lifecycle.py (a member's forged POSTs to the lifecycle forms change nothing):

- a member reaches no admin view or export of the plugin (redirect to the login page, or 403);
- a POST without the CSRF token, even from an admin's session, changes nothing in Glance;
- each member sees, in every page, CSV and JSON endpoint, only their project's instances,
  private images, flavors and compliance figures, whatever query parameters they forge.
"""

import csv
import io
import re

import pytest

pytestmark = pytest.mark.integration

AJAX = {"X-Requested-With": "XMLHttpRequest"}
OTHER = {"alpha": "beta", "beta": "alpha"}
MEMBERS = ("alpha", "beta")


def url(cloud, path):
    return cloud["horizon_url"].rstrip("/") + path


def seeded(cloud, project, kind):
    """Names and ids of the seed's servers of a project, or its private images."""
    items = cloud["seed"][kind].items()
    if kind == "servers":
        return {(name, entry["id"]) for name, entry in items if entry["project"] == project}
    return {
        (entry["name"], entry["id"])
        for entry in cloud["seed"]["images"].values()
        if entry["owner"] == project and entry["visibility"] == "private"
    }


def foreign_strings(cloud, who):
    """Everything of the other project a page of ``who`` must never contain."""
    other = OTHER[who]
    strings = {cloud["projects"][other]}
    for kind in ("servers", "images"):
        for name, object_id in seeded(cloud, other, kind):
            strings.update({name, object_id})
    if other == "alpha":
        strings.add(cloud["flavors"]["alpha.highmem"])  # a flavor private to alpha
    return strings


def get(horizon, cloud, who, path, **kwargs):
    response = horizon(who).get(url(cloud, path), timeout=120, **kwargs)
    assert response.status_code == 200, (who, path, response.status_code)
    return response


def assert_none_of(strings, text, where):
    leaked = sorted(s for s in strings if s in text)
    assert leaked == [], f"{where}: {leaked}"


# ---------------------------------------------------------------- admin views


@pytest.fixture
def own_image(scratch_image):
    """A public image of this test only, deleted after."""
    return scratch_image("pd-isolation", patchlevel="1")


@pytest.mark.parametrize("who", MEMBERS)
def test_member_reaches_no_admin_view(horizon, cloud, own_image, who):
    session = horizon(who)
    paths = [
        "/admin/image_lifecycle/",
        "/admin/image_lifecycle/deprecate/?image=%s" % own_image,
        "/admin/image_lifecycle/obsolete/?image=%s" % own_image,
        "/admin/image_lifecycle/%s/metadata/" % own_image,
        "/admin/patch_compliance/",
        "/admin/patch_compliance/export.csv",
        "/admin/patch_compliance/?project=%s" % cloud["projects"][OTHER[who]],
    ]
    for path in paths:
        response = session.get(url(cloud, path), allow_redirects=False, timeout=120)
        assert response.status_code in (302, 403), (path, response.status_code)
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"], (path, response.headers)
        assert "Instance ID" not in response.text  # no CSV header, no table
    # Refused, not logged out: the member's own pages still answer in the same session.
    page = session.get(url(cloud, "/project/image_patch_status/"), allow_redirects=False)
    assert page.status_code == 200


def test_post_without_csrf_token_changes_nothing(horizon, cloud, sdk, own_image, glance_view):
    """A cross-site form (no CSRF token) riding an admin's session is refused by Django."""
    before = glance_view(own_image)
    session = horizon("admin")
    forged = [
        ("/admin/image_lifecycle/%s/metadata/" % own_image, {"patchlevel": "forged"}),
        (
            "/admin/image_lifecycle/deprecate/",
            {"images": own_image, "reason": "forged", "replacement": ""},
        ),
        ("/admin/image_lifecycle/", {"action": "image_lifecycle__restore__%s" % own_image}),
    ]
    for path, form in forged:
        response = session.post(
            url(cloud, path),
            data=form,
            headers={"Referer": "http://evil.example/"},
            allow_redirects=False,
            timeout=60,
        )
        # Horizon's CSRF_FAILURE_VIEW sends the browser to the login page with the reason.
        assert response.status_code in (302, 403), (path, response.status_code)
        if response.status_code == 302:
            assert "csrf_failure" in response.headers["Location"], response.headers
    assert glance_view(own_image) == before


# ---------------------------------------------------------------- what a member sees


def live_servers(sdk, who):
    return {server.name for server in sdk(who).compute.servers()}


@pytest.mark.parametrize("who", MEMBERS)
def test_pages_show_only_the_members_project(horizon, cloud, sdk, who):
    foreign = foreign_strings(cloud, who)
    other_project = cloud["projects"][OTHER[who]]
    own_private = seeded(cloud, who, "images")
    for path in (
        "/project/image_patch_status/",
        "/project/outdated_instances/?show=all",
        "/project/outdated_instances/?show=all&project=%s&all_tenants=1" % other_project,
    ):
        page = get(horizon, cloud, who, path)
        # The forged query string is echoed in the table's form action: not a leak.
        assert_none_of(foreign - {other_project}, page.text, path)
    statuses = get(horizon, cloud, who, "/project/image_patch_status/").text
    for name, _image_id in own_private:
        assert name in statuses  # the member's own private image is listed

    # Another project's private image: not found, and nothing of it on the page shown.
    for name, image_id in seeded(cloud, OTHER[who], "images"):
        response = horizon(who).get(
            url(cloud, "/project/image_patch_status/%s/" % image_id), timeout=120
        )
        assert response.status_code == 200  # the index, after the redirect
        assert response.url.endswith("/project/image_patch_status/"), response.url
        assert name not in response.text


@pytest.mark.parametrize("who", MEMBERS)
def test_compliance_figures_count_only_own_instances(horizon, cloud, sdk, who):
    before = live_servers(sdk, who)
    body = get(
        horizon,
        cloud,
        who,
        "/api/patch_dashboard/instances/?all_tenants=1&project_id=%s"
        % cloud["projects"][OTHER[who]],
        headers=AJAX,
    ).json()
    page = get(horizon, cloud, who, "/project/outdated_instances/").text
    after = live_servers(sdk, who)
    names = {item["name"] for item in body["items"]}
    # Other engineers' tests may add or remove servers of the project meanwhile.
    assert before & after <= names <= before | after
    assert {item["project_id"] for item in body["items"]} <= {cloud["projects"][who]}
    assert body["project_id"] == cloud["projects"][who]
    assert body["compliance"]["total"] == len(names)
    shown = re.search(r"(\d+) of (\d+) instances run on current images", page)
    assert shown, "no compliance summary on the page"
    assert before & after and int(shown.group(2)) in {len(before), len(after), len(names)}
    assert_none_of(foreign_strings(cloud, who), str(body), "JSON instances")


@pytest.mark.parametrize("who", MEMBERS)
def test_csv_holds_only_own_instances(horizon, cloud, sdk, who):
    other_project = cloud["projects"][OTHER[who]]
    export = get(
        horizon,
        cloud,
        who,
        "/project/outdated_instances/export.csv?project=%s&all_tenants=1" % other_project,
    )
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert {row["Project ID"] for row in rows} <= {cloud["projects"][who]}
    assert_none_of(foreign_strings(cloud, who), export.text, "CSV")


@pytest.mark.parametrize("who", MEMBERS)
def test_launch_guidance_shows_only_own_images_and_flavors(horizon, cloud, who):
    states = get(horizon, cloud, who, "/api/patch_dashboard/images/states/", headers=AJAX).json()
    visible = set(states["images"])
    for _name, image_id in seeded(cloud, OTHER[who], "images"):
        assert image_id not in visible
        refused = horizon(who).get(
            url(cloud, "/api/patch_dashboard/images/%s/guidance/" % image_id),
            headers=AJAX,
            timeout=120,
        )
        assert refused.status_code == 404, refused.status_code
    for _name, image_id in seeded(cloud, who, "images"):
        assert image_id in visible
    guidance = get(
        horizon,
        cloud,
        who,
        "/api/patch_dashboard/images/%s/guidance/" % cloud["images"]["ubuntu-2404"],
        headers=AJAX,
    ).json()
    flavor_ids = {flavor["id"] for flavor in guidance["flavors"]}
    highmem = cloud["flavors"]["alpha.highmem"]  # private to project alpha
    assert (highmem in flavor_ids) == (who == "alpha")
    assert_none_of(foreign_strings(cloud, who), str(states) + str(guidance), "JSON launch")
