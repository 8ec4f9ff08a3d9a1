"""Everything the pages show, from records and a point in time: images, instances, compliance.

Work is linear in images + servers (plus a sort per family): families, usable builds and
replacement chains are computed once and looked up per image and per server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time, timezone
from typing import TYPE_CHECKING

from patch_dashboard.lifecycle.compliance import summarize
from patch_dashboard.lifecycle.families import (
    DELETED_FAMILY,
    NO_IMAGE_FAMILY,
    group_families,
    snapshot_roots,
)
from patch_dashboard.lifecycle.flavors import flavor_size, recommend_flavor, recommendable
from patch_dashboard.lifecycle.model import (
    CloudAssessment,
    ImageAssessment,
    InstanceAssessment,
    OutdatedReason,
    PatchState,
)
from patch_dashboard.lifecycle.recommend import ReplacementChains, recommend_from
from patch_dashboard.lifecycle.states import (
    as_utc,
    is_usable,
    own_conditions,
    primary_state,
    settle,
    with_trusted_build_date,
)

if TYPE_CHECKING:  # annotations only
    from patch_dashboard.lifecycle.model import Family, FlavorRecord, ImageRecord, ServerRecord

_REASONS = {
    PatchState.OBSOLETE: OutdatedReason.OBSOLETE,
    PatchState.DEPRECATED: OutdatedReason.DEPRECATED,
    PatchState.END_OF_LIFE: OutdatedReason.END_OF_LIFE,
    PatchState.SUPERSEDED: OutdatedReason.SUPERSEDED,
    PatchState.STALE: OutdatedReason.STALE,
    PatchState.UNKNOWN: OutdatedReason.UNKNOWN,
}


def _by_id(images: Iterable[ImageRecord], now: datetime) -> dict[str, ImageRecord]:
    """Images keyed by id; a repeated id keeps its first record. A build date from the
    future is made unknown here, so that no part of the assessment trusts it."""
    unique: dict[str, ImageRecord] = {}
    for image in images:
        if image.id not in unique:
            unique[image.id] = with_trusted_build_date(image, now)
    return unique


def _assess(
    images: Mapping[str, ImageRecord], now: datetime, counts: Mapping[str, int]
) -> tuple[dict[str, ImageAssessment], dict[str, Family]]:
    roots = snapshot_roots(images)
    families, family_of = group_families(images.values(), roots)
    conditions = {
        image.id: own_conditions(image, now) for image in images.values() if not image.is_snapshot
    }

    # One pass over each family, newest first: usable builds seen so far are newer.
    newer_usable: dict[str, int] = {}
    for key, family in families.items():
        usable: list[str] = []
        for build in family.builds:
            newer_usable[build] = len(usable)
            if is_usable(images[build], conditions[build]):
                usable.append(build)
        if usable:
            families[key] = replace(family, usable=tuple(usable))
    newest_usable = {key: family.usable[0] for key, family in families.items() if family.usable}

    flags_of: dict[str, frozenset[PatchState]] = {}
    for image_id, found in conditions.items():
        if newer_usable[image_id]:
            found.add(PatchState.SUPERSEDED)
        known = (
            images[image_id].build_date is not None
            or families[family_of[image_id]].evidence != "none"
        )
        flags_of[image_id] = settle(found, known=known)

    chains = ReplacementChains(images)
    assessments: dict[str, ImageAssessment] = {}
    for image in images.values():
        start = image.id
        if image.is_snapshot:
            # A snapshot is as patched as the image it was taken from (plus its own status).
            root = roots[image.id]
            inherited = flags_of[root] if root else frozenset({PatchState.UNKNOWN})
            own = {PatchState.OBSOLETE} if image.status == "deactivated" else set()
            flags = settle(inherited | own, known=PatchState.UNKNOWN not in inherited)
            behind = newer_usable[root] if root else 0
            if root and not image.replaced_by:
                start = root
        else:
            flags = flags_of[image.id]
            behind = newer_usable[image.id]
        recommendation = recommend_from(
            chains.end(start), family_of=family_of, newest_usable=newest_usable
        )
        assessments[image.id] = ImageAssessment(
            image=image,
            family=families[family_of[image.id]],
            state=primary_state(flags),
            flags=flags,
            recommendation=recommendation,
            builds_behind=behind,
            instance_count=counts.get(image.id, 0),
        )
    return assessments, families


def assess_images(
    images: Sequence[ImageRecord],
    *,
    now: datetime,
    instance_counts: Mapping[str, int] | None = None,
) -> dict[str, ImageAssessment]:
    """Image id -> assessment, for pages without servers (instance_count from the mapping)."""
    now = as_utc(now)
    assessments, _ = _assess(_by_id(images, now), now, instance_counts or {})
    return assessments


def _days_since(image: ImageRecord, now: datetime) -> int | None:
    # A difference of two datetimes cannot overflow (0001-01-01 to 9999-12-31 is in range).
    if image.build_date is not None:
        appeared = datetime.combine(image.build_date, time(), tzinfo=timezone.utc)
    elif image.created_at is not None:
        appeared = image.created_at
    else:
        return None
    return max(0, (now - appeared).days)


def image_of(server: ServerRecord) -> str | None:
    """The image a server runs: its own, or its root volume's (boot from volume)."""
    return server.image_id or server.volume_image_id


class InstanceAssessor:
    """Assesses one server at a time against one listing of images (assessed) and flavors:
    :func:`assess_cloud` calls it for every server, an index's incremental refresh only for
    the servers that changed (``patch_dashboard/api/increment.py``)."""

    def __init__(
        self,
        *,
        assessments: Mapping[str, ImageAssessment],
        flavors: Sequence[FlavorRecord],
        now: datetime,
        private_flavors_usable: bool = True,
    ) -> None:
        self.assessments = assessments
        self.now = as_utc(now)
        self.by_size = sorted(
            recommendable(flavors, private_usable=private_flavors_usable), key=flavor_size
        )
        self.flavor_by_id: dict[str, FlavorRecord] = {}
        self.flavor_by_name: dict[str, FlavorRecord] = {}
        for listed in flavors:
            self.flavor_by_id.setdefault(listed.id, listed)
            self.flavor_by_name.setdefault(listed.name, listed)
        # Servers share few (image, flavor) pairs; fit each pair once.
        self.chosen: dict[tuple[str, str | None, bool], FlavorRecord | None] = {}

    def _choose_flavor(
        self, image: ImageRecord, current: FlavorRecord | None, boot_from_volume: bool
    ) -> FlavorRecord | None:
        key = (image.id, current.id if current else None, boot_from_volume)
        if key not in self.chosen:
            self.chosen[key] = recommend_flavor(
                image, self.by_size, current=current, boot_from_volume=boot_from_volume
            )
        return self.chosen[key]

    def __call__(self, server: ServerRecord) -> InstanceAssessment:
        # Nova >= 2.47 embeds the flavor by name only.
        flavor = (
            self.flavor_by_id.get(server.flavor_id)
            if server.flavor_id is not None
            else self.flavor_by_name.get(server.flavor_name or "")
        )
        image_id = image_of(server)
        assessment = self.assessments.get(image_id) if image_id else None
        if assessment is None:
            reason = OutdatedReason.NO_IMAGE if image_id is None else OutdatedReason.IMAGE_DELETED
            return InstanceAssessment(
                server=server,
                image_id=image_id,
                image=None,
                outdated=True,
                reasons=frozenset({reason}),
                recommended_image=None,
                recommended_flavor=None,
                flavor=flavor,
                days_behind=None,
                builds_behind=None,
            )
        outdated = assessment.state is not PatchState.CURRENT
        target_id = assessment.recommendation.image_id
        recommended = None
        if target_id is not None and (target_id != image_id or outdated):
            recommended = self.assessments[target_id].image
        return InstanceAssessment(
            server=server,
            image_id=image_id,
            image=assessment,
            outdated=outdated,
            reasons=frozenset(_REASONS[flag] for flag in assessment.flags if flag in _REASONS),
            recommended_image=recommended,
            recommended_flavor=self._choose_flavor(
                recommended or assessment.image, flavor, server.boot_from_volume
            ),
            flavor=flavor,
            days_behind=_days_since(recommended, self.now)
            if recommended is not None and recommended.id != image_id
            else None,
            builds_behind=assessment.builds_behind,
        )


def instance_counts(servers: Iterable[ServerRecord]) -> dict[str, int]:
    """Image id -> servers on it."""
    counts: dict[str, int] = {}
    for server in servers:
        image_id = image_of(server)
        if image_id is not None:
            counts[image_id] = counts.get(image_id, 0) + 1
    return counts


def assess_listing(
    *,
    images: Sequence[ImageRecord],
    flavors: Sequence[FlavorRecord],
    now: datetime,
    instance_counts: Mapping[str, int],
    private_flavors_usable: bool = True,
) -> tuple[dict[str, ImageAssessment], dict[str, Family], InstanceAssessor]:
    """The images assessed (with ``instance_counts``), their families, and the assessor of
    servers against them."""
    now = as_utc(now)
    assessments, families = _assess(_by_id(images, now), now, instance_counts)
    assessor = InstanceAssessor(
        assessments=assessments,
        flavors=flavors,
        now=now,
        private_flavors_usable=private_flavors_usable,
    )
    return assessments, families, assessor


def assess_cloud(
    *,
    images: Sequence[ImageRecord],
    servers: Sequence[ServerRecord],
    flavors: Sequence[FlavorRecord],
    now: datetime,
    private_flavors_usable: bool = True,
) -> CloudAssessment:
    """Images, instances and compliance for one listing of images, servers and flavors.

    ``private_flavors_usable``: whether the private flavors in ``flavors`` may be recommended
    to the instances' projects (a member's listing; not an admin's, see ``recommendable``).
    """
    assessments, families, assess = assess_listing(
        images=images,
        flavors=flavors,
        now=now,
        instance_counts=instance_counts(servers),
        private_flavors_usable=private_flavors_usable,
    )
    instances = [assess(server) for server in servers]

    compliance = summarize(instances)
    # Instances without a listed image are counted under pseudo families; name them too.
    for pseudo in (DELETED_FAMILY, NO_IMAGE_FAMILY):
        if pseudo.key in compliance.by_family:
            families[pseudo.key] = pseudo
    return CloudAssessment(
        images=assessments,
        families=families,
        instances=tuple(instances),
        compliance=compliance,
    )
