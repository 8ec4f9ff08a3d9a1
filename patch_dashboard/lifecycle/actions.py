"""What the admin actions write: pure plans of Glance property changes, and their checks.

Every action changes only the keys it owns (docs/design.md). A plan is a :class:`PropertyPatch`:
keys to set, keys to remove, and whether to (de|re)activate the image; the API layer sends
it as one JSON patch (one ``add`` or ``remove`` operation per key) and nothing else.

Restore scheme: deprecate and obsolete record what they changed in the property
``patch_dashboard_applied`` (JSON, see :class:`AppliedRecord`): for every key they changed its
value before (``null``: the key was absent) and the value they wrote, and whether they
deactivated the image. Restore puts back each ``before`` value whose key still holds the
``after`` value (a later edit by someone else is left alone), reactivates only an image this
plugin deactivated, and removes the record. An image hidden before deprecation is therefore
never un-hidden, and a restored image's properties equal those it had before.

The record is a claim anyone who may write the image's properties could forge (an image's
owner can, wherever Glance's property protections are not set), and Restore acts on it with an
admin's token. So the record is signed with the deployment's secret (a :class:`RecordSigner`,
Django's ``Signer`` in the dashboard) and bound to its image's id, it may name only the keys
deprecate and obsolete write (:data:`RECORDED_KEYS`), with their types; a record that fails
any check counts as absent: Restore then removes the deprecation keys only, and Deprecate
starts a new record from what the image holds now.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from patch_dashboard.lifecycle.flavors import flavor_size, recommend_flavor
from patch_dashboard.lifecycle.model import (
    ChainProblem,
    CloudAssessment,
    FlavorRecord,
    ImageAssessment,
    ImageRecord,
    ReplaceFrequency,
    ServerRecord,
)
from patch_dashboard.lifecycle.properties import parse_datetime
from patch_dashboard.lifecycle.recommend import ReplacementChains
from patch_dashboard.lifecycle.states import as_utc, is_usable

# Our keys (GCE's vocabulary), written by deprecate / obsolete, removed by restore.
DEPRECATION_KEYS = (
    "deprecation_state",
    "deprecated_at",
    "obsolete_at",
    "replaced_by",
    "deprecation_reason",
    "deprecated_by",
)
APPLIED_KEY = "patch_dashboard_applied"
# The salt of the record's signature (Django's Signer, keyed by Horizon's SECRET_KEY): the
# dashboard and the CLI sign and verify records with it.
RECORD_SALT = "patch_dashboard.lifecycle.applied-record"
HIDDEN_KEY = "os_hidden"  # Glance's own attribute: a boolean, not a string
# Keys "Edit patch metadata" may write (SCS scs-0102 and osism's family name).
METADATA_KEYS = (
    "image_build_date",
    "patchlevel",
    "replace_frequency",
    "provided_until",
    "maintained_until",
    "image_name",
)
UNTIL_WORDS = ("none", "notice")  # SCS: no promise / until further notice
PURPOSE_KEY = "os_purpose"
# The only keys a record may name: what deprecate and obsolete write (os_hidden a boolean).
RECORDED_KEYS = frozenset((*DEPRECATION_KEYS, HIDDEN_KEY, PURPOSE_KEY))
RECORD_ACTIONS = frozenset(("deprecate", "obsolete"))
# Version 1 records were unsigned: they count as absent, whoever wrote them.
RECORD_VERSION = 2
# Glance's limit for a property value; a longer "record" is not read at all.
RECORD_LIMIT = 65_535

Value = str | bool


def iso_utc(moment: datetime) -> str:
    """How our timestamps are written: ISO 8601, UTC, whole seconds, ``Z``."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PropertyPatch:
    """Changes to one image: only the keys named here are touched."""

    set: Mapping[str, Value] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    deactivate: bool = False
    reactivate: bool = False
    kept: tuple[str, ...] = ()  # restore: keys changed by someone else since, left alone
    unrecorded: bool = False  # restore: no record, native effects left as they are

    @property
    def empty(self) -> bool:
        return not (self.set or self.remove or self.deactivate or self.reactivate)

    def operations(self) -> list[dict[str, object]]:
        """The JSON patch (application/openstack-images-v2.1-json-patch), sorted by key.

        ``add`` replaces a present key in Glance's v2.1 patch dialect, so no key needs to be
        read first (a ``replace`` of a key removed meanwhile would fail with 409).
        """
        operations: list[dict[str, object]] = [
            {"op": "add", "path": _pointer(key), "value": value}
            for key, value in sorted(self.set.items())
        ]
        operations += [{"op": "remove", "path": _pointer(key)} for key in sorted(self.remove)]
        return operations


def _pointer(key: str) -> str:
    """A JSON pointer to a top-level key (RFC 6901 escapes)."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


# ------------------------------------------------------------------ the record


@dataclass(frozen=True)
class Change:
    before: Value | None  # None: the key was absent
    after: Value | None


class RecordSigner(Protocol):
    """Signs with the deployment's secret (Django's ``django.core.signing.Signer`` fits)."""

    def sign(self, value: str, /) -> str: ...

    def unsign(self, signed_value: str, /) -> str:
        """The value, or an exception when the signature does not match."""
        ...


@dataclass(frozen=True)
class AppliedRecord:
    """The value of ``patch_dashboard_applied``: what this plugin changed, to undo it."""

    action: str  # "deprecate" | "obsolete"
    changes: Mapping[str, Change]
    deactivated: bool = False
    by: str | None = None
    at: str | None = None

    def to_json(self, image_id: str) -> str:
        return json.dumps(
            {
                "version": RECORD_VERSION,
                "image": image_id,
                "action": self.action,
                "by": self.by,
                "at": self.at,
                "deactivated": self.deactivated,
                "changed": {
                    key: {"before": change.before, "after": change.after}
                    for key, change in sorted(self.changes.items())
                },
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def sealed(self, image_id: str, signer: RecordSigner) -> str:
        """The property value: the JSON, signed for this image."""
        return signer.sign(self.to_json(image_id))


def _recorded_value(key: str, raw: object) -> tuple[bool, Value | None]:
    """(valid, value) of one ``before`` / ``after``: os_hidden a boolean, the rest text."""
    if raw is None:
        return True, None
    if key == HIDDEN_KEY:
        return isinstance(raw, bool), raw if isinstance(raw, bool) else None
    return isinstance(raw, str), raw if isinstance(raw, str) else None


def _change(key: object, entry: object) -> Change | None:
    if key not in RECORDED_KEYS or not isinstance(entry, dict) or set(entry) - {"before", "after"}:
        return None
    valid_before, before = _recorded_value(str(key), entry.get("before"))
    valid_after, after = _recorded_value(str(key), entry.get("after"))
    return Change(before, after) if valid_before and valid_after else None


def read_record(image: ImageRecord, *, signer: RecordSigner) -> AppliedRecord | None:
    """The image's record, or None when it has none, it cannot be read, or this deployment
    did not write it for this image (signature, image id, keys and types all checked)."""
    text = image.properties.get(APPLIED_KEY)
    if not text or len(text) > RECORD_LIMIT:
        return None
    try:
        data = json.loads(signer.unsign(text))
    except Exception:  # a bad signature (any signer's error), bad JSON, absurd nesting
        return None
    if (
        not isinstance(data, dict)
        or data.get("version") != RECORD_VERSION
        or data.get("image") != image.id
        or not isinstance(data.get("action"), str)
        or data["action"] not in RECORD_ACTIONS
        or not isinstance(data.get("deactivated"), bool)
        or not isinstance(data.get("changed"), dict)
    ):
        return None
    changes = {}
    for key, entry in data["changed"].items():
        change = _change(key, entry)
        if change is None:
            return None  # one entry out of place and the whole record is suspect
        changes[key] = change
    by, at = data.get("by"), data.get("at")
    return AppliedRecord(
        action=data["action"],
        changes=changes,
        deactivated=data["deactivated"],
        by=by if isinstance(by, str) else None,
        at=at if isinstance(at, str) else None,
    )


def current_value(image: ImageRecord, key: str) -> Value | None:
    """What the image holds for ``key`` now (None: absent)."""
    if key == HIDDEN_KEY:
        return image.hidden
    return image.properties.get(key)


def _same(a: Value | None, b: Value | None) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    return a == b


def _diff(
    image: ImageRecord, targets: Mapping[str, Value | None]
) -> tuple[dict[str, Value], list[str]]:
    to_set: dict[str, Value] = {}
    to_remove: list[str] = []
    for key, target in targets.items():
        now = current_value(image, key)
        if _same(now, target):
            continue
        if target is None:
            if now is not None:
                to_remove.append(key)
        else:
            to_set[key] = target
    return to_set, to_remove


# ------------------------------------------------------------------ deprecate / obsolete


def plan_deprecation(
    image: ImageRecord,
    *,
    obsolete: bool,
    replacement_id: str | None,
    reason: str | None,
    user_id: str | None,
    now: datetime,
    signer: RecordSigner,
    deprecated_at: datetime | None = None,
    obsolete_at: datetime | None = None,
) -> PropertyPatch:
    """Deprecate (``obsolete=False``) or obsolete one image.

    Writes our keys and the native effects: ``os_hidden`` true, ``os_purpose`` generic ->
    oldgeneric, and for obsolete, Glance deactivation. A deprecation dated in the future
    announces itself only: the native effects come with a later action, not on their own
    (nothing in Glance runs on a date).
    """
    now = as_utc(now)
    if deprecated_at is None and image.deprecated_at is not None and image.deprecated_at <= now:
        deprecated_at = image.deprecated_at  # already deprecated: keep since when
    if obsolete:
        obsolete_at = now
    effective = deprecated_at or now
    takes_effect_now = obsolete or effective <= now
    targets: dict[str, Value | None] = {
        "deprecation_state": "obsolete" if obsolete else "deprecated",
        "deprecated_at": iso_utc(effective),
        "obsolete_at": iso_utc(obsolete_at) if obsolete_at is not None else None,
        "replaced_by": replacement_id or None,
        "deprecation_reason": (reason or "").strip() or None,
        "deprecated_by": user_id or None,
    }
    if takes_effect_now:
        targets[HIDDEN_KEY] = True
        if (image.os_purpose or "").strip().lower() == "generic":
            targets[PURPOSE_KEY] = "oldgeneric"
    to_set, to_remove = _diff(image, targets)

    # Only a record this deployment signed carries earlier "before" values forward.
    previous = read_record(image, signer=signer)
    changes: dict[str, Change] = dict(previous.changes) if previous else {}
    for key in (*to_set, *to_remove):
        before = changes[key].before if key in changes else current_value(image, key)
        after = to_set.get(key)
        if _same(before, after):
            changes.pop(key, None)  # back where it started: nothing left to undo
        else:
            changes[key] = Change(before, after)
    deactivate = obsolete and image.status == "active"
    record = AppliedRecord(
        action="obsolete" if obsolete else "deprecate",
        changes=changes,
        deactivated=deactivate or bool(previous and previous.deactivated),
        by=user_id,
        at=iso_utc(now),
    )
    if to_set or to_remove or deactivate:
        to_set[APPLIED_KEY] = record.sealed(image.id, signer)
    return PropertyPatch(set=to_set, remove=tuple(to_remove), deactivate=deactivate)


def plan_restore(image: ImageRecord, *, signer: RecordSigner) -> PropertyPatch:
    """Undo exactly what this plugin's record says it did (see the module docstring).

    Without a record this deployment signed (deprecated by other tools, or a record someone
    planted), our keys are removed and nothing else is touched (``unrecorded``): no
    visibility, owner, protection, status or other property.
    """
    record = read_record(image, signer=signer)
    if record is None:
        _, to_remove = _diff(image, dict.fromkeys((*DEPRECATION_KEYS, APPLIED_KEY)))
        return PropertyPatch(remove=tuple(to_remove), unrecorded=True)
    targets: dict[str, Value | None] = {}
    kept: list[str] = []
    for key, change in record.changes.items():
        if _same(current_value(image, key), change.after):
            targets[key] = change.before
        else:
            kept.append(key)
    targets[APPLIED_KEY] = None
    to_set, to_remove = _diff(image, targets)
    return PropertyPatch(
        set=to_set,
        remove=tuple(to_remove),
        reactivate=record.deactivated and image.status == "deactivated",
        kept=tuple(sorted(kept)),
    )


def is_restorable(image: ImageRecord) -> bool:
    """Whether Restore has anything to undo."""
    return image.deprecation_state is not None or any(
        key in image.properties for key in (*DEPRECATION_KEYS, APPLIED_KEY)
    )


# ------------------------------------------------------------------ replacement


class ReplacementProblem(enum.Enum):
    SELF = "self"  # one of the images being deprecated
    NOT_FOUND = "not-found"
    UNUSABLE = "unusable"  # deprecated, obsolete, end of life, not active, or a snapshot
    CYCLE = "cycle"  # following replaced_by from it would come back (or never end)
    MIXED_FAMILIES = "mixed-families"  # one replacement for images of several families


def newest_usable_build(
    images: Mapping[str, ImageAssessment], image_id: str, *, excluding: Collection[str] = ()
) -> str | None:
    """The newest build of ``image_id``'s family that may be moved to, skipping ``excluding``
    (a snapshot's family is that of the image it was taken from): the first of the usable
    builds the assessment found (``Family.usable``), not a second scan of the family."""
    assessment = images.get(image_id)
    if assessment is None:
        return None
    return next((build for build in assessment.family.usable if build not in excluding), None)


def own_family_replacements(
    images: Mapping[str, ImageAssessment], image_ids: Sequence[str]
) -> dict[str, str | None]:
    """Each image -> the newest usable build of its own family that is not being replaced
    (None: there is none). Images of different families never share a replacement."""
    excluding = frozenset(image_ids)
    return {
        image_id: newest_usable_build(images, image_id, excluding=excluding)
        for image_id in image_ids
    }


def family_labels(images: Mapping[str, ImageAssessment], image_ids: Iterable[str]) -> list[str]:
    """The families of ``image_ids``, each once, in the order first met (their labels)."""
    labels: dict[str, str] = {}
    for image_id in image_ids:
        assessment = images.get(image_id)
        if assessment is not None:
            labels.setdefault(assessment.family.key, assessment.family.label)
    return list(labels.values())


def replacement_problem(
    images: Mapping[str, ImageAssessment], targets: Mapping[str, str | None]
) -> tuple[ReplacementProblem, str] | None:
    """Why the replacements ``targets`` (image id -> replacement id, None: none) cannot be
    written, with the replacement at fault; None when they can."""
    given: dict[str, list[str]] = {}
    for image_id, replacement_id in targets.items():
        if replacement_id is not None:
            given.setdefault(replacement_id, []).append(image_id)
    for replacement_id, replaced in given.items():
        if replacement_id in targets:
            return ReplacementProblem.SELF, replacement_id
        candidate = images.get(replacement_id)
        if candidate is None:
            return ReplacementProblem.NOT_FOUND, replacement_id
        if not is_usable(candidate.image, candidate.flags):
            return ReplacementProblem.UNUSABLE, replacement_id
        if len(family_labels(images, replaced)) > 1:
            return ReplacementProblem.MIXED_FAMILIES, replacement_id
    # The replaced_by links as they would be after the write, walked by the core's own rules.
    records = {image_id: assessment.image for image_id, assessment in images.items()}
    for image_id, replacement_id in targets.items():
        if image_id in records:
            records[image_id] = replace(records[image_id], replaced_by=replacement_id)
    chains = ReplacementChains(records)
    for image_id, replacement_id in targets.items():
        if (
            replacement_id is not None
            and image_id in records
            and chains.end(image_id).problem is ChainProblem.CYCLE
        ):
            return ReplacementProblem.CYCLE, replacement_id
    return None


# ------------------------------------------------------------------ impact


@dataclass(frozen=True)
class ImpactedInstance:
    server: ServerRecord
    image_id: str
    flavor: FlavorRecord | None
    target_image: ImageRecord | None  # None: no replacement
    target_flavor: FlavorRecord | None  # None: no flavor fits (or no target)


@dataclass(frozen=True)
class Impact:
    instances: tuple[ImpactedInstance, ...]

    @property
    def projects(self) -> frozenset[str]:
        return frozenset(item.server.project_id for item in self.instances)


def impact_of(
    cloud: CloudAssessment,
    targets: Mapping[str, str | None],
    flavors: Sequence[FlavorRecord],
) -> Impact:
    """Instances running the images of ``targets`` (image id -> its replacement, None: none;
    boot-from-volume included) and where each would go."""
    by_size = sorted(flavors, key=flavor_size)
    fitted: dict[tuple[str, str | None, bool], FlavorRecord | None] = {}
    impacted = []
    for instance in cloud.instances:
        if instance.image_id is None or instance.image_id not in targets:
            continue
        replacement_id = targets[instance.image_id]
        target = cloud.images.get(replacement_id) if replacement_id else None
        target_flavor = None
        if target is not None:
            # Instances share few (target, flavor) pairs: fit each pair once.
            key = (
                target.image.id,
                instance.flavor.id if instance.flavor else None,
                instance.server.boot_from_volume,
            )
            if key not in fitted:
                fitted[key] = recommend_flavor(
                    target.image,
                    by_size,
                    current=instance.flavor,
                    boot_from_volume=instance.server.boot_from_volume,
                )
            target_flavor = fitted[key]
        impacted.append(
            ImpactedInstance(
                server=instance.server,
                image_id=instance.image_id,
                flavor=instance.flavor,
                target_image=target.image if target is not None else None,
                target_flavor=target_flavor,
            )
        )
    impacted.sort(key=lambda item: (item.server.project_id, item.server.name, item.server.id))
    return Impact(tuple(impacted))


# ------------------------------------------------------------------ patch metadata


class MetadataError(ValueError):
    """A metadata value that cannot be written; ``args[0]`` is the key."""


def _iso_date(text: str) -> str:
    return parse_datetime(text).date().isoformat()


def metadata_value(key: str, text: str | None) -> str | None:
    """The value to write for one patch-metadata key (None: remove the key).

    Dates are normalised to YYYY-MM-DD; ``replace_frequency`` must be an SCS value;
    ``provided_until`` / ``maintained_until`` also take "none" and "notice".
    Raises :class:`MetadataError` for anything else.
    """
    if key not in METADATA_KEYS:
        raise MetadataError(key)
    value = (text or "").strip()
    if not value:
        return None
    try:
        if key == "image_build_date":
            return _iso_date(value)
        if key in ("provided_until", "maintained_until"):
            if value.lower() in UNTIL_WORDS:
                return value.lower()
            return _iso_date(value)
        if key == "replace_frequency":
            return ReplaceFrequency(value.lower()).value
    except (ValueError, TypeError, OverflowError) as error:
        raise MetadataError(key) from error
    return value


def plan_metadata(image: ImageRecord, values: Mapping[str, str | date | None]) -> PropertyPatch:
    """Set or remove patch-metadata keys; only keys whose value changes are sent."""
    targets: dict[str, Value | None] = {}
    for key, raw in values.items():
        text = raw.isoformat() if isinstance(raw, date) else raw
        targets[key] = metadata_value(key, text)
    to_set, to_remove = _diff(image, targets)
    return PropertyPatch(set=to_set, remove=tuple(to_remove))
