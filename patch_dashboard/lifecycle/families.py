"""Lineage of images: which builds belong together, and which build is newer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone

from patch_dashboard.lifecycle.model import Family, ImageRecord
from patch_dashboard.lifecycle.properties import MAX_TEXT_CHARS

# A build suffix at the end of a name: "(version)", " 20240101", " 2024-01-01", " old", " prev".
# Separators may be blanks, "-" or "_"; the date must look like a 19xx/20xx date so that
# "centos 7 1234" stays a name of its own.
_BUILD_SUFFIX = re.compile(
    r"""(?:[\s_-]*\([^()]*\)
        |[\s_-]+(?:(?:19|20)\d{6}|(?:19|20)\d\d-\d\d-\d\d)
        |[\s_-]+(?:old|prev)
        )[\s_-]*\Z""",
    re.IGNORECASE | re.VERBOSE,
)
_DIGITS = re.compile(r"([0-9]+)")
_PURPOSE_ALIASES = {"oldgeneric": "generic"}  # deprecation renames generic to oldgeneric
# Only public images form cloud-wide families. Every other visibility (private, shared,
# community, or a word Glance may add) is an upload of its owner's project: its families stay
# per owner, so such an image never supersedes, or is recommended instead of, a public build.
_CLOUD_WIDE = "public"
_OLDEST = datetime.min.replace(tzinfo=timezone.utc)

_USUAL_ARCHITECTURES = frozenset({"x86_64", "amd64"})

DELETED_FAMILY = Family(key="(image deleted)", label="(image deleted)", builds=(), evidence="none")
NO_IMAGE_FAMILY = Family(key="(no image)", label="(no image)", builds=(), evidence="none")
# Where instances count whose image could not be judged because the image list failed.
UNLISTED_FAMILY = Family(
    key="(images not listed)", label="(images not listed)", builds=(), evidence="none"
)


def strip_build_suffix(name: str) -> tuple[str, bool]:
    """The name without build suffixes (repeatedly), and whether anything was removed.

    A name longer than Glance allows (255) is taken as it is: the suffix pattern costs
    time quadratic in long runs of blanks, and each removal one more pass.
    """
    stripped = name.strip()
    if len(stripped) > MAX_TEXT_CHARS:
        return stripped, False
    while True:
        shorter = _BUILD_SUFFIX.sub("", stripped, count=1).strip()
        if shorter == stripped or not shorter:
            return stripped, stripped != name.strip()
        stripped = shorter


def _number_key(digits: str) -> tuple[int, int, str]:
    # Without int(): it refuses runs of more than 4,300 digits and is quadratic below that.
    # Without leading zeros, a longer run is the larger number; runs of one length compare
    # as text.
    significant = digits.lstrip("0")
    return (1, len(significant), significant)


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key comparing digit runs as numbers: "1.10" > "1.9", "2024.1" > "2023.2"."""
    return tuple(
        _number_key(part) if index % 2 else (0, 0, part.casefold())
        for index, part in enumerate(_DIGITS.split(text))
        if part
    )


def build_order_key(image: ImageRecord) -> tuple[object, ...]:
    """Older builds sort first; missing values count as oldest. Never ``updated_at``:
    editing metadata must not make an old build look new."""
    return (
        image.build_date is not None,
        image.build_date or date.min,
        image.internal_version is not None,
        natural_key(image.internal_version or ""),
        image.created_at is not None,
        image.created_at or _OLDEST,
        image.id,
    )


@dataclass(frozen=True)
class Lineage:
    """What one image says about its family, before the family is assembled."""

    key: str
    label: str
    evidence: str
    stripped: bool = False  # evidence "name": a build suffix was removed


def _squash(text: str) -> str:
    return " ".join(text.casefold().split())


def lineage_of(image: ImageRecord) -> Lineage:
    """Family of a (non-snapshot) image by the first rule of docs/design.md that applies."""
    scope = f"@{image.owner}" if image.visibility != _CLOUD_WIDE and image.owner else ""
    if image.image_name:
        return Lineage(
            f"image_name:{_squash(image.image_name)}{scope}", image.image_name, "image_name"
        )
    if image.os_distro and image.os_version:
        purpose = (image.os_purpose or "").casefold()
        purpose = _PURPOSE_ALIASES.get(purpose, purpose)
        parts = (image.os_distro, image.os_version, image.architecture or "", purpose)
        # People name builds better than the tuple does ("Ubuntu 24.04", not "ubuntu 24.04
        # x86_64"); the architecture is said only where it is not the usual one.
        stem, _ = strip_build_suffix(image.name)
        label = stem or f"{image.os_distro} {image.os_version}"
        if image.architecture and image.architecture.casefold() not in _USUAL_ARCHITECTURES:
            label += f" {image.architecture}"
        if purpose and purpose != "generic":
            label += f" ({purpose})"
        return Lineage(f"scs:{'/'.join(_squash(p) for p in parts)}{scope}", label, "scs")
    name, stripped = strip_build_suffix(image.name)
    if not name:
        # Nameless images (Glance allows them) must not all fall into one family.
        return Lineage(f"image:{image.id}", image.id, "none")
    return Lineage(f"name:{_squash(name)}{scope}", name, "name", stripped)


def snapshot_roots(images: Mapping[str, ImageRecord]) -> dict[str, str | None]:
    """Snapshot id -> the non-snapshot image it descends from via base_image_ref (or None).

    Every snapshot on a walk gets the walk's answer, and a walk stops at a snapshot already
    answered: each link is followed once, however long the chains (snapshots of snapshots).
    """
    roots: dict[str, str | None] = {}
    for image in images.values():
        if not image.is_snapshot or image.id in roots:
            continue
        path = [image.id]
        on_path = {image.id}
        current = image
        root: str | None = None
        while True:
            ref = current.base_image_ref
            if not ref or ref in on_path:  # no base, or a loop of snapshots
                break
            if ref in roots:
                root = roots[ref]
                break
            base = images.get(ref)
            if base is None:
                break
            if not base.is_snapshot:
                root = base.id
                break
            path.append(ref)
            on_path.add(ref)
            current = base
        for snapshot_id in path:
            roots[snapshot_id] = root
    return roots


def group_families(
    images: Iterable[ImageRecord], roots: Mapping[str, str | None]
) -> tuple[dict[str, Family], dict[str, str]]:
    """All families (by key) and each image's family key.

    ``images`` must have unique ids; ``roots`` comes from :func:`snapshot_roots`.
    """
    members: dict[str, list[ImageRecord]] = {}
    lineages: dict[str, Lineage] = {}
    snapshots: list[ImageRecord] = []
    for image in images:
        if image.is_snapshot:
            snapshots.append(image)
            continue
        lineage = lineage_of(image)
        lineages[image.id] = lineage
        members.setdefault(lineage.key, []).append(image)

    families: dict[str, Family] = {}
    family_of: dict[str, str] = {}
    for key, builds in members.items():
        builds.sort(key=build_order_key, reverse=True)
        newest = lineages[builds[0].id]
        evidence = newest.evidence
        # A lone name nothing was stripped from says nothing about lineage.
        if evidence == "name" and len(builds) == 1 and not newest.stripped:
            evidence = "none"
        families[key] = Family(key, newest.label, tuple(b.id for b in builds), evidence)
        for build in builds:
            family_of[build.id] = key

    for snapshot in snapshots:
        root = roots.get(snapshot.id)
        if root is not None:
            family_of[snapshot.id] = family_of[root]
        else:
            key = f"snapshot:{snapshot.id}"
            families[key] = Family(key, snapshot.name, (), "none")
            family_of[snapshot.id] = key
    return families, family_of
