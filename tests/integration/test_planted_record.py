"""A planted ``patch_dashboard_applied`` never steers the admin's Restore (real Glance, Horizon).

Wherever Glance's property protections are not set, the owner of an image can write the
record Restore undoes from. The development cloud protects it (docs/security.md), so the
record is planted here with a raw Glance PATCH of the admin's token: the same bytes a member
could send on an unprotected cloud. Then the admin clicks Restore (and Deprecate, then
Restore) in Horizon, and Glance must hold the image as it was: visibility, owner,
protection, status and every property other than the plugin's own keys.
"""

import json
import uuid

import pytest

from patch_dashboard.lifecycle.actions import APPLIED_KEY, DEPRECATION_KEYS
from tests.integration.test_image_lifecycle import _seed_module, restore, submit

pytestmark = pytest.mark.integration

OUR_KEYS = (*DEPRECATION_KEYS, APPLIED_KEY)


def planted_record(image_id, admin_project):
    """The issue's record: publicize, hand over, protect, reactivate."""
    return json.dumps(
        {
            "version": 2,
            "image": image_id,
            "action": "obsolete",
            "deactivated": True,
            "changed": {
                "visibility": {"before": "public", "after": None},
                "owner": {"before": admin_project, "after": None},
                "protected": {"before": True, "after": None},
                "os_hidden": {"before": False, "after": None},
            },
        }
    )


@pytest.fixture
def member_image(sdk):
    """A private image of project alpha, made by its member (deleted afterwards)."""
    seed = _seed_module()
    alpha = seed.Images(sdk("alpha"))
    label = "pd-planted-%s" % uuid.uuid4().hex[:8]
    image_id = alpha.create(
        label,
        {"os_distro": "ubuntu", "os_version": label, "hw_disk_bus": "virtio"},
        visibility="private",
    )
    try:
        yield image_id
    finally:
        seed.Images(sdk("admin")).delete(image_id)


def plant(glance, image_id, admin_project):
    glance.update(
        image_id,
        deprecation_state="deprecated",
        patch_dashboard_applied=planted_record(image_id, admin_project),
    )


def diff(before, after):
    return {
        key: (before.get(key), after.get(key))
        for key in set(before) | set(after)
        if before.get(key) != after.get(key)
    }


@pytest.mark.parametrize("deactivated", [True, False], ids=["deactivated", "active"])
def test_restore_of_a_planted_record_touches_nothing_but_our_keys(
    cloud, horizon, sdk, glance_view, member_image, deactivated
):
    glance = _seed_module().Images(sdk("admin"))
    if deactivated:
        glance.deactivate(member_image)
    before = glance_view(member_image)
    plant(glance, member_image, sdk("admin").current_project_id)

    response = restore(horizon("admin"), cloud, member_image)
    assert response.status_code == 302, response.text[-2000:]

    after = glance_view(member_image)
    assert diff(before, after) == {}
    assert after["visibility"] == "private"
    assert after["owner"] == before["owner"] != sdk("admin").current_project_id
    assert after["protected"] is False
    assert after["status"] == ("deactivated" if deactivated else "active")
    assert not set(OUR_KEYS) & set(after)


def test_deprecate_then_restore_ignores_the_planted_entries(
    cloud, horizon, sdk, glance_view, member_image
):
    glance = _seed_module().Images(sdk("admin"))
    before = glance_view(member_image)
    plant(glance, member_image, sdk("admin").current_project_id)
    session = horizon("admin")

    response = submit(session, cloud, "deprecate", member_image)
    assert response.status_code == 302, response.text[-2000:]
    deprecated = glance_view(member_image)
    assert deprecated["os_hidden"] is True
    record = deprecated["patch_dashboard_applied"]
    # The new record is this deployment's own: none of the planted entries came along.
    for planted in ('"visibility"', '"owner"', '"protected"'):
        assert planted not in record

    response = restore(session, cloud, member_image)
    assert response.status_code == 302, response.text[-2000:]
    after = glance_view(member_image)
    native = ("visibility", "owner", "protected", "status", "os_hidden", "hw_disk_bus")
    assert {key: after.get(key) for key in native} == {key: before.get(key) for key in native}
    # Restore undid what the admin's Deprecate wrote; the planted deprecation_state was there
    # before it, so it stays, and a second Restore (no record now) removes it.
    assert after.get("deprecation_state") == "deprecated"
    assert restore(session, cloud, member_image).status_code == 302
    assert diff(before, glance_view(member_image)) == {}
