"""Families (lineages) of images and the order of builds inside a family."""

from __future__ import annotations

from typing import Any

import pytest

from patch_dashboard.lifecycle import ImageRecord, assess_images
from patch_dashboard.lifecycle.families import strip_build_suffix

from .builders import NOW, image


def families(*images: ImageRecord) -> dict[str, tuple[str, str, str, tuple[str, ...]]]:
    """Image id -> (family key, label, evidence, builds newest first)."""
    assessed = assess_images(images, now=NOW)
    return {
        image_id: (a.family.key, a.family.label, a.family.evidence, a.family.builds)
        for image_id, a in assessed.items()
    }


@pytest.mark.parametrize(
    ("name", "family_name"),
    [
        pytest.param("Ubuntu 24.04 (20240101)", "Ubuntu 24.04", id="osism-version"),
        pytest.param("Ubuntu 24.04 (1.2.3)", "Ubuntu 24.04", id="osism-semver"),
        pytest.param("Ubuntu 24.04 20240101", "Ubuntu 24.04", id="date-suffix"),
        pytest.param("Ubuntu 24.04 2024-01-01", "Ubuntu 24.04", id="iso-date-suffix"),
        pytest.param("ubuntu_24.04_20240101", "ubuntu_24.04", id="underscore"),
        pytest.param("ubuntu-24.04-20240101", "ubuntu-24.04", id="dash"),
        pytest.param("Debian 12 old", "Debian 12", id="old"),
        pytest.param("Debian 12 OLD", "Debian 12", id="old-upper"),
        pytest.param("Debian 12-prev", "Debian 12", id="prev-dash"),
        pytest.param("Debian 12 (20240101) old", "Debian 12", id="repeated"),
        pytest.param("Debian 12 old 20240101 prev", "Debian 12", id="repeated-three"),
        pytest.param("Debian 12  20240101  ", "Debian 12", id="extra-blanks"),
        pytest.param("Bold", "Bold", id="old-inside-word"),
        pytest.param("Debian 12 older", "Debian 12 older", id="older-is-a-word"),
        pytest.param("cirros", "cirros", id="plain"),
        pytest.param("old", "old", id="only-suffix-kept"),
        pytest.param("(20240101)", "(20240101)", id="only-version-kept"),
        pytest.param("CentOS 7 1234", "CentOS 7 1234", id="number-is-not-a-date"),
        pytest.param("Build 12345678", "Build 12345678", id="eight-digits-not-a-date"),
    ],
)
def test_name_family_strips_build_suffixes(name: str, family_name: str) -> None:
    assert strip_build_suffix(name)[0] == family_name


def test_osism_builds_share_a_family_labelled_without_version() -> None:
    result = families(
        image("old", "Ubuntu 24.04 (20240101)", image_build_date="2024-01-01"),
        image("new", "Ubuntu 24.04 (20240201)", image_build_date="2024-02-01"),
        image("other", "Debian 12 (20240201)", image_build_date="2024-02-01"),
    )
    assert result["old"] == result["new"]
    key, label, evidence, builds = result["new"]
    assert (label, evidence, builds) == ("Ubuntu 24.04", "name", ("new", "old"))
    assert result["other"][0] != key


def test_old_and_prev_builds_join_the_current_name() -> None:
    result = families(
        image("cur", "Rocky 9"), image("old", "Rocky 9 old"), image("prev", "Rocky 9 prev")
    )
    assert {result[i][0] for i in ("cur", "old", "prev")} == {result["cur"][0]}
    assert result["cur"][1] == "Rocky 9"


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param(
            {"image_name": "Ubuntu 24.04"},
            {"image_name": "ubuntu  24.04", "os_distro": "debian", "os_version": "12"},
            True,
            id="image-name-wins-over-scs",
        ),
        pytest.param(
            {"os_distro": "ubuntu", "os_version": "24.04", "os_purpose": "generic"},
            {"os_distro": "Ubuntu", "os_version": "24.04", "os_purpose": "oldgeneric"},
            True,
            id="scs-oldgeneric-is-generic",
        ),
        pytest.param(
            {"os_distro": "ubuntu", "os_version": "24.04", "architecture": "x86_64"},
            {"os_distro": "ubuntu", "os_version": "24.04", "architecture": "aarch64"},
            False,
            id="scs-architecture-differs",
        ),
        pytest.param(
            {"os_distro": "ubuntu", "os_version": "24.04", "os_purpose": "generic"},
            {"os_distro": "ubuntu", "os_version": "24.04", "os_purpose": "k8snode"},
            False,
            id="scs-purpose-differs",
        ),
        pytest.param(
            {"os_distro": "ubuntu", "os_version": "24.04"},
            {"os_distro": "ubuntu", "os_version": "22.04"},
            False,
            id="scs-version-differs",
        ),
        pytest.param(
            {"os_distro": "ubuntu"},
            {"os_distro": "ubuntu"},
            False,
            id="distro-without-version-falls-back-to-name",
        ),
        pytest.param(
            {"image_name": "Ubuntu 24.04"},
            {"os_distro": "ubuntu", "os_version": "24.04"},
            False,
            id="image-name-first",
        ),
    ],
)
def test_family_rules(first: dict[str, Any], second: dict[str, Any], same: bool) -> None:
    # Different display names, so only the properties can join them.
    result = families(image("a", "Alpha 20240101", **first), image("b", "Beta", **second))
    assert (result["a"][0] == result["b"][0]) is same


def test_scs_family_label_and_evidence() -> None:
    result = families(
        image(
            "a",
            "whatever",
            os_distro="ubuntu",
            os_version="24.04",
            architecture="x86_64",
            os_purpose="oldgeneric",
        )
    )
    assert result["a"][1:3] == ("whatever", "scs")


@pytest.mark.parametrize(
    ("name", "architecture", "purpose", "label"),
    [
        pytest.param("Ubuntu 24.04 20241101", "x86_64", "generic", "Ubuntu 24.04", id="usual"),
        pytest.param("Ubuntu 24.04", "aarch64", "generic", "Ubuntu 24.04 aarch64", id="arm"),
        pytest.param("Ubuntu 24.04", "x86_64", "k8snode", "Ubuntu 24.04 (k8snode)", id="purpose"),
        pytest.param("", "x86_64", "generic", "ubuntu 24.04", id="nameless"),
    ],
)
def test_scs_family_label_says_what_differs(
    name: str, architecture: str, purpose: str, label: str
) -> None:
    result = families(
        image(
            "a",
            name,
            os_distro="ubuntu",
            os_version="24.04",
            architecture=architecture,
            os_purpose=purpose,
        )
    )
    assert result["a"][1] == label


@pytest.mark.parametrize(
    ("names", "evidence"),
    [
        pytest.param(["cirros"], "none", id="lone-plain-name"),
        pytest.param(["cirros 20240101"], "name", id="lone-but-stripped"),
        pytest.param(["cirros", "cirros"], "name", id="shared-plain-name"),
        pytest.param(["cirros", "cirros old"], "name", id="old-build"),
    ],
)
def test_name_evidence(names: list[str], evidence: str) -> None:
    result = families(*(image(f"i{n}", name) for n, name in enumerate(names)))
    assert result["i0"][2] == evidence


def test_nameless_images_are_not_one_family() -> None:
    result = families(image("a", "", image_build_date="2024-01-01"), image("b", " "))
    assert result["a"][0] != result["b"][0]
    assert result["a"][2:] == ("none", ("a",))


def test_only_public_images_form_cloud_wide_families() -> None:
    # Any owner may publish a community image (and an admin's listing holds all of them):
    # it must not become the newest build of a public family, nor its default replacement.
    result = families(
        image("public", "Ubuntu 24.04 (20240101)"),
        image("mine", "Ubuntu 24.04 (20240601)", visibility="private", owner="p1"),
        image("mine-old", "Ubuntu 24.04 (20240501)", visibility="private", owner="p1"),
        image("theirs", "Ubuntu 24.04 (20240601)", visibility="shared", owner="p2"),
        image("community", "Ubuntu 24.04 (20240701)", visibility="community", owner="p3"),
    )
    assert result["mine"][0] == result["mine-old"][0]
    assert len({result[i][0] for i in ("public", "mine", "theirs", "community")}) == 4


@pytest.mark.parametrize(
    ("builds", "newest_first"),
    [
        pytest.param(
            {
                "a": {"image_build_date": "2024-01-01", "internal_version": "9"},
                "b": {"image_build_date": "2024-02-01", "internal_version": "1"},
            },
            ["b", "a"],
            id="build-date-first",
        ),
        pytest.param(
            {
                "a": {"image_build_date": "2024-01-01", "internal_version": "1.9"},
                "b": {"image_build_date": "2024-01-01", "internal_version": "1.10"},
            },
            ["b", "a"],
            id="same-date-natural-version",
        ),
        pytest.param(
            {
                "a": {"internal_version": "2023.2"},
                "b": {"internal_version": "2024.1"},
                "c": {"internal_version": "2024.1.1"},
            },
            ["c", "b", "a"],
            id="calendar-versions",
        ),
        pytest.param(
            {"a": {"internal_version": "v2-beta"}, "b": {"internal_version": "v10-beta"}},
            ["b", "a"],
            id="mixed-strings",
        ),
        pytest.param(
            {
                "a": {"image_build_date": "2024-01-01", "created_at": "2024-01-05T00:00:00Z"},
                "b": {"image_build_date": "2024-01-01", "created_at": "2024-01-03T00:00:00Z"},
            },
            ["a", "b"],
            id="same-date-created-at",
        ),
        pytest.param(
            {"b": {"image_build_date": "2024-01-01"}, "a": {"image_build_date": "2024-01-01"}},
            ["b", "a"],
            id="full-tie-by-id",
        ),
        pytest.param(
            {
                "a": {"image_build_date": "2024-01-01"},
                "b": {"created_at": "2024-05-01T00:00:00Z"},
            },
            ["a", "b"],
            id="missing-build-date-is-oldest",
        ),
        pytest.param(
            {
                "a": {"image_build_date": "2024-01-01", "internal_version": "1"},
                "b": {"image_build_date": "2024-01-01"},
            },
            ["a", "b"],
            id="missing-version-is-oldest",
        ),
        pytest.param(
            {
                "a": {"image_build_date": "2024-02-01", "updated_at": "2024-01-01T00:00:00Z"},
                "b": {"image_build_date": "2024-01-01", "updated_at": "2024-06-01T00:00:00Z"},
            },
            ["a", "b"],
            id="updated-at-ignored",
        ),
        pytest.param(
            {"a": {"image_build_date": "2024-02-01"}, "b": {"image_build_date": "not a date"}},
            ["a", "b"],
            id="bad-date-is-oldest",
        ),
    ],
)
def test_build_order(builds: dict[str, dict[str, Any]], newest_first: list[str]) -> None:
    records = [image(image_id, "Fedora 40", **props) for image_id, props in builds.items()]
    assert list(families(*records)["a"][3]) == newest_first


def test_snapshots_inherit_family_but_are_not_builds() -> None:
    result = families(
        image("base", "Ubuntu 24.04 (20240101)", image_build_date="2024-01-01"),
        image(
            "snap",
            "my server backup",
            image_type="snapshot",
            base_image_ref="base",
            image_build_date="2024-06-01",
        ),
        image("snap2", "backup of backup", image_type="snapshot", base_image_ref="snap"),
        image("orphan", "Ubuntu 24.04 (20240101)", image_type="snapshot", base_image_ref="gone"),
    )
    assert result["snap"][0] == result["base"][0] == result["snap2"][0]
    assert result["base"][3] == ("base",)
    assert result["orphan"][0] != result["base"][0]
    assert result["orphan"][2:] == ("none", ())
