"""Glance property protections on the development cloud: the setup docs/security.md recommends.

The development cloud's Glance runs devcloud/property-protections-roles.conf, the file
docs/security.md shows: only the admin role creates, updates or deletes the plugin's lifecycle
keys and the SCS/osism keys an image pipeline owns; everyone reads them; every other property
stays as without protections. A member is refused by Glance itself (403) on their own image,
and the admin's Image Lifecycle actions through Horizon still work on a member's image and on
a public one. Every test makes its own images and deletes them.
"""

import pathlib
import re
import uuid

import pytest

from tests.integration.conftest import _state_dir
from tests.integration.test_image_lifecycle import (  # noqa: F401 (glance, family: fixtures)
    PANEL,
    _seed_module,
    family,
    glance,
    properties,
    restore,
    submit,
)

pytestmark = pytest.mark.integration

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
PATCH_CT = {"Content-Type": "application/openstack-images-v2.1-json-patch"}

# What docs/security.md says only admins may write, with a plausible value for each.
LIFECYCLE_KEYS = {
    "deprecation_state": "deprecated",
    "deprecated_at": "2025-01-01T00:00:00Z",
    "obsolete_at": "2025-02-01T00:00:00Z",
    "replaced_by": "00000000-0000-4000-8000-000000000000",
    "deprecation_reason": "forged by a member",
    "deprecated_by": "a-member",
    "patch_dashboard_applied": "{}",
}
PIPELINE_KEYS = {
    "image_build_date": "2099-01-01",
    "patchlevel": "forged",
    "replace_frequency": "never",
    "provided_until": "none",
    "maintained_until": "2099-12-31",
    "image_name": "Forged Family",
    "internal_version": "99999999",
}
PROTECTED = {**LIFECYCLE_KEYS, **PIPELINE_KEYS}
# Not protected: the owner keeps writing them (the catch-all section).
OPEN_KEYS = {"hw_disk_bus": "virtio", "os_distro": "pdprotect", "os_purpose": "custom"}


def _patch(conn, image_id, ops):
    return conn.image.patch("/images/%s" % image_id, json=ops, headers=PATCH_CT)


@pytest.fixture
def member_image(sdk, glance):  # noqa: F811
    """make() -> a private image of project alpha, created by its member (valid qcow2)."""
    images = _seed_module().Images(sdk("alpha"))
    made = []

    def make():
        label = "pd-protect-%s" % uuid.uuid4().hex[:8]
        made.append(
            images.create(
                label,
                {"os_distro": label, "os_version": "1", "architecture": "x86_64"},
                visibility="private",
            )
        )
        return made[-1]

    yield make
    for image_id in made:
        glance.delete(image_id)


@pytest.fixture(scope="module")
def own_image(sdk):
    """One private image of project alpha for the per-key tests (each leaves it as it was)."""
    images = _seed_module().Images(sdk("alpha"))
    label = "pd-protect-%s" % uuid.uuid4().hex[:8]
    image_id = images.create(label, {"os_distro": label, "os_version": "1"}, visibility="private")
    yield image_id
    images.delete(image_id)


def test_glance_runs_the_file_docs_security_md_shows():
    doc = (CHECKOUT / "docs/security.md").read_text()
    blocks = re.findall(r"```ini\n(.*?)```", doc, re.S)
    shipped = (CHECKOUT / "devcloud/property-protections-roles.conf").read_text()
    assert shipped in blocks, "docs/security.md must show devcloud/property-protections-roles.conf"
    running = _state_dir().resolve() / "etc/glance/property-protections-roles.conf"
    assert running.read_text() == shipped
    conf = (running.parent / "glance-api.conf").read_text()
    assert re.search(r"^property_protection_file = %s$" % re.escape(str(running)), conf, re.M)
    assert re.search(r"^property_protection_rule_format = roles$", conf, re.M)


@pytest.mark.parametrize("key", sorted(PROTECTED))
def test_member_cannot_create_an_image_with_a_protected_key(sdk, key):
    alpha = sdk("alpha")
    name = "pd-protect-%s" % uuid.uuid4().hex[:8]
    response = alpha.image.post(
        "/images",
        json={
            "name": name,
            "disk_format": "qcow2",
            "container_format": "bare",
            "visibility": "private",
            "os_distro": "pdprotect",
            key: PROTECTED[key],
        },
    )
    if response.status_code < 300:
        alpha.image.delete("/images/%s" % response.json()["id"])
    assert response.status_code == 403, (key, response.status_code, response.text[:300])
    assert alpha.image.get("/images?name=%s" % name).json()["images"] == []  # nothing written


@pytest.mark.parametrize("key", sorted(PROTECTED))
def test_member_cannot_add_update_or_remove_a_protected_key_on_own_image(
    sdk,
    glance,  # noqa: F811
    own_image,
    key,
):
    alpha = sdk("alpha")
    before = properties(glance, own_image)
    assert key not in before
    response = _patch(alpha, own_image, [{"op": "add", "path": "/" + key, "value": "x"}])
    assert response.status_code == 403, (key, response.status_code)
    assert properties(glance, own_image) == before

    # The admin sets it (as Image Lifecycle or an image pipeline does); the member can read it
    # but neither change nor remove it.
    glance.update(own_image, **{key: PROTECTED[key]})
    try:
        held = properties(glance, own_image)
        assert alpha.image.get("/images/%s" % own_image).json()[key] == PROTECTED[key]
        for op in (
            {"op": "replace", "path": "/" + key, "value": "x"},
            {"op": "remove", "path": "/" + key},
        ):
            response = _patch(alpha, own_image, [op])
            assert response.status_code == 403, (key, op["op"], response.status_code)
            assert properties(glance, own_image) == held
        # A patch that also holds an allowed change is refused as a whole.
        response = _patch(
            alpha,
            own_image,
            [
                {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
                {"op": "replace", "path": "/" + key, "value": "x"},
            ],
        )
        assert response.status_code == 403, (key, response.status_code)
        assert properties(glance, own_image) == held
    finally:
        response = _patch(glance.conn, own_image, [{"op": "remove", "path": "/" + key}])
        assert response.status_code == 200, response.text[:300]
    assert properties(glance, own_image) == before


def test_member_still_writes_unprotected_properties(sdk, glance, member_image):  # noqa: F811
    alpha = sdk("alpha")
    # on create
    created = alpha.image.post(
        "/images",
        json={
            "name": "pd-protect-%s" % uuid.uuid4().hex[:8],
            "disk_format": "qcow2",
            "container_format": "bare",
            "visibility": "private",
            **OPEN_KEYS,
        },
    )
    assert created.status_code == 201, created.text[:300]
    try:
        assert {k: created.json().get(k) for k in OPEN_KEYS} == OPEN_KEYS
    finally:
        alpha.image.delete("/images/%s" % created.json()["id"])
    # on update: add, replace, remove
    image_id = member_image()
    response = _patch(alpha, image_id, [{"op": "add", "path": "/hw_disk_bus", "value": "scsi"}])
    assert response.status_code == 200, response.text[:300]
    response = _patch(
        alpha,
        image_id,
        [
            {"op": "replace", "path": "/hw_disk_bus", "value": "virtio"},
            {"op": "add", "path": "/os_purpose", "value": "custom"},
            {"op": "replace", "path": "/os_distro", "value": "pdprotect"},
        ],
    )
    assert response.status_code == 200, response.text[:300]
    stored = glance.get(image_id)
    assert {k: stored.get(k) for k in OPEN_KEYS} == OPEN_KEYS
    response = _patch(alpha, image_id, [{"op": "remove", "path": "/os_purpose"}])
    assert response.status_code == 200, response.text[:300]
    assert "os_purpose" not in glance.get(image_id)


def _lifecycle_round(cloud, session, glance, image_id, action):  # noqa: F811
    before = properties(glance, image_id)
    response = submit(session, cloud, action, image_id)
    assert response.status_code == 302, response.text[-2000:]
    assert response.headers["Location"].endswith(PANEL)
    changed = properties(glance, image_id)
    expected = "deprecated" if action == "deprecate" else "obsolete"
    assert changed["deprecation_state"] == expected
    assert changed["deprecated_at"]
    assert changed["patch_dashboard_applied"]
    assert changed["status"] == ("deactivated" if action == "obsolete" else "active")

    assert restore(session, cloud, image_id).status_code == 302
    after = properties(glance, image_id)
    diff = {
        key: (before.get(key), after.get(key))
        for key in set(before) | set(after)
        if before.get(key) != after.get(key)
    }
    assert diff == {}


@pytest.mark.parametrize("action", ["deprecate", "obsolete"])
def test_admin_lifecycle_works_on_a_members_image(
    cloud,
    horizon,
    glance,  # noqa: F811
    member_image,
    action,
):
    image_id = member_image()
    assert glance.get(image_id)["owner"] == cloud["projects"]["alpha"]
    _lifecycle_round(cloud, horizon("admin"), glance, image_id, action)


@pytest.mark.parametrize("action", ["deprecate", "obsolete"])
def test_admin_lifecycle_works_on_a_public_image(
    cloud,
    horizon,
    glance,  # noqa: F811
    family,  # noqa: F811
    action,
):
    assert glance.get(family["old"])["visibility"] == "public"
    _lifecycle_round(cloud, horizon("admin"), glance, family["old"], action)
