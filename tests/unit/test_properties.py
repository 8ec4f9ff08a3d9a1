"""Payloads -> records: tolerant parsing of Glance images, Nova servers and flavors."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from patch_dashboard.lifecycle import (
    DeprecationState,
    ReplaceFrequency,
    parse_flavor,
    parse_image,
    parse_server,
)

from .builders import image

UTC = timezone.utc


def test_scs_image_is_read_completely() -> None:
    record = parse_image(
        {
            "id": "img-1",
            "name": "Ubuntu 24.04",
            "status": "active",
            "visibility": "public",
            "os_hidden": False,
            "owner": "admin-project",
            "created_at": "2024-05-02T08:00:00Z",
            "updated_at": "2024-06-01T08:00:00Z",
            "min_ram": 512,
            "min_disk": 8,
            "tags": ["x"],
            "os_distro": "ubuntu",
            "os_version": "24.04",
            "architecture": "x86_64",
            "os_purpose": "generic",
            "image_build_date": "2024-05-01",
            "patchlevel": "20240501",
            "replace_frequency": "monthly",
            "provided_until": "2029-04-30",
            "maintained_until": "notice",
            "uuid_validity": "last-3",
            "hotfix_hours": "24",
            "image_source": "https://cloud-images.ubuntu.com/x.img",
            "image_description": "https://ubuntu.com",
            "image_original_user": "ubuntu",
            "internal_version": "20240501",
            "hw_disk_bus": "scsi",
            "trait:CUSTOM_SECURE": "required",
        }
    )
    assert (record.id, record.name, record.status, record.hidden) == (
        "img-1",
        "Ubuntu 24.04",
        "active",
        False,
    )
    assert record.created_at == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    assert (record.min_ram, record.min_disk) == (512, 8)
    assert (record.os_distro, record.os_version, record.architecture, record.os_purpose) == (
        "ubuntu",
        "24.04",
        "x86_64",
        "generic",
    )
    assert record.build_date == date(2024, 5, 1)
    assert record.replace_frequency is ReplaceFrequency.MONTHLY
    assert record.provided_until == date(2029, 4, 30)
    assert record.maintained_until is None
    assert record.hotfix_hours == 24
    assert record.image_original_user == "ubuntu"
    assert record.requirements == {"hw_disk_bus": "scsi", "trait:CUSTOM_SECURE": "required"}
    assert "updated_at" not in record.properties and "min_ram" not in record.properties
    assert record.properties["os_distro"] == "ubuntu"
    assert record.invalid == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2024-01-02", date(2024, 1, 2), id="date"),
        pytest.param("2024-01-02T10:00:00Z", date(2024, 1, 2), id="datetime-z"),
        pytest.param("2024-01-02 10:00:00", date(2024, 1, 2), id="space-separated"),
        pytest.param("2024-01-02T23:30:00-05:00", date(2024, 1, 3), id="offset-to-utc-date"),
        pytest.param("20240102", date(2024, 1, 2), id="basic-format"),
        pytest.param(" 2024-01-02 ", date(2024, 1, 2), id="blanks"),
    ],
)
def test_build_date_accepts_iso_8601(raw: str, expected: date) -> None:
    record = image("a", image_build_date=raw)
    assert record.build_date == expected
    assert record.invalid == {}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("2024-13-01", id="month-13"),
        pytest.param("yesterday", id="word"),
        pytest.param("01/02/2024", id="us-format"),
        pytest.param(20240102, id="int"),
        pytest.param(2024.5, id="float"),
        pytest.param(["2024-01-02"], id="list"),
        pytest.param({"date": "2024-01-02"}, id="dict"),
        pytest.param(True, id="bool"),
    ],
)
def test_unparsable_dates_are_unknown_and_kept_raw(raw: Any) -> None:
    record = image("a", image_build_date=raw, deprecated_at=raw, provided_until=raw)
    assert (record.build_date, record.deprecated_at, record.provided_until) == (None, None, None)
    assert record.invalid == {
        "image_build_date": str(raw),
        "deprecated_at": str(raw),
        "provided_until": str(raw),
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2024-01-02T10:00:00+02:00", datetime(2024, 1, 2, 8, tzinfo=UTC), id="offset"),
        pytest.param("2024-01-02T10:00:00Z", datetime(2024, 1, 2, 10, tzinfo=UTC), id="z"),
        pytest.param("2024-01-02 10:00:00", datetime(2024, 1, 2, 10, tzinfo=UTC), id="naive"),
        pytest.param("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC), id="date-is-midnight"),
        pytest.param(
            "2024-01-02T10:00:00.123456Z",
            datetime(2024, 1, 2, 10, 0, 0, 123456, tzinfo=UTC),
            id="fraction",
        ),
    ],
)
def test_datetimes_become_aware_utc(raw: str, expected: datetime) -> None:
    record = image("a", obsolete_at=raw)
    assert record.obsolete_at == expected
    assert record.obsolete_at is not None and record.obsolete_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("raw", "expected", "invalid"),
    [
        pytest.param("none", None, False, id="none"),
        pytest.param("NONE", None, False, id="none-upper"),
        pytest.param("notice", None, False, id="notice"),
        pytest.param("Notice", None, False, id="notice-mixed"),
        pytest.param("2025-12-31", date(2025, 12, 31), False, id="date"),
        pytest.param("never", None, True, id="unknown-word"),
    ],
)
def test_provided_and_maintained_until_words(
    raw: str, expected: date | None, invalid: bool
) -> None:
    record = image("a", provided_until=raw, maintained_until=raw)
    assert (record.provided_until, record.maintained_until) == (expected, expected)
    assert ("provided_until" in record.invalid) is invalid
    assert ("maintained_until" in record.invalid) is invalid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("monthly", ReplaceFrequency.MONTHLY, id="lower"),
        pytest.param("Monthly", ReplaceFrequency.MONTHLY, id="capitalised"),
        pytest.param(" CRITICAL_BUG ", ReplaceFrequency.CRITICAL_BUG, id="upper-blanks"),
        pytest.param("never", ReplaceFrequency.NEVER, id="never"),
        pytest.param("fortnightly", None, id="unknown"),
        pytest.param(30, None, id="int"),
        pytest.param(["monthly"], None, id="list"),
    ],
)
def test_replace_frequency_enum(raw: Any, expected: ReplaceFrequency | None) -> None:
    record = image("a", replace_frequency=raw)
    assert record.replace_frequency is expected
    assert ("replace_frequency" in record.invalid) is (expected is None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("deprecated", DeprecationState.DEPRECATED, id="deprecated"),
        pytest.param("OBSOLETE", DeprecationState.OBSOLETE, id="obsolete-upper"),
        pytest.param("Active", DeprecationState.ACTIVE, id="active"),
        pytest.param("retired", None, id="unknown"),
    ],
)
def test_deprecation_state_enum(raw: str, expected: DeprecationState | None) -> None:
    record = image("a", deprecation_state=raw)
    assert record.deprecation_state is expected
    assert record.invalid == ({} if expected else {"deprecation_state": raw})


@pytest.mark.parametrize(
    ("raw", "expected", "invalid"),
    [
        pytest.param("24", 24, False, id="string"),
        pytest.param(24, 24, False, id="int"),
        pytest.param(24.0, 24, False, id="integral-float"),
        pytest.param(None, None, False, id="unset"),
        pytest.param("24.5", None, True, id="fraction"),
        pytest.param(-1, None, True, id="negative"),
        pytest.param(True, None, True, id="bool"),
        pytest.param("a day", None, True, id="words"),
        pytest.param(float("inf"), None, True, id="infinity"),
    ],
)
def test_hotfix_hours_is_an_int(raw: Any, expected: int | None, invalid: bool) -> None:
    record = image("a", hotfix_hours=raw)
    assert record.hotfix_hours == expected
    assert ("hotfix_hours" in record.invalid) is invalid


@pytest.mark.parametrize(
    ("raw", "expected", "invalid"),
    [
        pytest.param(1024, 1024, False, id="int"),
        pytest.param("1024", 1024, False, id="string"),
        pytest.param(None, 0, False, id="unset"),
        pytest.param("lots", 0, True, id="words"),
        pytest.param(-5, 0, True, id="negative"),
        pytest.param([1], 0, True, id="list"),
    ],
)
def test_min_ram_and_min_disk_default_to_zero(raw: Any, expected: int, invalid: bool) -> None:
    record = image("a", min_ram=raw, min_disk=raw)
    assert (record.min_ram, record.min_disk) == (expected, expected)
    assert ("min_ram" in record.invalid, "min_disk" in record.invalid) == (invalid, invalid)


@pytest.mark.parametrize(
    ("raw", "expected", "invalid"),
    [
        pytest.param(True, True, False, id="bool-true"),
        pytest.param("true", True, False, id="str-true"),
        pytest.param("True", True, False, id="str-True"),
        pytest.param(False, False, False, id="bool-false"),
        pytest.param("False", False, False, id="str-False"),
        pytest.param(None, False, False, id="unset"),
        pytest.param("maybe", False, True, id="garbage"),
    ],
)
def test_os_hidden_is_a_boolean(raw: Any, expected: bool, invalid: bool) -> None:
    record = image("a", os_hidden=raw)
    assert record.hidden is expected
    assert ("os_hidden" in record.invalid) is invalid


@pytest.mark.parametrize(
    ("raw", "expected", "invalid"),
    [
        pytest.param(" ubuntu ", "ubuntu", False, id="blanks-trimmed"),
        pytest.param(24.04, "24.04", False, id="float-as-text"),
        pytest.param(12, "12", False, id="int-as-text"),
        pytest.param("", None, False, id="empty-is-unset"),
        pytest.param(None, None, False, id="none"),
        pytest.param(["ubuntu"], None, True, id="list"),
        pytest.param({"name": "ubuntu"}, None, True, id="dict"),
        pytest.param(False, None, True, id="bool"),
    ],
)
def test_text_properties(raw: Any, expected: str | None, invalid: bool) -> None:
    record = image("a", os_version=raw)
    assert record.os_version == expected
    assert ("os_version" in record.invalid) is invalid


def test_nested_properties_are_merged_and_top_level_wins() -> None:
    record = parse_image(
        {
            "id": "a",
            "name": "x",
            "architecture": "aarch64",
            "properties": {
                "os_distro": "debian",
                "architecture": "x86_64",
                "hw_rng_model": "virtio",
            },
        }
    )
    assert (record.os_distro, record.architecture) == ("debian", "aarch64")
    assert record.requirements == {"hw_rng_model": "virtio"}
    assert "properties" not in record.properties


def test_properties_are_text_and_exclude_glance_core_keys() -> None:
    record = image("a", hw_cpu_cores=2, custom_flag=None, note=["a"], os_hash_value="abc")
    assert record.properties["hw_cpu_cores"] == "2"
    assert record.properties["custom_flag"] == ""
    assert record.properties["note"] == "['a']"
    assert "os_hash_value" not in record.properties and "status" not in record.properties
    assert record.requirements == {"hw_cpu_cores": "2"}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({}, id="empty"),
        pytest.param(None, id="none"),
        pytest.param({"id": None, "name": None, "status": None}, id="none-values"),
        pytest.param({"id": 7, "name": ["x"], 3: "three", "properties": "junk"}, id="odd-types"),
    ],
)
def test_garbage_images_still_parse(raw: Any) -> None:
    record = parse_image(raw)
    assert isinstance(record.id, str) and isinstance(record.name, str)
    assert (record.min_ram, record.min_disk, record.hidden) == (0, 0, False)


def test_server_booted_from_image() -> None:
    record = parse_server(
        {
            "id": "s1",
            "name": "web",
            "status": "ACTIVE",
            "tenant_id": "p1",
            "image": {"id": "img-1", "links": []},
            "flavor": {"id": "f1", "links": []},
            "os-extended-volumes:volumes_attached": [{"id": "vol-data"}],
            "created": "2024-06-01T10:00:00Z",
        },
        volume_image_ids={"vol-data": "img-other"},
    )
    assert (record.image_id, record.flavor_id, record.project_id) == ("img-1", "f1", "p1")
    # A data volume made from an image does not say what the instance runs.
    assert (record.boot_from_volume, record.volume_image_id) == (False, None)
    assert record.created_at == datetime(2024, 6, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("volumes", "mapping", "expected"),
    [
        pytest.param([{"id": "v1"}], {"v1": "img-1"}, "img-1", id="root-volume"),
        pytest.param([{"id": "v0"}, {"id": "v1"}], {"v1": "img-1"}, "img-1", id="first-found"),
        pytest.param(
            [{"id": "v1"}, {"id": "v2"}], {"v1": "img-1", "v2": "img-2"}, "img-1", id="first-wins"
        ),
        pytest.param([{"id": "v1"}], {}, None, id="blank-volume"),
        pytest.param([], {"v1": "img-1"}, None, id="no-volumes"),
        pytest.param("junk", {"v1": "img-1"}, None, id="garbage-volumes"),
    ],
)
def test_boot_from_volume_image(
    volumes: Any, mapping: dict[str, str], expected: str | None
) -> None:
    record = parse_server(
        {
            "id": "s1",
            "project_id": "p2",
            "image": "",
            "flavor": {"id": "f1"},
            "os-extended-volumes:volumes_attached": volumes,
        },
        volume_image_ids=mapping,
    )
    assert record.boot_from_volume is True
    assert record.image_id is None
    assert record.volume_image_id == expected
    assert record.project_id == "p2"


def test_server_with_embedded_flavor_by_name() -> None:
    record = parse_server({"id": "s1", "image": {"id": "i"}, "flavor": {"original_name": "m1"}})
    assert (record.flavor_id, record.flavor_name) == (None, "m1")


def test_garbage_server_still_parses() -> None:
    record = parse_server({"image": ["x"], "flavor": [5], "created": "soon"})
    assert (record.id, record.image_id, record.flavor_id, record.created_at) == (
        "",
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("raw", "public"),
    [
        pytest.param({"os-flavor-access:is_public": False}, False, id="nova-key"),
        pytest.param({"is_public": "false"}, False, id="plain-key-string"),
        pytest.param({"is_public": True}, True, id="plain-key"),
        pytest.param({}, True, id="default-public"),
    ],
)
def test_flavor_visibility(raw: dict[str, Any], public: bool) -> None:
    assert parse_flavor({"id": "f", "name": "f", **raw}).is_public is public


def test_flavor_fields_and_specs() -> None:
    record = parse_flavor(
        {
            "id": "f1",
            "name": "m1.large",
            "vcpus": "4",
            "ram": 8192,
            "disk": "bad",
            "extra_specs": {"hw:cpu_policy": "dedicated", "hw:numa_nodes": 1},
        }
    )
    assert (record.vcpus, record.ram, record.disk) == (4, 8192, 0)
    assert record.extra_specs == {"hw:cpu_policy": "dedicated", "hw:numa_nodes": "1"}
