"""Patch state of images: flags that hold and the primary (most severe) state."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from patch_dashboard.lifecycle import ImageRecord, PatchState, assess_images, end_of_life_date

from .builders import NOW, image

P = PatchState
RECENT = "2024-06-10"  # five days before NOW: fresh under any replace_frequency


def assess(*images: ImageRecord, now: datetime = NOW) -> dict[str, tuple[PatchState, set[str]]]:
    return {
        image_id: (a.state, {flag.value for flag in a.flags})
        for image_id, a in assess_images(images, now=now).items()
    }


@pytest.mark.parametrize(
    ("props", "state", "flags"),
    [
        pytest.param({"image_build_date": RECENT}, P.CURRENT, {"current"}, id="fresh"),
        pytest.param(
            {"deprecation_state": "deprecated"}, P.DEPRECATED, {"deprecated"}, id="deprecated"
        ),
        pytest.param(
            {"deprecation_state": "obsolete"},
            P.OBSOLETE,
            {"obsolete", "deprecated"},
            id="obsolete-is-also-deprecated",
        ),
        pytest.param({"status": "deactivated"}, P.OBSOLETE, {"obsolete"}, id="deactivated"),
        pytest.param(
            {"deprecated_at": "2024-06-01T00:00:00Z"},
            P.DEPRECATED,
            {"deprecated"},
            id="deprecated-at-passed",
        ),
        pytest.param(
            {"deprecated_at": "2024-06-15T12:00:00Z"},
            P.DEPRECATED,
            {"deprecated"},
            id="deprecated-at-exactly-now",
        ),
        pytest.param(
            {
                "deprecation_state": "deprecated",
                "deprecated_at": "2024-07-01T00:00:00Z",
                "image_build_date": RECENT,
            },
            P.CURRENT,
            {"current"},
            id="deprecation-scheduled",
        ),
        pytest.param(
            {"deprecation_state": "obsolete", "obsolete_at": "2024-07-01T00:00:00Z"},
            P.DEPRECATED,
            {"deprecated"},
            id="obsolete-scheduled-deprecated-now",
        ),
        pytest.param(
            {
                "deprecation_state": "obsolete",
                "deprecated_at": "2024-07-01T00:00:00Z",
                "obsolete_at": "2024-08-01T00:00:00Z",
                "image_build_date": RECENT,
            },
            P.CURRENT,
            {"current"},
            id="both-scheduled",
        ),
        pytest.param(
            {"obsolete_at": "2024-06-01"}, P.OBSOLETE, {"obsolete"}, id="obsolete-at-passed"
        ),
        pytest.param(
            {
                "deprecation_state": "active",
                "obsolete_at": "2024-06-16",
                "image_build_date": RECENT,
            },
            P.CURRENT,
            {"current"},
            id="obsolete-at-tomorrow",
        ),
        pytest.param(
            {"deprecation_state": "deprecated", "deprecated_at": "garbage"},
            P.DEPRECATED,
            {"deprecated"},
            id="unparsable-date-does-not-undo-state",
        ),
        pytest.param(
            {"provided_until": "2024-06-14"}, P.END_OF_LIFE, {"end-of-life"}, id="eol-yesterday"
        ),
        pytest.param(
            {"image_build_date": RECENT, "provided_until": "2024-06-15"},
            P.CURRENT,
            {"current"},
            id="last-day-still-provided",
        ),
        pytest.param(
            {"image_build_date": RECENT, "provided_until": "none"},
            P.CURRENT,
            {"current"},
            id="provided-none",
        ),
        pytest.param(
            {"image_build_date": RECENT, "provided_until": "notice"},
            P.CURRENT,
            {"current"},
            id="provided-notice",
        ),
        pytest.param(
            {"image_build_date": RECENT, "maintained_until": "2024-01-31"},
            P.END_OF_LIFE,
            {"end-of-life"},
            id="maintenance-ended",
        ),
        pytest.param(
            {"image_build_date": "2024-05-01", "replace_frequency": "monthly"},
            P.STALE,
            {"stale"},
            id="monthly-past-33-days",
        ),
        pytest.param(
            {"image_build_date": "2024-05-14", "replace_frequency": "monthly"},
            P.CURRENT,
            {"current"},
            id="monthly-within-33-days",
        ),
        pytest.param(
            {"image_build_date": "2020-01-01", "replace_frequency": "critical_bug"},
            P.CURRENT,
            {"current"},
            id="critical-bug-has-no-period",
        ),
        pytest.param(
            {"image_build_date": "2020-01-01", "replace_frequency": "never"},
            P.CURRENT,
            {"current"},
            id="never-has-no-period",
        ),
        pytest.param(
            {"image_build_date": "2020-01-01", "replace_frequency": "hourly"},
            P.CURRENT,
            {"current"},
            id="unknown-frequency-no-rule",
        ),
        pytest.param(
            {
                "deprecation_state": "deprecated",
                "provided_until": "2024-01-01",
                "image_build_date": "2023-01-01",
                "replace_frequency": "quarterly",
            },
            P.DEPRECATED,
            {"deprecated", "end-of-life", "stale"},
            id="several-flags-most-severe-wins",
        ),
        pytest.param({}, P.UNKNOWN, {"unknown"}, id="no-date-no-family"),
        pytest.param(
            {"image_build_date": "yesterday"}, P.UNKNOWN, {"unknown"}, id="bad-date-no-family"
        ),
        pytest.param(
            {"os_distro": "ubuntu", "os_version": "24.04"},
            P.CURRENT,
            {"current"},
            id="scs-family-is-evidence",
        ),
        pytest.param(
            {"image_name": "Ubuntu 24.04"}, P.CURRENT, {"current"}, id="image-name-is-evidence"
        ),
    ],
)
def test_state_of_one_image(props: dict[str, Any], state: PatchState, flags: set[str]) -> None:
    assert assess(image("img", "cirros", **props))["img"] == (state, flags)


@pytest.mark.parametrize(
    ("frequency", "build", "deadline"),
    [
        pytest.param("monthly", "2024-05-01", datetime(2024, 6, 3), id="monthly-33-days"),
        pytest.param("weekly", "2024-06-01", datetime(2024, 6, 8, 16, 48), id="weekly-7.7-days"),
        pytest.param("daily", "2024-06-14", datetime(2024, 6, 15, 2, 24), id="daily-26.4-hours"),
        pytest.param("quarterly", "2024-03-01", datetime(2024, 6, 8), id="quarterly-99-days"),
        pytest.param("yearly", "2023-01-01", datetime(2024, 2, 6, 12), id="yearly-401.5-days"),
    ],
)
def test_stale_exactly_after_one_point_one_periods(
    frequency: str, build: str, deadline: datetime
) -> None:
    record = image("img", "cirros", image_build_date=build, replace_frequency=frequency)
    deadline = deadline.replace(tzinfo=timezone.utc)
    assert assess(record, now=deadline)["img"][0] is P.CURRENT
    assert assess(record, now=deadline + timedelta(microseconds=1))["img"][0] is P.STALE


@pytest.mark.parametrize(
    ("newer", "superseded"),
    [
        pytest.param({}, True, id="newer-active"),
        pytest.param(
            {"image_build_date": "2024-01-01", "replace_frequency": "monthly"},
            True,
            id="newer-but-stale-still-usable",
        ),
        pytest.param({"os_hidden": True}, True, id="newer-hidden-still-usable"),
        pytest.param({"deprecation_state": "deprecated"}, False, id="newer-deprecated"),
        pytest.param({"status": "deactivated"}, False, id="newer-deactivated"),
        pytest.param({"provided_until": "2024-06-01"}, False, id="newer-end-of-life"),
        pytest.param({"status": "queued"}, False, id="newer-not-uploaded"),
        pytest.param(
            {"image_type": "snapshot", "base_image_ref": "old"}, False, id="newer-is-snapshot"
        ),
        pytest.param(
            {"deprecation_state": "deprecated", "deprecated_at": "2024-07-01"},
            True,
            id="newer-deprecation-only-scheduled",
        ),
    ],
)
def test_superseded_only_by_usable_builds(newer: dict[str, Any], superseded: bool) -> None:
    result = assess_images(
        [
            image("old", "Ubuntu 24.04 (1)", image_build_date="2023-12-01"),
            image("new", "Ubuntu 24.04 (2)", **{"image_build_date": "2024-06-01", **newer}),
        ],
        now=NOW,
    )
    assert (result["old"].state is P.SUPERSEDED) is superseded
    assert result["old"].builds_behind == (1 if superseded else 0)


def test_builds_behind_counts_usable_newer_builds() -> None:
    result = assess_images(
        [
            image("b1", "Debian 12 (1)", image_build_date="2024-01-01"),
            image("b2", "Debian 12 (2)", image_build_date="2024-02-01"),
            image("b3", "Debian 12 (3)", image_build_date="2024-03-01", status="deactivated"),
            image("b4", "Debian 12 (4)", image_build_date="2024-04-01"),
        ],
        now=NOW,
    )
    behind = {image_id: a.builds_behind for image_id, a in result.items()}
    assert behind == {"b1": 2, "b2": 1, "b3": 1, "b4": 0}
    assert result["b4"].state is P.CURRENT
    assert result["b3"].flags == {P.OBSOLETE, P.SUPERSEDED}


@pytest.mark.parametrize(
    ("extra", "state"),
    [
        pytest.param({}, P.SUPERSEDED, id="base-superseded"),
        pytest.param({"status": "deactivated"}, P.OBSOLETE, id="snapshot-deactivated"),
        pytest.param(
            {"base_image_ref": "gone", "image_build_date": RECENT}, P.UNKNOWN, id="base-missing"
        ),
        pytest.param(
            # Nova copies the base's properties, a stale copy must not change the verdict.
            {"deprecation_state": "deprecated"},
            P.SUPERSEDED,
            id="copied-properties-ignored",
        ),
    ],
)
def test_snapshots_take_the_state_of_their_base(extra: dict[str, Any], state: PatchState) -> None:
    result = assess_images(
        [
            image("base", "Ubuntu 24.04 (1)", image_build_date="2024-01-01"),
            image("newest", "Ubuntu 24.04 (2)", image_build_date="2024-06-01"),
            image(
                "snap",
                "my backup",
                **{"image_type": "snapshot", "base_image_ref": "base", **extra},
            ),
        ],
        now=NOW,
    )
    assert result["snap"].state is state


def test_snapshot_of_snapshot_reaches_the_base() -> None:
    result = assess_images(
        [
            image("base", "Rocky 9", deprecation_state="deprecated"),
            image("s1", "backup", image_type="snapshot", base_image_ref="base"),
            image("s2", "backup 2", image_type="snapshot", base_image_ref="s1"),
            image("loop", "loop", image_type="snapshot", base_image_ref="loop"),
        ],
        now=NOW,
    )
    assert result["s2"].state is P.DEPRECATED
    assert result["loop"].state is P.UNKNOWN


def test_naive_now_is_taken_as_utc() -> None:
    record = image("img", "cirros", deprecated_at="2024-06-15T12:00:00Z")
    assert assess(record, now=datetime(2024, 6, 15, 11, 59))["img"][0] is P.UNKNOWN
    assert assess(record, now=datetime(2024, 6, 15, 12, 0))["img"][0] is P.DEPRECATED


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        pytest.param({}, None, id="no-promise"),
        pytest.param({"provided_until": "2030-01-01"}, date(2030, 1, 1), id="provided-only"),
        # Maintenance ended before provision: that end is the one that passed first.
        pytest.param(
            {"provided_until": "2030-01-01", "maintained_until": "2024-03-31"},
            date(2024, 3, 31),
            id="maintenance-ends-first",
        ),
        pytest.param(
            {"provided_until": "2024-01-31", "maintained_until": "2026-01-01"},
            date(2024, 1, 31),
            id="provision-ends-first",
        ),
        pytest.param({"maintained_until": "soon"}, None, id="unparsable"),
    ],
)
def test_end_of_life_date_is_the_earliest_promise(
    properties: dict[str, str], expected: date | None
) -> None:
    assert end_of_life_date(image("i", "Ubuntu 24.04", **properties)) == expected
