"""Whether a flavor can boot an image, by the rules Nova applies at server create."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from patch_dashboard.lifecycle.model import FlavorFit, FlavorRecord, ImageRecord

_TRUE = frozenset({"true", "1", "yes", "on", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "off", "n", "f"})
_PAGE_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)
_KIB_PER_UNIT = {"": 1, "k": 1, "m": 1024, "g": 1024 * 1024}
_SMALL_PAGE_KIB = 4


def _word(value: str) -> str:
    """Normalised spec value: booleans in Nova's spellings compare equal."""
    word = value.strip().lower()
    if word in _TRUE:
        return "true"
    if word in _FALSE:
        return "false"
    return word


def _number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _page_kib(value: str) -> int | str:
    """hw:mem_page_size in KiB (Nova's default unit); the words small/large/any as such."""
    word = value.strip().lower()
    if word == "small":
        return _SMALL_PAGE_KIB
    match = _PAGE_SIZE.match(word)
    if match is None:
        return word
    return int(match.group(1)) * _KIB_PER_UNIT[match.group(2).lower()]


# A rule gets the image's value, the flavor's extra specs and the hw: key; True = compatible.
_Rule = Callable[[str, Mapping[str, str], str], bool]


def _same_or_unset(wanted: str, specs: Mapping[str, str], key: str) -> bool:
    offered = specs.get(key)
    return offered is None or _word(offered) == _word(wanted)


def _page_size_allowed(wanted: str, specs: Mapping[str, str], key: str) -> bool:
    # Nova lets the image choose a page size only within what the flavor allows; a flavor
    # without hw:mem_page_size forbids it (MemoryPageSizeForbidden).
    offered = specs.get(key)
    if offered is None:
        return False
    want, have = _page_kib(wanted), _page_kib(offered)
    if "any" in (want, have):
        return True
    if have == "large":
        return want != _SMALL_PAGE_KIB
    if want == "large":
        return have != _SMALL_PAGE_KIB
    return want == have


def _pinning_allowed(wanted: str, specs: Mapping[str, str], key: str) -> bool:
    # The flavor's policy wins, except that an image asking for dedicated CPUs cannot be
    # given shared or mixed ones (ImageCPUPinningForbidden).
    offered = specs.get(key)
    return offered is None or _word(wanted) != "dedicated" or _word(offered) == "dedicated"


def _within_flavor_max(max_key: str) -> _Rule:
    # Image topology values (and image maxima) must stay within the flavor's maximum.
    def rule(wanted: str, specs: Mapping[str, str], key: str) -> bool:
        limit, value = _number(specs.get(max_key)), _number(wanted)
        if limit is None or value is None:
            return _same_or_unset(wanted, specs, max_key) if key == max_key else True
        return value <= limit

    return rule


_RULES: dict[str, _Rule] = {
    "hw:mem_page_size": _page_size_allowed,
    "hw:cpu_policy": _pinning_allowed,
    "hw:serial_port_count": _within_flavor_max("hw:serial_port_count"),
}
for _part in ("sockets", "cores", "threads"):
    _RULES[f"hw:cpu_{_part}"] = _within_flavor_max(f"hw:cpu_max_{_part}")
    _RULES[f"hw:cpu_max_{_part}"] = _within_flavor_max(f"hw:cpu_max_{_part}")


def requirement_conflicts(requirements: Mapping[str, str], specs: Mapping[str, str]) -> list[str]:
    """Flavor keys (``hw:x``, ``trait:X``) whose value contradicts the image's."""
    conflicts = []
    for key, wanted in requirements.items():
        if key.startswith("trait:"):
            offered = specs.get(key)
            if offered is not None and {_word(wanted), _word(offered)} == {"required", "forbidden"}:
                conflicts.append(key)
        elif key.startswith("hw_"):
            spec_key = "hw:" + key[3:]
            if not _RULES.get(spec_key, _same_or_unset)(wanted, specs, spec_key):
                conflicts.append(spec_key)
    return conflicts


def flavor_fit(
    image: ImageRecord, flavor: FlavorRecord, *, boot_from_volume: bool = False
) -> FlavorFit:
    """Whether ``flavor`` can boot ``image``, with the requirement keys it fails."""
    reasons = []
    if flavor.ram < image.min_ram:
        reasons.append("min_ram")
    # disk 0 means the root disk is sized from the image (or is a volume): nothing to check.
    if not boot_from_volume and flavor.disk != 0 and flavor.disk < image.min_disk:
        reasons.append("min_disk")
    reasons.extend(requirement_conflicts(image.requirements, flavor.extra_specs))
    return FlavorFit(flavor, not reasons, tuple(reasons))


def flavor_size(flavor: FlavorRecord) -> tuple[int, int, int, str, str]:
    """Smallest first; name then id make the order total."""
    return (flavor.vcpus, flavor.ram, flavor.disk, flavor.name, flavor.id)


def smallest_fitting(
    image: ImageRecord, flavors_by_size: Iterable[FlavorRecord], *, boot_from_volume: bool
) -> FlavorRecord | None:
    """First fitting flavor of a list already sorted by :func:`flavor_size`."""
    for flavor in flavors_by_size:
        if flavor_fit(image, flavor, boot_from_volume=boot_from_volume).fits:
            return flavor
    return None


def recommendable(flavors: Iterable[FlavorRecord], *, private_usable: bool) -> list[FlavorRecord]:
    """The flavors a recommendation may name for a new launch.

    Nova lists to a project member the public flavors and the private ones shared with the
    project: all of them can be named. To a cloud admin it lists every project's private
    flavors, and one of them is no choice for another project's instance, so only public
    ones are named then (an instance's current flavor is still kept when it fits).
    """
    return [flavor for flavor in flavors if private_usable or flavor.is_public]


def recommend_flavor(
    image: ImageRecord,
    flavors: Iterable[FlavorRecord],
    *,
    current: FlavorRecord | None = None,
    boot_from_volume: bool = False,
) -> FlavorRecord | None:
    """The current flavor when it fits (no needless resize), else the smallest that fits."""
    if current is not None and flavor_fit(image, current, boot_from_volume=boot_from_volume).fits:
        return current
    return smallest_fitting(
        image, sorted(flavors, key=flavor_size), boot_from_volume=boot_from_volume
    )
