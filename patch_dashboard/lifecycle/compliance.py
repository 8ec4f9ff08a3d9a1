"""Share of instances on current images: overall, per project, per family."""

from __future__ import annotations

from collections.abc import Iterable

from patch_dashboard.lifecycle.families import DELETED_FAMILY, NO_IMAGE_FAMILY
from patch_dashboard.lifecycle.model import (
    ComplianceCount,
    ComplianceSummary,
    InstanceAssessment,
    OutdatedReason,
)


def family_key_of(instance: InstanceAssessment) -> str:
    """The family an instance counts under; gone or absent images get a family of their own."""
    if instance.image is not None:
        return instance.image.family.key
    if OutdatedReason.NO_IMAGE in instance.reasons:
        return NO_IMAGE_FAMILY.key
    return DELETED_FAMILY.key


def summarize(instances: Iterable[InstanceAssessment]) -> ComplianceSummary:
    """Counts of current vs all instances; an instance is current when it is not outdated."""
    overall = [0, 0]
    by_project: dict[str, list[int]] = {}
    by_family: dict[str, list[int]] = {}
    for instance in instances:
        current = 0 if instance.outdated else 1
        for tally in (
            overall,
            by_project.setdefault(instance.server.project_id, [0, 0]),
            by_family.setdefault(family_key_of(instance), [0, 0]),
        ):
            tally[0] += current
            tally[1] += 1
    return ComplianceSummary(
        overall=ComplianceCount(*overall),
        by_project={key: ComplianceCount(*tally) for key, tally in by_project.items()},
        by_family={key: ComplianceCount(*tally) for key, tally in by_family.items()},
    )
