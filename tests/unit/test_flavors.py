"""Flavor fit (Nova's create-time rules) and the recommended flavor."""

from __future__ import annotations

from typing import Any

import pytest

from patch_dashboard.lifecycle import FlavorRecord, flavor_fit, recommend_flavor

from .builders import flavor, image


@pytest.mark.parametrize(
    ("image_props", "specs", "reasons"),
    [
        pytest.param({"min_ram": 2048}, {}, (), id="ram-exact"),
        pytest.param({"min_ram": 4096}, {}, ("min_ram",), id="ram-short"),
        pytest.param({"min_disk": 20}, {}, (), id="disk-exact"),
        pytest.param({"min_disk": 40}, {}, ("min_disk",), id="disk-short"),
        pytest.param(
            {"min_ram": 4096, "min_disk": 40}, {}, ("min_ram", "min_disk"), id="both-short"
        ),
        pytest.param(
            {"hw_cpu_policy": "dedicated"},
            {"hw:cpu_policy": "shared"},
            ("hw:cpu_policy",),
            id="pinning-on-shared",
        ),
        pytest.param(
            {"hw_cpu_policy": "dedicated"},
            {"hw:cpu_policy": "mixed"},
            ("hw:cpu_policy",),
            id="pinning-on-mixed",
        ),
        pytest.param(
            {"hw_cpu_policy": "Dedicated"},
            {"hw:cpu_policy": "dedicated"},
            (),
            id="pinning-case-insensitive",
        ),
        pytest.param(
            {"hw_cpu_policy": "shared"}, {"hw:cpu_policy": "dedicated"}, (), id="flavor-pins"
        ),
        pytest.param({"hw_cpu_policy": "dedicated"}, {}, (), id="image-pins-unset-flavor"),
        pytest.param(
            {"hw_cpu_thread_policy": "isolate"},
            {"hw:cpu_thread_policy": "require"},
            ("hw:cpu_thread_policy",),
            id="thread-policy-differs",
        ),
        pytest.param(
            {"hw_mem_page_size": "large"},
            {},
            ("hw:mem_page_size",),
            id="page-size-not-allowed-by-flavor",
        ),
        pytest.param(
            {"hw_mem_page_size": "1GB"}, {"hw:mem_page_size": "large"}, (), id="flavor-large"
        ),
        pytest.param(
            {"hw_mem_page_size": "small"},
            {"hw:mem_page_size": "large"},
            ("hw:mem_page_size",),
            id="small-on-large-flavor",
        ),
        pytest.param({"hw_mem_page_size": "2MB"}, {"hw:mem_page_size": "any"}, (), id="any"),
        pytest.param(
            {"hw_mem_page_size": "2MB"}, {"hw:mem_page_size": "2048"}, (), id="same-size-in-kib"
        ),
        pytest.param(
            {"hw_mem_page_size": "1GB"},
            {"hw:mem_page_size": "2MB"},
            ("hw:mem_page_size",),
            id="explicit-sizes-differ",
        ),
        pytest.param(
            {"hw_mem_page_size": "large"}, {"hw:mem_page_size": "1GB"}, (), id="large-on-1gb"
        ),
        pytest.param(
            {"hw_vif_multiqueue_enabled": "true"},
            {"hw:vif_multiqueue_enabled": "True"},
            (),
            id="booleans-by-value",
        ),
        pytest.param(
            {"hw_vif_multiqueue_enabled": "yes"},
            {"hw:vif_multiqueue_enabled": "false"},
            ("hw:vif_multiqueue_enabled",),
            id="booleans-differ",
        ),
        pytest.param(
            {"hw_numa_nodes": "2"}, {"hw:numa_nodes": "1"}, ("hw:numa_nodes",), id="numa-differs"
        ),
        pytest.param(
            {"hw_cpu_sockets": "4"},
            {"hw:cpu_max_sockets": "2"},
            ("hw:cpu_sockets",),
            id="sockets-above-flavor-max",
        ),
        pytest.param(
            {"hw_cpu_sockets": "2"}, {"hw:cpu_max_sockets": "2"}, (), id="sockets-within-max"
        ),
        pytest.param(
            {"hw_cpu_max_cores": "8"},
            {"hw:cpu_max_cores": "4"},
            ("hw:cpu_max_cores",),
            id="image-max-above-flavor-max",
        ),
        pytest.param(
            {"hw_serial_port_count": "2"},
            {"hw:serial_port_count": "1"},
            ("hw:serial_port_count",),
            id="serial-ports-above-flavor-max",
        ),
        pytest.param({"hw_disk_bus": "scsi"}, {"hw:cpu_policy": "shared"}, (), id="image-only"),
        pytest.param(
            {"trait:CUSTOM_SGX": "required"},
            {"trait:CUSTOM_SGX": "forbidden"},
            ("trait:CUSTOM_SGX",),
            id="trait-required-forbidden",
        ),
        pytest.param(
            {"trait:HW_GPU": "forbidden"},
            {"trait:HW_GPU": "Required"},
            ("trait:HW_GPU",),
            id="trait-forbidden-required",
        ),
        pytest.param(
            {"trait:HW_GPU": "required"}, {"trait:HW_GPU": "required"}, (), id="trait-agrees"
        ),
        pytest.param({"trait:HW_GPU": "required"}, {}, (), id="trait-left-to-placement"),
    ],
)
def test_flavor_fit(
    image_props: dict[str, Any], specs: dict[str, str], reasons: tuple[str, ...]
) -> None:
    result = flavor_fit(image("img", **image_props), _flavor("m1", specs))
    assert result.reasons == reasons
    assert result.fits is (not reasons)
    assert result.flavor.id == "m1"


def _flavor(flavor_id: str, specs: dict[str, str], **size: int) -> FlavorRecord:
    return flavor(flavor_id, **size, **{key.replace(":", "__"): v for key, v in specs.items()})


@pytest.mark.parametrize(
    ("disk", "boot_from_volume", "fits"),
    [
        pytest.param(10, False, False, id="small-disk"),
        pytest.param(0, False, True, id="disk-zero-sized-from-image"),
        pytest.param(10, True, True, id="boot-from-volume"),
    ],
)
def test_root_disk_rules(disk: int, boot_from_volume: bool, fits: bool) -> None:
    result = flavor_fit(
        image("img", min_disk=40), flavor("f", disk=disk), boot_from_volume=boot_from_volume
    )
    assert result.fits is fits


FLAVORS = [
    flavor("m1.large", vcpus=4, ram=8192, disk=80),
    flavor("m1.small", vcpus=1, ram=2048, disk=20),
    flavor("m1.tiny", vcpus=1, ram=512, disk=1),
    flavor("m1.medium", vcpus=2, ram=4096, disk=40),
    flavor("b.small", vcpus=1, ram=2048, disk=20),
    flavor("pinned", vcpus=1, ram=1024, disk=10, hw__cpu_policy="dedicated"),
]
BY_ID = {f.id: f for f in FLAVORS}


@pytest.mark.parametrize(
    ("image_props", "current", "boot_from_volume", "expected"),
    [
        pytest.param({"min_ram": 1024}, "m1.large", False, "m1.large", id="current-fits-kept"),
        pytest.param({"min_ram": 4096}, "m1.small", False, "m1.medium", id="current-too-small"),
        pytest.param({"min_ram": 1024}, None, False, "pinned", id="smallest-by-ram"),
        pytest.param(
            {"min_ram": 1024, "hw_cpu_policy": "dedicated"},
            None,
            False,
            "pinned",
            id="pinning-allowed",
        ),
        pytest.param({"min_ram": 2048}, None, False, "b.small", id="tie-broken-by-name"),
        pytest.param({"min_disk": 30}, None, False, "m1.medium", id="disk-decides"),
        pytest.param({"min_disk": 30}, None, True, "m1.tiny", id="bfv-ignores-disk"),
        pytest.param({"min_ram": 99999}, "m1.large", False, None, id="nothing-fits"),
    ],
)
def test_recommend_flavor(
    image_props: dict[str, Any],
    current: str | None,
    boot_from_volume: bool,
    expected: str | None,
) -> None:
    chosen = recommend_flavor(
        image("img", **image_props),
        FLAVORS,
        current=BY_ID[current] if current else None,
        boot_from_volume=boot_from_volume,
    )
    assert (chosen.id if chosen else None) == expected
