"""Rows of images, shared by the project's Image Patch Status panel, the admin's Image
Lifecycle panel and the scope's index (presentation only, no rules): the image panels'
counterpart of :mod:`patch_dashboard.api.instance_rows`."""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

from patch_dashboard import wording
from patch_dashboard.lifecycle import (
    ChainProblem,
    CloudAssessment,
    Family,
    ImageAssessment,
    ImageRecord,
    PatchState,
)
from patch_dashboard.lifecycle.actions import is_restorable


@dataclass(frozen=True)
class ImageRow:
    id: str
    name: str
    family_key: str
    family_label: str
    build_date: date | None
    build_date_invalid: str | None  # raw value when unparsable
    patchlevel: str | None
    internal_version: str | None
    state: PatchState
    replacement_id: str | None  # a different image to move to
    replacement_name: str | None
    replacement_problem: ChainProblem | None
    instance_count: int | None  # None: instances could not be listed
    status: str  # Glance status
    hidden: bool

    @property
    def replacement_problem_text(self) -> str | None:
        if self.replacement_problem is None:
            return None
        return str(wording.CHAIN_PROBLEMS[self.replacement_problem])


def image_row(
    assessment: ImageAssessment, cloud: CloudAssessment, *, instances_known: bool
) -> ImageRow:
    image = assessment.image
    recommendation = assessment.recommendation
    replacement_id = recommendation.image_id
    if replacement_id == image.id:
        replacement_id = None
    replacement = cloud.images.get(replacement_id) if replacement_id else None
    return ImageRow(
        id=image.id,
        name=image.name,
        family_key=assessment.family.key,
        family_label=assessment.family.label,
        build_date=image.build_date,
        build_date_invalid=image.invalid.get("image_build_date"),
        patchlevel=image.patchlevel,
        internal_version=image.internal_version,
        state=assessment.state,
        replacement_id=replacement_id if replacement else None,
        replacement_name=replacement.image.name if replacement else None,
        replacement_problem=recommendation.problem,
        instance_count=assessment.instance_count if instances_known else None,
        status=image.status,
        hidden=image.hidden,
    )


def image_rows(cloud: CloudAssessment, *, instances_known: bool) -> list[ImageRow]:
    """Rows of every image, sorted by family, then newest build first within the family."""
    return sort_rows(
        [
            image_row(assessment, cloud, instances_known=instances_known)
            for assessment in cloud.images.values()
        ],
        cloud.families.values(),
    )


def sort_rows(rows: Iterable[ImageRow], families: Iterable[Family]) -> list[ImageRow]:
    """By family, then newest build first within the family."""
    position = {
        image_id: index for family in families for index, image_id in enumerate(family.builds)
    }
    return sorted(
        rows,
        key=lambda row: (
            row.family_label.casefold(),
            row.family_key,
            position.get(row.id, len(position)),
            row.name.casefold(),
        ),
    )


# Admin rows: the project panel's rows plus what the admin actions need to know.


@dataclass(frozen=True)
class LifecycleRow(ImageRow):
    project_count: int | None = None  # projects with instances on the image
    restorable: bool = False  # Restore has something to undo

    @property
    def retired(self) -> bool:
        return self.state in (PatchState.DEPRECATED, PatchState.OBSOLETE)


def lifecycle_row(row: ImageRow, image: ImageRecord, *, project_count: int | None) -> LifecycleRow:
    """The admin's row of an image: its project row, with ``project_count`` (projects with
    instances on it; None: instances could not be listed) and whether Restore applies."""
    return LifecycleRow(
        **{field.name: getattr(row, field.name) for field in fields(ImageRow)},
        project_count=project_count,
        restorable=is_restorable(image),
    )


def lifecycle_rows(cloud: CloudAssessment, *, instances_known: bool) -> list[LifecycleRow]:
    projects: dict[str, set[str]] = {}
    for instance in cloud.instances:
        if instance.image_id is not None:
            projects.setdefault(instance.image_id, set()).add(instance.server.project_id)
    return [
        lifecycle_row(
            row,
            cloud.images[row.id].image,
            project_count=len(projects.get(row.id, ())) if instances_known else None,
        )
        for row in image_rows(cloud, instances_known=instances_known)
    ]
