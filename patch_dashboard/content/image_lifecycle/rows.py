"""Admin rows: the project panel's rows plus what the admin actions need to know."""

from dataclasses import dataclass, fields

from patch_dashboard.content.image_patch_status.rows import ImageRow, image_rows
from patch_dashboard.lifecycle import CloudAssessment, PatchState
from patch_dashboard.lifecycle.actions import is_restorable


@dataclass(frozen=True)
class LifecycleRow(ImageRow):
    project_count: int | None = None  # projects with instances on the image
    restorable: bool = False  # Restore has something to undo

    @property
    def retired(self) -> bool:
        return self.state in (PatchState.DEPRECATED, PatchState.OBSOLETE)


def lifecycle_rows(cloud: CloudAssessment, *, instances_known: bool) -> list[LifecycleRow]:
    projects: dict[str, set[str]] = {}
    for instance in cloud.instances:
        if instance.image_id is not None:
            projects.setdefault(instance.image_id, set()).add(instance.server.project_id)
    rows = []
    for row in image_rows(cloud, instances_known=instances_known):
        image = cloud.images[row.id].image
        rows.append(
            LifecycleRow(
                **{field.name: getattr(row, field.name) for field in fields(ImageRow)},
                project_count=len(projects.get(row.id, ())) if instances_known else None,
                restorable=is_restorable(image),
            )
        )
    return rows
