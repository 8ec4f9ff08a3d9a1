"""Restore and Deprecate act only on records this deployment signed for the image.

``patch_dashboard_applied`` is a property like any other: an image's owner can write it
(wherever Glance's property protections are not set), and Restore acts on it with an admin's
token. These tests plant records the way an attacker would: the issue's own example, records
of any shape and size, signed by nobody, by another deployment, or signed here for another
image, and check what the plans would send to Glance.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patch_dashboard.lifecycle.actions import (
    APPLIED_KEY,
    DEPRECATION_KEYS,
    RECORDED_KEYS,
    plan_deprecation,
    plan_restore,
    read_record,
)

from .builders import NOW, image
from .test_actions import GENERIC, OTHER_DEPLOYMENT, SIGNER, apply

OURS = frozenset((*DEPRECATION_KEYS, APPLIED_KEY))
# What the attacker wants an admin's Restore to write.
NATIVE = ("visibility", "owner", "protected", "status", "name", "min_ram", "hw_machine_type")

# The record from the issue: make an own image public, hand it over, unprotect, reactivate.
PLANTED = {
    "version": 1,
    "changed": {
        "visibility": {"before": "public", "after": None},
        "owner": {"before": "admin-project", "after": None},
        "protected": {"before": True, "after": None},
    },
    "deactivated": True,
}


def member_image(record_text: str, **properties: Any):
    """A member's private, deactivated image carrying a planted record and a deprecation."""
    return image(
        "mine",
        "Ubuntu 24.04 (mine)",
        status="deactivated",
        visibility="private",
        owner="member-project",
        deprecation_state="deprecated",
        patch_dashboard_applied=record_text,
        **{**GENERIC, **properties},
    )


def assert_touches_only_our_keys(record_text: str) -> None:
    patch = plan_restore(member_image(record_text), signer=SIGNER)
    assert patch.unrecorded
    assert patch.set == {}
    assert set(patch.remove) <= OURS
    assert not patch.reactivate and not patch.deactivate


def test_the_issues_planted_record_restores_nothing_but_our_keys() -> None:
    for version in (1, 2):
        planted = {**PLANTED, "version": version, "image": "mine", "action": "obsolete"}
        for text in (json.dumps(planted), OTHER_DEPLOYMENT.sign(json.dumps(planted))):
            assert_touches_only_our_keys(text)


def test_a_record_signed_here_names_only_our_keys_with_their_types() -> None:
    valid = {
        "version": 2,
        "image": "mine",
        "action": "obsolete",
        "deactivated": True,
        "changed": {"os_hidden": {"before": False, "after": True}},
    }
    assert read_record(member_image(SIGNER.sign(json.dumps(valid))), signer=SIGNER) is not None
    broken = [
        {**valid, "image": "someone-elses"},  # copied from another image
        {**valid, "changed": {**valid["changed"], "visibility": {"before": "public"}}},
        {**valid, "changed": {"os_hidden": {"before": "no", "after": True}}},  # not a bool
        {**valid, "changed": {"replaced_by": {"before": 7, "after": "x"}}},  # not text
        {**valid, "changed": {"replaced_by": {"before": None, "after": "x", "extra": 1}}},
        {**valid, "deactivated": "yes"},
        {**valid, "action": "publicize"},
        {**valid, "version": 1},
    ]
    for record in broken:
        assert_touches_only_our_keys(SIGNER.sign(json.dumps(record)))


def test_deep_and_huge_records_are_absent_not_errors() -> None:
    for depth in (5_000, 100_000):
        deep = "[" * depth + "]" * depth
        for text in (deep, SIGNER.sign(deep), SIGNER.sign('{"a":' * depth + "1" + "}" * depth)):
            assert read_record(member_image(text), signer=SIGNER) is None
            assert_touches_only_our_keys(text)
    assert_touches_only_our_keys(SIGNER.sign(json.dumps({"version": 2, "x": "y" * 70_000})))


# Any JSON: the shapes a planted record can take.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
entry = st.fixed_dictionaries({"before": json_values, "after": json_values})
record_keys = st.sampled_from(sorted(RECORDED_KEYS) + list(NATIVE)) | st.text(max_size=12)
records = st.fixed_dictionaries(
    {
        "version": st.sampled_from([1, 2]) | json_values,
        "image": st.sampled_from(["mine", "other"]) | json_values,
        "action": st.sampled_from(["deprecate", "obsolete"]) | json_values,
        "deactivated": st.booleans() | json_values,
        "changed": st.dictionaries(record_keys, entry | json_values, max_size=6) | json_values,
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records, how=st.sampled_from(["unsigned", "other deployment", "here"]))
def test_restore_writes_only_our_keys_and_only_what_a_valid_record_says(
    record: dict[str, Any], how: str
) -> None:
    text = json.dumps(record)
    signed = {"unsigned": text, "other deployment": OTHER_DEPLOYMENT.sign(text)}.get(
        how, SIGNER.sign(text)
    )
    target = member_image(signed)
    patch = plan_restore(target, signer=SIGNER)
    valid = read_record(target, signer=SIGNER)
    assert set(patch.set) <= RECORDED_KEYS
    assert set(patch.remove) <= RECORDED_KEYS | {APPLIED_KEY}
    if how != "here" or valid is None:
        assert patch.unrecorded and patch.set == {} and not patch.reactivate
    else:
        assert set(valid.changes) <= RECORDED_KEYS
        assert patch.reactivate is valid.deactivated


@settings(max_examples=200, deadline=None)
@given(record=records, how=st.sampled_from(["unsigned", "other deployment"]))
def test_deprecate_never_carries_a_planted_entry_forward(record: dict[str, Any], how: str) -> None:
    text = json.dumps(record)
    planted = text if how == "unsigned" else OTHER_DEPLOYMENT.sign(text)
    target = image("mine", "Ubuntu 24.04 (mine)", patch_dashboard_applied=planted, **GENERIC)
    patch = plan_deprecation(
        target,
        obsolete=False,
        replacement_id=None,
        reason="CVE",
        user_id="admin",
        now=NOW,
        signer=SIGNER,
    )
    written = read_record(apply(target, patch), signer=SIGNER)
    assert written is not None
    # Only keys this deprecation wrote, each with what the image held before it.
    assert set(written.changes) == (set(patch.set) | set(patch.remove)) - {APPLIED_KEY}
    for key, change in written.changes.items():
        before = target.hidden if key == "os_hidden" else target.properties.get(key)
        assert change.before == before
    assert not written.deactivated
