"""Instances, their recommendations and compliance, over one cloud listing."""

from __future__ import annotations

from typing import Any

import pytest

from patch_dashboard.lifecycle import (
    DELETED_FAMILY,
    CloudAssessment,
    ComplianceCount,
    InstanceAssessment,
    OutdatedReason,
    ServerRecord,
    assess_cloud,
    parse_server,
)

from .builders import NOW, flavor, image, server

R = OutdatedReason

IMAGES = [
    image("u24-jan", "Ubuntu 24.04 (20240101)", image_build_date="2024-01-01", min_ram=1024),
    # The newest build needs more memory than m1.small offers.
    image("u24-jun", "Ubuntu 24.04 (20240601)", image_build_date="2024-06-01", min_ram=4096),
    image(
        "deb-old",
        "Debian 11",
        image_build_date="2023-01-01",
        deprecation_state="deprecated",
        replaced_by="deb12",
        provided_until="2024-06-01",
    ),
    image("deb12", "Debian 12", image_build_date="2024-06-10"),
    image("stale", "Rocky 9", image_build_date="2024-01-01", replace_frequency="monthly"),
    image("cirros", "cirros"),
    image("nodate", "Alma 9 (1)", created_at="2024-05-16T00:00:00Z"),
    image("nodate-old", "Alma 9 (0)", created_at="2024-01-01T00:00:00Z"),
    image("snap", "my backup", image_type="snapshot", base_image_ref="u24-jan"),
]
FLAVORS = [
    flavor("m1.small", vcpus=1, ram=2048, disk=20),
    flavor("m1.medium", vcpus=2, ram=4096, disk=40),
    flavor("m1.large", vcpus=4, ram=8192, disk=80),
]


def run(*servers: ServerRecord, images: list[Any] | None = None) -> CloudAssessment:
    return assess_cloud(
        images=IMAGES if images is None else images, servers=servers, flavors=FLAVORS, now=NOW
    )


def only(*servers: ServerRecord) -> InstanceAssessment:
    return run(*servers).instances[0]


def summary(instance: InstanceAssessment) -> dict[str, Any]:
    """What the Outdated Instances page shows for one row."""
    return {
        "outdated": instance.outdated,
        "reasons": set(instance.reasons),
        "image": instance.recommended_image.id if instance.recommended_image else None,
        "flavor": instance.recommended_flavor.id if instance.recommended_flavor else None,
        "days": instance.days_behind,
        "builds": instance.builds_behind,
    }


@pytest.mark.parametrize(
    ("server_image", "flavor_id", "expected"),
    [
        pytest.param(
            "u24-jun",
            "m1.medium",
            dict(
                outdated=False, reasons=set(), image=None, flavor="m1.medium", days=None, builds=0
            ),
            id="current",
        ),
        pytest.param(
            "u24-jan",
            "m1.small",
            dict(
                outdated=True,
                reasons={R.SUPERSEDED},
                image="u24-jun",
                flavor="m1.medium",  # m1.small is too small for the new build
                days=14,
                builds=1,
            ),
            id="superseded-flavor-grows",
        ),
        pytest.param(
            "u24-jan",
            "m1.large",
            dict(
                outdated=True,
                reasons={R.SUPERSEDED},
                image="u24-jun",
                flavor="m1.large",
                days=14,
                builds=1,
            ),
            id="superseded-current-flavor-kept",
        ),
        pytest.param(
            "deb-old",
            "m1.small",
            dict(
                outdated=True,
                reasons={R.DEPRECATED, R.END_OF_LIFE},
                image="deb12",
                flavor="m1.small",
                days=5,
                builds=0,
            ),
            id="deprecated-replaced-by",
        ),
        pytest.param(
            "stale",
            "m1.small",
            # No newer build: the image itself is the best there is, no days behind.
            dict(
                outdated=True,
                reasons={R.STALE},
                image="stale",
                flavor="m1.small",
                days=None,
                builds=0,
            ),
            id="stale-newest",
        ),
        pytest.param(
            "cirros",
            "m1.small",
            dict(
                outdated=True,
                reasons={R.UNKNOWN},
                image="cirros",
                flavor="m1.small",
                days=None,
                builds=0,
            ),
            id="unknown",
        ),
        pytest.param(
            "nodate-old",
            "m1.small",
            dict(
                outdated=True,
                reasons={R.SUPERSEDED},
                image="nodate",
                flavor="m1.small",
                days=30,
                builds=1,
            ),
            id="days-from-created-at",
        ),
        pytest.param(
            "snap",
            "m1.small",
            dict(
                outdated=True,
                reasons={R.SUPERSEDED},
                image="u24-jun",
                flavor="m1.medium",
                days=14,
                builds=1,
            ),
            id="snapshot-of-superseded-base",
        ),
        pytest.param(
            "deleted-id",
            "m1.small",
            dict(
                outdated=True,
                reasons={R.IMAGE_DELETED},
                image=None,
                flavor=None,
                days=None,
                builds=None,
            ),
            id="image-deleted",
        ),
        pytest.param(
            None,
            "m1.small",
            dict(
                outdated=True,
                reasons={R.NO_IMAGE},
                image=None,
                flavor=None,
                days=None,
                builds=None,
            ),
            id="no-image",
        ),
    ],
)
def test_instance_rows(server_image: str | None, flavor_id: str, expected: dict[str, Any]) -> None:
    assert summary(only(server("s1", server_image, flavor_id=flavor_id))) == expected


def test_boot_from_volume_uses_the_volume_image() -> None:
    bfv = server(
        "s1",
        None,
        flavor_id="m1.small",
        **{"os-extended-volumes:volumes_attached": [{"id": "vol-1"}]},
        volume_image_ids={"vol-1": "u24-jan"},
    )
    result = run(bfv)
    instance = result.instances[0]
    assert instance.image_id == "u24-jan"
    assert summary(instance)["reasons"] == {R.SUPERSEDED}
    assert result.images["u24-jan"].instance_count == 1


def test_boot_from_volume_ignores_root_disk_size() -> None:
    tiny = flavor("tiny", vcpus=1, ram=8192, disk=1)
    big_disk = image("big", "Big 1", image_build_date="2024-06-10", min_disk=50)
    bfv = server(
        "s1",
        None,
        flavor_id="tiny",
        **{"os-extended-volumes:volumes_attached": [{"id": "v"}]},
        volume_image_ids={"v": "big"},
    )
    booted = server("s2", "big", flavor_id="tiny")
    result = assess_cloud(images=[big_disk], servers=[bfv, booted], flavors=[tiny], now=NOW)
    chosen = [i.recommended_flavor.id if i.recommended_flavor else None for i in result.instances]
    assert chosen == ["tiny", None]


def test_current_flavor_matched_by_name_for_embedded_flavors() -> None:
    embedded = parse_server(
        {
            "id": "s1",
            "tenant_id": "p1",
            "image": {"id": "u24-jun"},
            "flavor": {"original_name": "m1.large"},
        }
    )
    instance = only(embedded)
    assert instance.flavor is not None and instance.flavor.id == "m1.large"
    assert instance.recommended_flavor == instance.flavor


def test_instance_counts_per_image() -> None:
    result = run(
        server("a", "u24-jan"),
        server("b", "u24-jan"),
        server("c", "snap"),
        server("d", "deleted-id"),
    )
    counts = {i: a.instance_count for i, a in result.images.items() if a.instance_count}
    assert counts == {"u24-jan": 2, "snap": 1}


def test_compliance_overall_per_project_and_family() -> None:
    result = run(
        server("a", "u24-jun", project="p1"),
        server("b", "u24-jan", project="p1"),
        server("c", "deb12", project="p2"),
        server("d", "deleted-id", project="p2"),
        server("e", "snap", project="p3"),
        server("f", None, project="p3"),
    )
    compliance = result.compliance
    assert compliance.overall == ComplianceCount(2, 6)
    assert compliance.overall.share == pytest.approx(1 / 3)
    assert compliance.by_project == {
        "p1": ComplianceCount(1, 2),
        "p2": ComplianceCount(1, 2),
        "p3": ComplianceCount(0, 2),
    }
    by_label = {result.families[key].label: count for key, count in compliance.by_family.items()}
    assert by_label == {
        "Ubuntu 24.04": ComplianceCount(1, 3),  # the snapshot counts in its base family
        "Debian 12": ComplianceCount(1, 1),
        "(image deleted)": ComplianceCount(0, 1),
        "(no image)": ComplianceCount(0, 1),
    }
    deleted = DELETED_FAMILY.key
    assert deleted in compliance.by_family and result.families[deleted].label == "(image deleted)"


def test_no_servers_no_pseudo_families() -> None:
    result = run()
    assert result.compliance.overall == ComplianceCount(0, 0)
    assert result.compliance.overall.share is None
    assert "" not in result.families
    assert set(result.images) == {i.id for i in IMAGES}


def test_duplicate_image_ids_keep_the_first() -> None:
    first = image("dup", "Fedora 40", image_build_date="2024-06-10")
    second = image("dup", "Fedora 40", deprecation_state="obsolete")
    result = assess_cloud(images=[first, second], servers=[], flavors=[], now=NOW)
    assert result.images["dup"].image is first
    assert result.families[result.images["dup"].family.key].builds == ("dup",)


# A private flavor between m1.small and m1.medium: shared with the project (a member's
# listing), or any project's (an admin's listing, where Nova lists every private flavor).
PRIVATE = flavor("p.4g", vcpus=1, ram=4096, disk=20, public=False)


@pytest.mark.parametrize(
    ("private_usable", "flavor_id", "expected"),
    [
        # m1.small is too small for the newest build: the smallest fitting flavor.
        pytest.param(True, "m1.small", "p.4g", id="member-listing-names-the-private-flavor"),
        pytest.param(False, "m1.small", "m1.medium", id="admin-listing-names-public-only"),
        # An instance already on the private flavor keeps it when it fits, either way.
        pytest.param(False, "p.4g", "p.4g", id="admin-listing-keeps-the-current-flavor"),
    ],
)
def test_private_flavors_recommended_only_from_the_projects_own_listing(
    private_usable: bool, flavor_id: str, expected: str
) -> None:
    result = assess_cloud(
        images=IMAGES,
        servers=[server("s1", "u24-jan", flavor_id=flavor_id)],
        flavors=[*FLAVORS, PRIVATE],
        now=NOW,
        private_flavors_usable=private_usable,
    )
    chosen = result.instances[0].recommended_flavor
    assert chosen is not None and chosen.id == expected
