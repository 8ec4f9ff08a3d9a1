"""Typed records of the lifecycle core: what the rest of the plugin passes in and gets back.

Plain Python only (no Django, no Horizon, no clients). Every record is a frozen dataclass.
Inputs are built from API payloads by :mod:`patch_dashboard.lifecycle.properties`
(``parse_image``, ``parse_server``, ``parse_flavor``); outputs come from
:func:`patch_dashboard.lifecycle.assess.assess_cloud`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


class PatchState(enum.Enum):
    """Primary patch state of an image; listed from most to least severe."""

    OBSOLETE = "obsolete"
    DEPRECATED = "deprecated"
    END_OF_LIFE = "end-of-life"
    SUPERSEDED = "superseded"
    STALE = "stale"
    UNKNOWN = "unknown"
    CURRENT = "current"


class DeprecationState(enum.Enum):
    """Value of our ``deprecation_state`` property (GCE's vocabulary)."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    OBSOLETE = "obsolete"


class ReplaceFrequency(enum.Enum):
    """SCS scs-0102 ``replace_frequency``; ``period`` is None where no recency rule applies."""

    YEARLY = "yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"
    CRITICAL_BUG = "critical_bug"
    NEVER = "never"

    @property
    def period(self) -> timedelta | None:
        return _PERIODS.get(self)


_PERIODS = {
    ReplaceFrequency.YEARLY: timedelta(days=365),
    ReplaceFrequency.QUARTERLY: timedelta(days=90),
    ReplaceFrequency.MONTHLY: timedelta(days=30),
    ReplaceFrequency.WEEKLY: timedelta(days=7),
    ReplaceFrequency.DAILY: timedelta(days=1),
}


class OutdatedReason(enum.Enum):
    """Why an instance is outdated (an instance may have several)."""

    SUPERSEDED = "superseded"
    DEPRECATED = "deprecated"
    OBSOLETE = "obsolete"
    END_OF_LIFE = "end-of-life"
    STALE = "stale"
    IMAGE_DELETED = "image-deleted"  # the image id is not (or no longer) in Glance's list
    NO_IMAGE = "no-image"  # neither server.image nor a volume with image metadata
    UNKNOWN = "unknown"  # the image has no build date and no family evidence


class ChainProblem(enum.Enum):
    """What went wrong following ``replaced_by``."""

    CYCLE = "cycle"
    DANGLING = "dangling"  # replaced_by names an id the user cannot see or that does not exist


@dataclass(frozen=True)
class ImageRecord:
    """One Glance image, its properties parsed tolerantly.

    Fields whose raw value could not be parsed are None and listed in ``invalid``
    (property key -> raw value as a string), so a page can show "unknown" and the raw value.
    """

    id: str
    name: str
    status: str  # Glance status: active, deactivated, queued, ...
    visibility: str
    hidden: bool  # os_hidden
    owner: str | None
    created_at: datetime | None  # always timezone-aware UTC when set
    min_ram: int  # MiB, 0 when unset
    min_disk: int  # GiB, 0 when unset
    # SCS scs-0102
    os_distro: str | None = None
    os_version: str | None = None
    architecture: str | None = None
    os_purpose: str | None = None
    build_date: date | None = None  # image_build_date
    patchlevel: str | None = None
    replace_frequency: ReplaceFrequency | None = None
    provided_until: date | None = None  # None for "none"/"notice"/unset
    maintained_until: date | None = None
    uuid_validity: str | None = None
    hotfix_hours: int | None = None
    image_source: str | None = None
    image_description: str | None = None
    image_original_user: str | None = None
    # osism openstack-image-manager
    image_name: str | None = None  # family name
    internal_version: str | None = None
    # ours (written by the admin actions)
    deprecation_state: DeprecationState | None = None
    deprecated_at: datetime | None = None
    obsolete_at: datetime | None = None
    replaced_by: str | None = None
    deprecation_reason: str | None = None
    deprecated_by: str | None = None
    # snapshots
    image_type: str | None = None  # "snapshot" for Nova snapshots
    base_image_ref: str | None = None
    # hw_* and trait:* properties, raw strings, used for flavor fit
    requirements: Mapping[str, str] = field(default_factory=dict)
    # every property the image carries, as strings (for the detail page)
    properties: Mapping[str, str] = field(default_factory=dict)
    invalid: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_snapshot(self) -> bool:
        return self.image_type == "snapshot"


@dataclass(frozen=True)
class FlavorRecord:
    id: str
    name: str
    vcpus: int
    ram: int  # MiB
    disk: int  # GiB (0: sized from the image / volume)
    is_public: bool = True
    extra_specs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServerRecord:
    id: str
    name: str
    status: str
    project_id: str
    image_id: str | None  # server.image.id; None for boot-from-volume
    flavor_id: str | None
    flavor_name: str | None = None  # Nova >= 2.47 embeds the flavor, often without its id
    # boot-from-volume: volume_image_metadata.image_id of the root volume
    volume_image_id: str | None = None
    boot_from_volume: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True)
class Family:
    """A lineage of builds. ``builds`` holds image ids, newest first (snapshots excluded);
    ``usable`` those of them that may be moved to (set by the assessment), newest first."""

    key: str
    label: str  # what a person calls it: "Ubuntu 24.04", "ubuntu 24.04 x86_64"
    builds: tuple[str, ...]
    evidence: str  # "image_name" | "scs" | "name" | "none"
    usable: tuple[str, ...] = ()

    @property
    def newest_usable(self) -> str | None:
        """The build to recommend to the whole family (None: no usable build)."""
        return self.usable[0] if self.usable else None


@dataclass(frozen=True)
class Recommendation:
    """The image to move to; ``image_id`` None when no usable build exists."""

    image_id: str | None
    # ids followed through replaced_by, the start excluded. A lazy sequence that images on one
    # chain share (recommend.ChainIds: a long chain is not copied per image); equal to a
    # tuple of the same ids.
    chain: Sequence[str] = ()
    problem: ChainProblem | None = None
    problem_id: str | None = None  # the id where the chain broke


@dataclass(frozen=True)
class ImageAssessment:
    image: ImageRecord
    family: Family
    state: PatchState
    flags: frozenset[PatchState]  # every condition that holds; state is the most severe
    recommendation: Recommendation
    builds_behind: int  # usable builds in the family newer than this one
    instance_count: int  # servers (of the given list) on this image


@dataclass(frozen=True)
class FlavorFit:
    flavor: FlavorRecord
    fits: bool
    reasons: tuple[str, ...]  # machine words: "min_ram", "min_disk", "hw:cpu_policy", "trait:X"


@dataclass(frozen=True)
class InstanceAssessment:
    server: ServerRecord
    image_id: str | None  # the image the instance runs (boot-from-volume resolved)
    image: ImageAssessment | None  # None when the image is gone
    outdated: bool
    reasons: frozenset[OutdatedReason]
    recommended_image: ImageRecord | None
    recommended_flavor: FlavorRecord | None
    flavor: FlavorRecord | None
    days_behind: int | None  # days since the recommended build appeared
    builds_behind: int | None


@dataclass(frozen=True)
class ComplianceCount:
    current: int
    total: int

    @property
    def share(self) -> float | None:
        return self.current / self.total if self.total else None


@dataclass(frozen=True)
class ComplianceSummary:
    overall: ComplianceCount
    by_project: Mapping[str, ComplianceCount]
    by_family: Mapping[str, ComplianceCount]  # family key -> count


@dataclass(frozen=True)
class CloudAssessment:
    images: Mapping[str, ImageAssessment]  # by image id
    families: Mapping[str, Family]  # by family key
    instances: tuple[InstanceAssessment, ...]
    compliance: ComplianceSummary
