"""Bad metadata never breaks a page: no payload makes parsing or assessment raise."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patch_dashboard.lifecycle import (
    CloudAssessment,
    ImageRecord,
    assess_cloud,
    parse_flavor,
    parse_image,
    parse_server,
)

IDS = ["i0", "i1", "i2", "i3", "i4"]
IMAGE_KEYS = [
    "id", "name", "status", "visibility", "os_hidden", "owner", "created_at", "min_ram",
    "min_disk", "tags", "properties", "os_distro", "os_version", "architecture", "os_purpose",
    "image_build_date", "patchlevel", "replace_frequency", "provided_until", "uuid_validity",
    "hotfix_hours", "maintained_until", "image_source", "image_description",
    "image_original_user", "image_name", "internal_version", "deprecation_state",
    "deprecated_at", "obsolete_at", "replaced_by", "deprecation_reason", "deprecated_by",
    "image_type", "base_image_ref", "hw_cpu_policy", "hw_mem_page_size", "trait:CUSTOM_X",
]  # fmt: skip
SERVER_KEYS = ["id", "name", "status", "tenant_id", "project_id", "image", "flavor", "created"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        IDS
        + ["", "none", "notice", "snapshot", "deprecated", "obsolete", "deactivated", "active"]
        + ["monthly", "2024-01-01", "2024-01-01T00:00:00Z", "9999-12-31", "0001-01-01T00:00+01"]
        + ["large", "any", "dedicated", "required", "forbidden", "Ubuntu 24.04 (1)", "oldgeneric"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def payload(keys: list[str]) -> st.SearchStrategy[dict[Any, Any]]:
    return st.dictionaries(
        st.one_of(st.sampled_from(keys), st.text(max_size=12), st.integers()), values, max_size=12
    )


image_payloads = st.builds(
    lambda raw, image_id: {**raw, "id": image_id}, payload(IMAGE_KEYS), st.sampled_from(IDS)
)
server_payloads = st.builds(
    lambda raw, image: {**raw, "image": image},
    payload(SERVER_KEYS),
    st.one_of(values, st.builds(lambda i: {"id": i}, st.sampled_from(IDS))),
)
FAR_FUTURE_AND_PAST = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(timezone.utc)
)


@given(payload(IMAGE_KEYS))
def test_parse_image_never_raises(raw: dict[Any, Any]) -> None:
    assert isinstance(parse_image(raw), ImageRecord)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=100, deadline=None)
@given(
    st.lists(image_payloads, max_size=8),
    st.lists(server_payloads, max_size=6),
    st.lists(payload(["id", "name", "vcpus", "ram", "disk", "extra_specs"]), max_size=3),
    st.dictionaries(st.text(max_size=4), st.sampled_from(IDS), max_size=3),
    FAR_FUTURE_AND_PAST,
)
def test_assess_cloud_never_raises(
    images: list[dict[Any, Any]],
    servers: list[dict[Any, Any]],
    flavors: list[dict[Any, Any]],
    volume_image_ids: dict[str, str],
    now: datetime,
) -> None:
    result = assess_cloud(
        images=[parse_image(raw) for raw in images],
        servers=[parse_server(raw, volume_image_ids=volume_image_ids) for raw in servers],
        flavors=[parse_flavor(raw) for raw in flavors],
        now=now,
    )
    assert isinstance(result, CloudAssessment)
    assert len(result.instances) == len(servers)
    assert result.compliance.overall.total == len(servers)
    for assessment in result.images.values():
        assert assessment.state in assessment.flags
        recommended = assessment.recommendation.image_id
        assert recommended is None or not result.images[recommended].image.is_snapshot
