"""Patch state of one image: the conditions that hold, and the most severe of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

from patch_dashboard.lifecycle.model import DeprecationState, ImageRecord, PatchState
from patch_dashboard.lifecycle.properties import shorten

# SCS scs-0102: an image is out of date once 10 % past its promised replacement period.
STALE_GRACE = 1.1
# A build cannot come from the future. A build date further ahead of now than this (time zones,
# clocks) is not trusted: it would make the build the newest of its family for years.
FUTURE_BUILD_TOLERANCE = timedelta(days=1)
# Conditions that make a build unfit to move to.
UNUSABLE = frozenset({PatchState.OBSOLETE, PatchState.DEPRECATED, PatchState.END_OF_LIFE})
_FALLBACKS = frozenset({PatchState.UNKNOWN, PatchState.CURRENT})


def as_utc(moment: datetime) -> datetime:
    """``now`` as aware UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def with_trusted_build_date(image: ImageRecord, now: datetime) -> ImageRecord:
    """``image`` itself, or, when its build date lies more than a day after ``now``, a copy
    whose build date is unknown (the raw value listed in ``invalid``, as for a bad date).

    Only subtractions: ``date.max`` plus anything overflows, a difference never does.
    """
    if image.build_date is None or _midnight(image.build_date) - now <= FUTURE_BUILD_TOLERANCE:
        return image
    raw = image.properties.get("image_build_date") or image.build_date.isoformat()
    return replace(
        image, build_date=None, invalid={**image.invalid, "image_build_date": shorten(raw)}
    )


def _passed(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def _scheduled(moment: datetime | None, now: datetime) -> bool:
    """A date still ahead: the action it announces is not in effect yet."""
    return moment is not None and moment > now


def own_conditions(image: ImageRecord, now: datetime) -> set[PatchState]:
    """Conditions read from the image alone (everything but SUPERSEDED and the fallbacks)."""
    flags: set[PatchState] = set()
    state = image.deprecation_state
    if (
        image.status == "deactivated"
        or _passed(image.obsolete_at, now)
        or (state is DeprecationState.OBSOLETE and not _scheduled(image.obsolete_at, now))
    ):
        flags.add(PatchState.OBSOLETE)
    if _passed(image.deprecated_at, now) or (
        state in (DeprecationState.DEPRECATED, DeprecationState.OBSOLETE)
        and not _scheduled(image.deprecated_at, now)
    ):
        flags.add(PatchState.DEPRECATED)
    today = now.date()
    # The last promised day still counts: end of life starts the day after.
    if any(
        until is not None and until < today
        for until in (image.provided_until, image.maintained_until)
    ):
        flags.add(PatchState.END_OF_LIFE)
    period = image.replace_frequency.period if image.replace_frequency else None
    # ``now - built``, never ``built + period``: the sum overflows near 9999-12-31.
    if image.build_date is not None and period is not None:
        if now - _midnight(image.build_date) > period * STALE_GRACE:
            flags.add(PatchState.STALE)
    return flags


def end_of_life_date(image: ImageRecord) -> date | None:
    """The last promised day of the earliest promise (``provided_until`` or
    ``maintained_until``): the one whose passing makes the image end of life."""
    ends = [day for day in (image.provided_until, image.maintained_until) if day is not None]
    return min(ends) if ends else None


def is_usable(image: ImageRecord, conditions: Iterable[PatchState]) -> bool:
    """Whether a build may be recommended and can supersede older ones."""
    return image.status == "active" and not image.is_snapshot and UNUSABLE.isdisjoint(conditions)


def settle(flags: Iterable[PatchState], *, known: bool) -> frozenset[PatchState]:
    """Final flags: UNKNOWN / CURRENT only when nothing else holds."""
    real = frozenset(flags) - _FALLBACKS
    if real:
        return real
    return frozenset({PatchState.CURRENT if known else PatchState.UNKNOWN})


_DECLARED = tuple(PatchState)


def primary_state(flags: Iterable[PatchState]) -> PatchState:
    """The most severe flag, by PatchState's declaration order."""
    present = set(flags)
    for state in _DECLARED:
        if state in present:
            return state
    return PatchState.UNKNOWN
