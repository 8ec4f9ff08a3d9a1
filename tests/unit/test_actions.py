"""Admin actions as pure plans: which keys each writes, the restore record, the checks."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from patch_dashboard.lifecycle import ImageRecord, assess_cloud, assess_images, parse_image
from patch_dashboard.lifecycle.actions import (
    APPLIED_KEY,
    MetadataError,
    PropertyPatch,
    ReplacementProblem,
    impact_of,
    is_restorable,
    metadata_value,
    own_family_replacements,
    plan_deprecation,
    plan_metadata,
    plan_restore,
    read_record,
    replacement_problem,
)

from .builders import NOW, flavor, image, server


class HmacSigner:
    """A deployment's signer as the core sees it (the dashboard passes Django's Signer)."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _mac(self, value: str) -> str:
        return hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()

    def sign(self, value: str) -> str:
        return "%s:%s" % (value, self._mac(value))

    def unsign(self, signed_value: str) -> str:
        value, _, mac = signed_value.rpartition(":")
        if not hmac.compare_digest(mac, self._mac(value)):
            raise ValueError("bad signature")
        return value


SIGNER = HmacSigner(b"this deployment")
OTHER_DEPLOYMENT = HmacSigner(b"another deployment")

GENERIC = {
    "os_distro": "ubuntu",
    "os_version": "24.04",
    "architecture": "x86_64",
    "os_purpose": "generic",
    "image_build_date": "2024-05-01",
}


def apply(record: ImageRecord, patch: PropertyPatch) -> ImageRecord:
    """What Glance would hold after the patch (the flat dict, re-parsed)."""
    raw: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "status": record.status,
        "visibility": record.visibility,
        "owner": record.owner,
        "os_hidden": record.hidden,
        "created_at": "2024-01-01T00:00:00Z",
        **record.properties,
    }
    for key in patch.remove:
        del raw[key]
    raw.update(patch.set)
    if patch.deactivate:
        raw["status"] = "deactivated"
    if patch.reactivate:
        raw["status"] = "active"
    return parse_image(raw)


def state(record: ImageRecord) -> tuple[str, bool, dict[str, str]]:
    return record.status, record.hidden, dict(record.properties)


def deprecate(record: ImageRecord, **overrides: Any) -> PropertyPatch:
    arguments: dict[str, Any] = {
        "obsolete": False,
        "replacement_id": "new",
        "reason": "CVE-2024-6387",
        "user_id": "admin-user",
        "now": NOW,
        "signer": SIGNER,
    }
    arguments.update(overrides)
    return plan_deprecation(record, **arguments)


def test_deprecate_writes_our_keys_and_the_native_effects_only() -> None:
    patch = deprecate(image("old", "Ubuntu 24.04 old", **GENERIC))
    assert set(patch.set) == {
        "deprecation_state",
        "deprecated_at",
        "replaced_by",
        "deprecation_reason",
        "deprecated_by",
        "os_hidden",
        "os_purpose",
        APPLIED_KEY,
    }
    assert patch.set["deprecation_state"] == "deprecated"
    assert patch.set["deprecated_at"] == "2024-06-15T12:00:00Z"
    assert patch.set["os_hidden"] is True
    assert patch.set["os_purpose"] == "oldgeneric"
    assert patch.remove == ()
    assert not patch.deactivate
    record = read_record(apply(image("old", **GENERIC), patch), signer=SIGNER)
    assert record is not None
    assert record.changes["os_hidden"].before is False
    assert record.changes["os_purpose"].before == "generic"
    assert record.changes["replaced_by"].before is None


def test_operations_are_one_add_or_remove_per_key() -> None:
    patch = PropertyPatch(set={"b": "2", "a/x": True}, remove=("c~",))
    assert patch.operations() == [
        {"op": "add", "path": "/a~1x", "value": True},
        {"op": "add", "path": "/b", "value": "2"},
        {"op": "remove", "path": "/c~0"},
    ]


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(dict(GENERIC), id="generic visible"),
        pytest.param({**GENERIC, "os_hidden": True}, id="hidden before"),
        pytest.param({**GENERIC, "os_purpose": "minimal"}, id="not generic"),
        pytest.param(
            {**GENERIC, "replaced_by": "other", "deprecation_reason": "old note"},
            id="our keys present before",
        ),
        pytest.param({"image_build_date": "2024-05-01"}, id="no purpose"),
    ],
)
@pytest.mark.parametrize("obsolete", [False, True])
def test_restore_returns_exactly_the_state_before(before: dict[str, Any], obsolete: bool) -> None:
    original = image("old", **before)
    changed = apply(original, deprecate(original, obsolete=obsolete))
    assert changed.hidden
    assert changed.status == ("deactivated" if obsolete else "active")
    restored = apply(changed, plan_restore(changed, signer=SIGNER))
    assert state(restored) == state(original)


def test_deprecate_then_obsolete_then_restore() -> None:
    original = image("old", **GENERIC)
    deprecated = apply(original, deprecate(original))
    later = NOW + timedelta(days=3)
    patch = deprecate(deprecated, obsolete=True, now=later)
    # Only what changes is sent: state, obsolete date, record, and the deactivation.
    assert set(patch.set) == {"deprecation_state", "obsolete_at", APPLIED_KEY}
    assert patch.deactivate
    obsolete = apply(deprecated, patch)
    assert obsolete.deprecated_at == NOW  # the deprecation date is kept
    restored = apply(obsolete, plan_restore(obsolete, signer=SIGNER))
    assert state(restored) == state(original)


def test_restore_never_unhides_an_image_hidden_before() -> None:
    original = image("old", os_hidden=True, **GENERIC)
    patch = deprecate(original)
    assert "os_hidden" not in patch.set
    changed = apply(original, patch)
    assert apply(changed, plan_restore(changed, signer=SIGNER)).hidden


def test_restore_leaves_a_later_edit_alone() -> None:
    original = image("old", **GENERIC)
    changed = apply(original, deprecate(original))
    edited = apply(changed, PropertyPatch(set={"os_purpose": "minimal"}))
    patch = plan_restore(edited, signer=SIGNER)
    assert patch.kept == ("os_purpose",)
    restored = apply(edited, patch)
    assert restored.os_purpose == "minimal"
    assert not restored.hidden


def test_restore_does_not_reactivate_an_image_deactivated_by_others() -> None:
    original = image("old", status="deactivated", **GENERIC)
    patch = deprecate(original, obsolete=True)
    assert not patch.deactivate
    changed = apply(original, patch)
    restore = plan_restore(changed, signer=SIGNER)
    assert not restore.reactivate
    assert apply(changed, restore).status == "deactivated"


def test_restore_without_a_record_removes_our_keys_only() -> None:
    original = image(
        "old", os_hidden=True, deprecation_state="deprecated", replaced_by="new", **GENERIC
    )
    patch = plan_restore(original, signer=SIGNER)
    assert patch.unrecorded
    assert set(patch.remove) == {"deprecation_state", "replaced_by"}
    assert patch.set == {}
    assert not patch.reactivate


def test_unreadable_record_counts_as_none() -> None:
    for text in ("{", "[]", json.dumps({"version": 99}), json.dumps({"version": 1})):
        assert read_record(image("x", patch_dashboard_applied=text), signer=SIGNER) is None


def test_scheduled_deprecation_announces_only() -> None:
    patch = deprecate(
        image("old", **GENERIC),
        deprecated_at=NOW + timedelta(days=7),
        obsolete_at=NOW + timedelta(days=30),
    )
    assert "os_hidden" not in patch.set and "os_purpose" not in patch.set
    assert patch.set["deprecated_at"] == "2024-06-22T12:00:00Z"
    assert patch.set["obsolete_at"] == "2024-07-15T12:00:00Z"
    assert not patch.deactivate


def test_repeating_an_action_sends_nothing_new() -> None:
    original = image("old", **GENERIC)
    changed = apply(original, deprecate(original))
    assert deprecate(changed).empty
    # Later, with a new reason: only the reason and the record change.
    again = deprecate(changed, now=NOW + timedelta(days=1), reason="CVE-2024-6387, CVE-2024-1")
    assert set(again.set) == {"deprecation_reason", APPLIED_KEY}
    restored = apply(apply(changed, again), plan_restore(apply(changed, again), signer=SIGNER))
    assert state(restored) == state(original)


def test_is_restorable() -> None:
    assert not is_restorable(image("a", **GENERIC))
    assert is_restorable(image("a", deprecation_state="active"))
    assert is_restorable(image("a", replaced_by="b"))


# ------------------------------------------------------------------ replacement


def builds() -> dict[str, Any]:
    return assess_images(
        [
            image("u1", "Ubuntu 24.04 20240101", **{**GENERIC, "image_build_date": "2024-01-01"}),
            image("u2", "Ubuntu 24.04 20240301", **{**GENERIC, "image_build_date": "2024-03-01"}),
            image("u3", "Ubuntu 24.04", **{**GENERIC, "image_build_date": "2024-05-01"}),
            image(
                "u4",
                "Ubuntu 24.04 broken",
                deprecation_state="deprecated",
                **{**GENERIC, "image_build_date": "2024-06-01"},
            ),
            image("d1", "Debian 12", os_distro="debian", os_version="12", replaced_by="u1"),
        ],
        now=NOW,
    )


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        (["u1"], "u3"),
        (["u3"], "u2"),  # the newest build itself: the next usable one
        (["u3", "u2"], "u1"),
        (["u3", "u2", "u1"], None),
    ],
)
def test_own_family_replacement_is_newest_usable_build(selected: list[str], expected: str) -> None:
    assert set(own_family_replacements(builds(), selected).values()) == {expected}


@pytest.mark.parametrize(
    ("selected", "replacement", "problem"),
    [
        (["u1"], "u3", None),
        (["u1"], "u1", ReplacementProblem.SELF),
        (["u1", "u2"], "u2", ReplacementProblem.SELF),
        (["u1"], "u4", ReplacementProblem.UNUSABLE),
        (["u1"], "nope", ReplacementProblem.NOT_FOUND),
        (["u1"], "d1", ReplacementProblem.CYCLE),  # d1 -> u1 -> d1
        (["u2"], "d1", None),  # d1 -> u1, no way back to u2
    ],
)
def test_replacement_problem(
    selected: list[str], replacement: str, problem: ReplacementProblem | None
) -> None:
    found = replacement_problem(builds(), dict.fromkeys(selected, replacement))
    assert (found[0] if found else None) is problem


def test_replacement_that_is_deactivated_is_unusable() -> None:
    assessed = builds()
    u3 = assessed["u3"]
    assessed["u3"] = replace(u3, image=replace(u3.image, status="deactivated"))
    assert replacement_problem(assessed, {"u1": "u3"}) == (ReplacementProblem.UNUSABLE, "u3")


# ------------------------------------------------------------------ impact


def test_impact_lists_instances_projects_and_targets() -> None:
    big = image("u3", "Ubuntu 24.04", min_ram=4096, **GENERIC)
    cloud = assess_cloud(
        images=[image("u1", "Ubuntu 24.04 old", **GENERIC), big],
        servers=[
            server("a", "u1", project="p1", flavor_id="small"),
            server("b", "u1", project="p2", flavor_id="large"),
            server("c", "u3", project="p2", flavor_id="large"),
        ],
        flavors=[flavor("small", ram=2048), flavor("large", ram=8192)],
        now=NOW,
    )
    impact = impact_of(cloud, {"u1": "u3"}, [flavor("small", ram=2048), flavor("large", ram=8192)])
    assert [item.server.id for item in impact.instances] == ["a", "b"]
    assert impact.projects == {"p1", "p2"}
    assert {item.server.id: item.target_flavor.id for item in impact.instances} == {
        "a": "large",  # small no longer fits min_ram
        "b": "large",  # the current flavor fits: no needless resize
    }
    assert impact_of(cloud, {"u1": None}, []).instances[0].target_image is None


# ------------------------------------------------------------------ metadata


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("image_build_date", "2024-05-01", "2024-05-01"),
        ("image_build_date", "20240501", "2024-05-01"),
        ("image_build_date", "", None),
        ("provided_until", "Notice", "notice"),
        ("maintained_until", "2026-04-30", "2026-04-30"),
        ("replace_frequency", "Monthly", "monthly"),
        ("patchlevel", " 2024-05-01.1 ", "2024-05-01.1"),
        ("image_name", "Ubuntu 24.04", "Ubuntu 24.04"),
    ],
)
def test_metadata_value(key: str, text: str, expected: str | None) -> None:
    assert metadata_value(key, text) == expected


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("image_build_date", "last tuesday"),
        ("image_build_date", "2024-13-01"),
        ("provided_until", "soon"),
        ("replace_frequency", "fortnightly"),
        ("os_hidden", "true"),  # not a patch-metadata key
    ],
)
def test_metadata_value_rejects(key: str, text: str) -> None:
    with pytest.raises(MetadataError):
        metadata_value(key, text)


def test_plan_metadata_sends_changed_keys_only() -> None:
    current = image("x", image_build_date="2024-05-01", patchlevel="1", replace_frequency="weekly")
    patch = plan_metadata(
        current,
        {
            "image_build_date": date(2024, 5, 1),  # unchanged
            "patchlevel": "2",
            "replace_frequency": "",  # emptied: removed
            "provided_until": "",  # absent and empty: nothing
            "image_name": "Ubuntu",
        },
    )
    assert patch.set == {"patchlevel": "2", "image_name": "Ubuntu"}
    assert patch.remove == ("replace_frequency",)
