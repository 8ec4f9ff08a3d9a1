"""Admin > Image Lifecycle on the development cloud: real Horizon forms, real Glance and Nova.

Every test makes its own images (a family of two builds, valid qcow2) and deletes them, so
the seeded data other tests rely on is untouched. Actions go through Horizon exactly as a
browser sends them: logged in through the form, CSRF token from the page, modal form POST.
"""

import importlib.util
import pathlib
import re
import time
import uuid

import pytest

pytestmark = pytest.mark.integration

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
PANEL = "/admin/image_lifecycle/"
# Glance answers these; they change on every write and are not properties.
VOLATILE = {"updated_at"}


def _seed_module():
    """devcloud/seed.py: its qcow2 writer and raw Glance helper (exact names, no lookups)."""
    spec = importlib.util.spec_from_file_location("devcloud_seed", CHECKOUT / "devcloud/seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def glance(sdk):
    return _seed_module().Images(sdk("admin"))


@pytest.fixture
def family(glance, sdk):
    """Two public builds of a fresh family (old, new) and an instance of project alpha on
    the old one; all deleted afterwards."""
    label = "pd-it-%s" % uuid.uuid4().hex[:8]
    common = {
        "image_name": label,
        "os_distro": "ubuntu",
        "os_version": label,  # a family of its own, whatever rule applies
        "architecture": "x86_64",
        "os_purpose": "generic",
        "replace_frequency": "monthly",
        "patchlevel": "1",
    }
    created = []
    servers = []
    try:
        today = time.strftime("%Y-%m-%d", time.gmtime())
        old = glance.create(
            "%s 20240101" % label, {**common, "image_build_date": "2024-01-01"}, tags=["it"]
        )
        created.append(old)
        new = glance.create(label, {**common, "image_build_date": today}, tags=["it"])
        created.append(new)
        alpha = sdk("alpha")
        flavor = alpha.compute.find_flavor("m1.tiny", ignore_missing=False)
        server = alpha.compute.create_server(
            name="%s-vm" % label, image_id=old, flavor_id=flavor.id, networks="none"
        )
        servers.append(server)
        alpha.compute.wait_for_server(server, status="ACTIVE", wait=120)
        yield {"label": label, "old": old, "new": new, "server": server.id}
    finally:
        # Each clean-up step on its own: a failed server delete must not leave the images.
        problems = []
        for server in servers:
            try:
                sdk("alpha").compute.delete_server(server, ignore_missing=True)
                sdk("alpha").compute.wait_for_delete(server, wait=120)
            except Exception as error:
                problems.append("server %s: %s" % (server.id, error))
        for image_id in created:
            try:
                glance.delete(image_id)  # a deactivated image can be deleted as it is
            except Exception as error:
                problems.append("image %s: %s" % (image_id, error))
        assert not problems, problems


def properties(glance, image_id):
    """The whole image as Glance returns it, minus what changes on any write."""
    return {k: v for k, v in glance.get(image_id).items() if k not in VOLATILE}


def _url(cloud, path):
    return cloud["horizon_url"].rstrip("/") + path


def _csrf(page):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _hidden(page, name):
    match = re.search(r'name="%s" value="([^"]*)"' % name, page) or re.search(
        r'value="([^"]*)" name="%s"' % name, page
    )
    return match.group(1) if match else ""


def submit(session, cloud, action, image_id, reason="integration test"):
    """Open the Deprecate / Mark Obsolete dialog as a browser does, then submit it."""
    url = _url(cloud, "%s%s/?image=%s" % (PANEL, action, image_id))
    page = session.get(url, timeout=60)
    assert page.status_code == 200, page.status_code
    form = {
        "csrfmiddlewaretoken": _csrf(page.text),
        "images": image_id,
        "replacement": _hidden(page.text, "previewed_replacement"),
        "previewed_replacement": _hidden(page.text, "previewed_replacement"),
        "reason": reason,
    }
    return session.post(
        _url(cloud, "%s%s/" % (PANEL, action)),
        data=form,
        headers={"Referer": url},
        allow_redirects=False,
        timeout=60,
    )


def restore(session, cloud, image_id):
    page = session.get(_url(cloud, PANEL), timeout=60)
    assert page.status_code == 200
    return session.post(
        _url(cloud, PANEL),
        data={
            "csrfmiddlewaretoken": _csrf(page.text),
            "action": "image_lifecycle__restore__%s" % image_id,
        },
        headers={"Referer": _url(cloud, PANEL)},
        allow_redirects=False,
        timeout=60,
    )


def default_list_ids(sdk, who):
    """Image ids in Glance's default list (what the image pickers show) for a user."""
    ids, url = set(), "/images?limit=200"
    while url:
        body = sdk(who).image.get(url).json()
        ids.update(image["id"] for image in body["images"])
        url = body.get("next", "").replace("/v2", "", 1) or None
    return ids


def test_deprecate_hides_the_image_and_outdates_its_instances(
    cloud, horizon, glance, sdk, family, horizon_request
):
    assert family["old"] in default_list_ids(sdk, "alpha")
    response = submit(horizon("admin"), cloud, "deprecate", family["old"])
    assert response.status_code == 302, response.text[-2000:]
    assert response.headers["Location"].endswith(PANEL)

    image = glance.get(family["old"])
    assert image["deprecation_state"] == "deprecated"
    assert image["replaced_by"] == family["new"]  # the default: newest usable build
    assert image["os_hidden"] is True
    assert image["os_purpose"] == "oldgeneric"
    assert image["tags"] == ["it"]  # untouched
    assert family["old"] not in default_list_ids(sdk, "alpha")

    # The member's instance is now outdated, pointed at the new build.
    from patch_dashboard.api import inventory
    from patch_dashboard.lifecycle import OutdatedReason

    loaded = inventory.load(horizon_request("alpha"))
    instance = next(i for i in loaded.assessment.instances if i.server.id == family["server"])
    assert instance.outdated
    assert OutdatedReason.DEPRECATED in instance.reasons
    assert instance.recommended_image.id == family["new"]


@pytest.mark.parametrize("action", ["deprecate", "obsolete"])
def test_restore_returns_every_property_as_it_was(cloud, horizon, glance, family, action):
    before = properties(glance, family["old"])
    session = horizon("admin")
    assert submit(session, cloud, action, family["old"]).status_code == 302
    changed = properties(glance, family["old"])
    assert changed != before
    assert changed["status"] == ("deactivated" if action == "obsolete" else "active")

    response = restore(session, cloud, family["old"])
    assert response.status_code == 302
    after = properties(glance, family["old"])
    diff = {
        key: (before.get(key), after.get(key))
        for key in set(before) | set(after)
        if before.get(key) != after.get(key)
    }
    assert diff == {}


def test_restore_keeps_an_image_hidden_before_hidden(cloud, horizon, glance, family):
    glance.update(family["old"], os_hidden=True)
    before = properties(glance, family["old"])
    session = horizon("admin")
    assert submit(session, cloud, "deprecate", family["old"]).status_code == 302
    assert restore(session, cloud, family["old"]).status_code == 302
    after = properties(glance, family["old"])
    assert after["os_hidden"] is True
    assert after == before


def test_obsolete_image_cannot_be_launched(cloud, horizon, glance, sdk, family):
    assert submit(horizon("admin"), cloud, "obsolete", family["old"]).status_code == 302
    assert glance.get(family["old"])["status"] == "deactivated"
    alpha = sdk("alpha")
    flavor = alpha.compute.find_flavor("m1.tiny", ignore_missing=False)
    response = alpha.compute.post(
        "/servers",
        json={
            "server": {
                "name": "%s-refused" % family["label"],
                "imageRef": family["old"],
                "flavorRef": flavor.id,
                "networks": "none",
            }
        },
        microversion="2.37",
    )
    assert response.status_code == 400, response.text
    assert "not active" in response.text.lower() or "deactivated" in response.text.lower()
    # Glance refuses the download too.
    download = alpha.image.get("/images/%s/file" % family["old"])
    assert download.status_code in (403, 404), download.status_code


def test_member_forged_post_changes_nothing(cloud, horizon, glance, family):
    before = properties(glance, family["old"])
    member = horizon("alpha")
    page = member.get(_url(cloud, "/project/image_patch_status/"), timeout=60)
    assert PANEL not in page.text  # no Image Lifecycle for a member
    token = _csrf(page.text)
    forged = [
        (
            "%sdeprecate/" % PANEL,
            {"images": family["old"], "reason": "forged", "replacement": ""},
        ),
        ("%sobsolete/" % PANEL, {"images": family["old"], "reason": "forged"}),
        ("%s%s/metadata/" % (PANEL, family["old"]), {"patchlevel": "forged"}),
        (PANEL, {"action": "image_lifecycle__restore__%s" % family["old"]}),
    ]
    for path, form in forged:
        response = member.post(
            _url(cloud, path),
            data={"csrfmiddlewaretoken": token, **form},
            headers={"Referer": _url(cloud, path)},
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code in (302, 403), (path, response.status_code)
        assert "/auth/login" in response.headers.get("Location", "/auth/login"), path
    assert properties(glance, family["old"]) == before


def test_member_is_refused_by_glance_too(cloud, sdk, glance, family):
    before = properties(glance, family["old"])
    response = sdk("alpha").image.patch(
        "/images/%s" % family["old"],
        json=[{"op": "add", "path": "/deprecation_state", "value": "deprecated"}],
        headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
    )
    assert response.status_code == 403, response.status_code
    assert properties(glance, family["old"]) == before


def test_patch_metadata_writes_only_changed_keys(cloud, horizon, glance, family):
    before = properties(glance, family["old"])
    session = horizon("admin")
    url = _url(cloud, "%s%s/metadata/" % (PANEL, family["old"]))
    page = session.get(url, timeout=60)
    assert page.status_code == 200
    form = {
        "csrfmiddlewaretoken": _csrf(page.text),
        "image_name": family["label"],
        "image_build_date": "2024-01-01",
        "patchlevel": "2",
        "replace_frequency": "monthly",
        "provided_until": "notice",
        "maintained_until": "",
    }
    response = session.post(
        url, data=form, headers={"Referer": url}, allow_redirects=False, timeout=60
    )
    assert response.status_code == 302
    after = properties(glance, family["old"])
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed == {"patchlevel", "provided_until"}
    assert after["provided_until"] == "notice"


def test_metadefs_namespace_is_loaded(sdk):
    response = sdk("admin").image.get("/metadefs/namespaces/PatchDashboard::ImageLifecycle")
    assert response.status_code == 200, (
        "load it: glance-manage db_load_metadefs patch_dashboard/metadefs"
    )
    body = response.json()
    assert {"OS::Glance::Image"} <= {r["name"] for r in body["resource_type_associations"]}
    assert {"deprecation_state", "replaced_by", "image_build_date"} <= set(body["properties"])
