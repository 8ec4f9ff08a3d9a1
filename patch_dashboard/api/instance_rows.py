"""Rows of instances, shared by the project's Outdated Instances panel, the admin's Patch
Compliance panel, their CSV exports and the JSON endpoint.

A row keeps the core's codes (``PatchState``, ``OutdatedReason``, the family key); its words
(reason texts, the family's label for a gone image) are chosen when it is shown, from
:mod:`patch_dashboard.wording`, in the language of the request that shows it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from patch_dashboard import wording
from patch_dashboard.lifecycle import (
    DELETED_FAMILY,
    NO_IMAGE_FAMILY,
    UNLISTED_FAMILY,
    CloudAssessment,
    InstanceAssessment,
    OutdatedReason,
    PatchState,
    ServerRecord,
)
from patch_dashboard.lifecycle.compliance import family_key_of as compliance_family_key

# What the state column and filter show for an instance whose image is not assessed.
GONE = (OutdatedReason.IMAGE_DELETED, OutdatedReason.NO_IMAGE)


def family_label(key: str, name: str) -> str:
    """What a family is called on a page, in the request's language: the core's label, or
    the words for a pseudo family (image deleted, no image, images not listed)."""
    if key == UNLISTED_FAMILY.key:
        return str(wording.IMAGES_UNAVAILABLE)
    if key == NO_IMAGE_FAMILY.key:
        return str(wording.NO_IMAGE_LABEL)
    if key == DELETED_FAMILY.key:
        return str(wording.IMAGE_GONE_LABEL)
    return name


@dataclass(frozen=True)
class InstanceRow:
    id: str
    name: str
    status: str
    project_id: str
    project_name: str
    image_id: str | None
    image_name: str | None
    image_state: PatchState | None  # None: the image is gone or was never recorded
    family_key: str
    family_name: str  # the core's label of the family (pseudo families: their key)
    outdated: bool
    reasons: tuple[OutdatedReason, ...]  # most severe first
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
    # What an index's incremental refresh assesses again (api/increment.py), and the facts
    # the reasons are worded from: an index keeps rows, not the assessments they came from
    # (a row pickled with its image's assessment costs four times the bytes and the time).
    server: ServerRecord = field(repr=False)
    facts: wording.ReasonFacts = field(repr=False)

    @property
    def condition(self) -> PatchState | OutdatedReason:
        """The image's state, or why there is none (image deleted, no image recorded)."""
        if self.image_state is not None:
            return self.image_state
        return next((reason for reason in self.reasons if reason in GONE), GONE[0])

    @property
    def state_code(self) -> str:
        return self.condition.value

    @property
    def family_label(self) -> str:
        return family_label(self.family_key, self.family_name)

    @property
    def reason_texts(self) -> tuple[str, ...]:
        if self.family_key == UNLISTED_FAMILY.key:
            return (str(wording.IMAGES_UNAVAILABLE),)
        return tuple(wording.reason_text(reason, self.facts) for reason in self.reasons)

    @property
    def reason(self) -> str:
        return "; ".join(self.reason_texts)

    def as_dict(self) -> dict[str, object]:
        """The row for JSON: stable codes beside the words of the request's language."""
        condition = self.condition
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "project_id": self.project_id,
            "project_name": self.project_name,
            "image_id": self.image_id,
            "image_name": self.image_name,
            "state": self.state_code,
            "state_label": str(wording.condition_label(condition)),
            "image_state": self.state_code,  # the older name of ``state``
            "family_key": self.family_key,
            "family": self.family_label,
            "outdated": self.outdated,
            "reasons": [
                {"code": reason.value, "text": text}
                for reason, text in zip(self.reasons, self.reason_texts, strict=False)
            ],
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
    server = instance.server
    image = instance.image
    recommended = instance.recommended_image
    flavor = instance.recommended_flavor
    unlisted = not images_known and image is None and instance.image_id is not None
    if unlisted:
        family_key, family_name = UNLISTED_FAMILY.key, UNLISTED_FAMILY.label
        state: PatchState | None = PatchState.UNKNOWN
        reasons: tuple[OutdatedReason, ...] = (OutdatedReason.UNKNOWN,)
    else:
        family_key = compliance_family_key(instance)
        family_name = image.family.label if image is not None else family_key
        state = image.state if image is not None else None
        reasons = tuple(wording.ordered_reasons(instance.reasons))
    return InstanceRow(
        id=server.id,
        name=server.name,
        status=server.status,
        project_id=server.project_id,
        project_name=(project_names or {}).get(server.project_id, server.project_id),
        image_id=instance.image_id,
        image_name=image.image.name if image else None,
        image_state=state,
        family_key=family_key,
        family_name=family_name,
        outdated=instance.outdated,
        reasons=reasons,
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
        server=server,
        facts=wording.ReasonFacts.of(instance),
    )


_SEVERITY = {state: index for index, state in enumerate(PatchState)}


def instance_rows(
    cloud: CloudAssessment,
    *,
    project_names: Mapping[str, str] | None = None,
    images_known: bool = True,
) -> list[InstanceRow]:
    """Every instance, most severe first (a gone image first of all), then by name."""
    return sort_rows(
        instance_row(i, project_names=project_names, images_known=images_known)
        for i in cloud.instances
    )


def sort_rows(rows: Iterable[InstanceRow]) -> list[InstanceRow]:
    """Most severe first (a gone image first of all), then by project, name and id."""
    return sorted(
        rows,
        key=lambda row: (
            not row.outdated,
            -1 if row.image_state is None else _SEVERITY[row.image_state],
            row.project_name.casefold(),
            row.name.casefold(),
            row.id,
        ),
    )


def select(rows, *, state: str = "", family: str = "", project: str = ""):
    """Rows matching the page's filters (empty: no filter); ``state`` is a state code."""
    if state:
        rows = [row for row in rows if row.state_code == state]
    if family:
        rows = [row for row in rows if row.family_key == family]
    if project:
        rows = [row for row in rows if row.project_id == project]
    return rows
