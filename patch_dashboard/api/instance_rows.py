"""Rows of instances, shared by the project's Outdated Instances panel, the admin's Patch
Compliance panel, their CSV exports and the JSON endpoint (presentation only, no rules)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from patch_dashboard import wording
from patch_dashboard.lifecycle import (
    NO_IMAGE_FAMILY,
    CloudAssessment,
    InstanceAssessment,
    PatchState,
)
from patch_dashboard.lifecycle.compliance import family_key_of as compliance_family_key

IMAGE_GONE = "deleted"  # state word of an instance whose image is gone or unknown


@dataclass(frozen=True)
class InstanceRow:
    id: str
    name: str
    status: str
    project_id: str
    project_name: str
    image_id: str | None
    image_name: str | None
    image_state: str  # a PatchState value, or IMAGE_GONE
    family_key: str
    family_label: str
    outdated: bool
    reasons: tuple[str, ...]
    days_behind: int | None
    builds_behind: int | None
    recommended_image_id: str | None
    recommended_image_name: str | None
    # Whose the recommended image is: Rebuild (a write to Nova) follows it only to a public
    # image or one of the instance's own project (another project's replaced_by is theirs).
    recommended_image_visibility: str | None
    recommended_image_owner: str | None
    recommended_flavor_id: str | None
    recommended_flavor_name: str | None
    flavor_name: str | None
    boot_from_volume: bool

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def as_dict(self) -> dict[str, object]:
        """The row for JSON and CSV: plain values."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "project_id": self.project_id,
            "project_name": self.project_name,
            "image_id": self.image_id,
            "image_name": self.image_name,
            "image_state": self.image_state,
            "family": self.family_label,
            "outdated": self.outdated,
            "reasons": list(self.reasons),
            "days_behind": self.days_behind,
            "builds_behind": self.builds_behind,
            "recommended_image_id": self.recommended_image_id,
            "recommended_image_name": self.recommended_image_name,
            "recommended_flavor_id": self.recommended_flavor_id,
            "recommended_flavor_name": self.recommended_flavor_name,
            "flavor_name": self.flavor_name,
            "boot_from_volume": self.boot_from_volume,
        }


def instance_row(
    instance: InstanceAssessment,
    *,
    project_names: Mapping[str, str] | None = None,
    images_known: bool = True,
) -> InstanceRow:
    """One row; without Glance's list (``images_known`` False) an image is unknown, not gone."""
    if not images_known and instance.image is None and instance.image_id is not None:
        row = instance_row(instance, project_names=project_names)
        return replace(
            row,
            image_state=PatchState.UNKNOWN.value,
            family_key=PatchState.UNKNOWN.value,
            family_label=str(wording.IMAGES_UNAVAILABLE),
            reasons=(str(wording.IMAGES_UNAVAILABLE),),
        )
    server = instance.server
    image = instance.image
    recommended = instance.recommended_image
    flavor = instance.recommended_flavor
    family_key = compliance_family_key(instance)
    if image is not None:
        family_label = image.family.label
    elif family_key == NO_IMAGE_FAMILY.key:
        family_label = str(wording.NO_IMAGE_LABEL)
    else:
        family_label = str(wording.IMAGE_GONE_LABEL)
    return InstanceRow(
        id=server.id,
        name=server.name,
        status=server.status,
        project_id=server.project_id,
        project_name=(project_names or {}).get(server.project_id, server.project_id),
        image_id=instance.image_id,
        image_name=image.image.name if image else None,
        image_state=image.state.value if image else IMAGE_GONE,
        family_key=family_key,
        family_label=family_label,
        outdated=instance.outdated,
        reasons=tuple(wording.reason_texts(instance)),
        days_behind=instance.days_behind,
        builds_behind=instance.builds_behind,
        recommended_image_id=recommended.id if recommended else None,
        recommended_image_name=recommended.name if recommended else None,
        recommended_image_visibility=recommended.visibility if recommended else None,
        recommended_image_owner=recommended.owner if recommended else None,
        recommended_flavor_id=flavor.id if flavor else None,
        recommended_flavor_name=flavor.name if flavor else None,
        flavor_name=(instance.flavor.name if instance.flavor else instance.server.flavor_name),
        boot_from_volume=server.boot_from_volume,
    )


def instance_rows(
    cloud: CloudAssessment,
    *,
    project_names: Mapping[str, str] | None = None,
    images_known: bool = True,
) -> list[InstanceRow]:
    """Every instance, most severe first, then by name."""
    severity = {state.value: index for index, state in enumerate(PatchState)}
    rows = [
        instance_row(i, project_names=project_names, images_known=images_known)
        for i in cloud.instances
    ]
    rows.sort(
        key=lambda row: (
            not row.outdated,
            -1 if row.image_state == IMAGE_GONE else severity[row.image_state],
            row.project_name.casefold(),
            row.name.casefold(),
            row.id,
        )
    )
    return rows


def select(rows, *, state: str = "", family: str = "", project: str = ""):
    """Rows matching the page's filters (empty: no filter)."""
    if state:
        rows = [row for row in rows if row.image_state == state]
    if family:
        rows = [row for row in rows if row.family_key == family]
    if project:
        rows = [row for row in rows if row.project_id == project]
    return rows
