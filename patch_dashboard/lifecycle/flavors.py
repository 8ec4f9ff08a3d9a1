"""Whether a flavor can boot an image, by the rules Nova applies at server create.

Image properties are untrusted and may be 65,535 characters long. A rule that meets a value
it cannot read (longer than a spec value can be, or not a number where one is needed) counts
the pair as a conflict: the flavor does not fit. Nothing here raises, and every rule is
linear in the length of the values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from patch_dashboard.lifecycle.model import FlavorFit, FlavorRecord, ImageRecord
from patch_dashboard.lifecycle.properties import MAX_TEXT_CHARS, MAX_VALUE_CHARS

_TRUE = frozenset({"true", "1", "yes", "on", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "off", "n", "f"})
# Matched against stripped text of at most MAX_VALUE_CHARS: one blank run, nothing to backtrack.
_PAGE_SIZE = re.compile(r"([0-9]+)\s*([kmg]?)(?:i?b)?", re.IGNORECASE)
_KIB_PER_UNIT = {"": 1, "k": 1, "m": 1024, "g": 1024 * 1024}
_SMALL_PAGE_KIB = 4


def _word(value: str) -> str | None:
    """Normalised spec value: booleans in Nova's spellings compare equal; None when longer
    than any spec value can be (Nova stores at most 255 characters)."""
    if len(value) > MAX_TEXT_CHARS:
        return None
    word = value.strip().lower()
    if word in _TRUE:
        return "true"
    if word in _FALSE:
        return "false"
    return word


def _number(value: str) -> int | None:
    """An integer spec value; None when unreadable (too long for int() to be cheap, or not
    a number)."""
    if len(value) > MAX_VALUE_CHARS:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _page_kib(value: str) -> int | str | None:
    """hw:mem_page_size in KiB (Nova's default unit); the words large/any as such; None when
    unreadable."""
    if len(value) > MAX_VALUE_CHARS:
        return None
    word = value.strip().lower()
    if word == "small":
        return _SMALL_PAGE_KIB
    if word in ("large", "any"):
        return word
    match = _PAGE_SIZE.fullmatch(word)
    if match is None:
        return None
    return int(match.group(1)) * _KIB_PER_UNIT[match.group(2).lower()]


def _same(wanted: str, offered: str) -> bool:
    word = _word(wanted)
    return word is not None and word == _word(offered)


# A rule gets the image's value, the flavor's extra specs and the hw: key; True = compatible.
_Rule = Callable[[str, Mapping[str, str], str], bool]


def _same_or_unset(wanted: str, specs: Mapping[str, str], key: str) -> bool:
    offered = specs.get(key)
    return offered is None or _same(wanted, offered)


def _page_size_allowed(wanted: str, specs: Mapping[str, str], key: str) -> bool:
    # Nova lets the image choose a page size only within what the flavor allows; a flavor
    # without hw:mem_page_size forbids it (MemoryPageSizeForbidden).
    offered = specs.get(key)
    return offered is not None and _pages_compatible(_page_kib(wanted), _page_kib(offered))


def _pages_compatible(want: int | str | None, have: int | str | None) -> bool:
    if want is None or have is None:
        return False
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
    if offered is None:
        return True
    want, have = _word(wanted), _word(offered)
    return want is not None and have is not None and (want != "dedicated" or have == "dedicated")


def _within_flavor_max(max_key: str) -> _Rule:
    # Image topology values (and image maxima) must stay within the flavor's maximum; without
    # a flavor maximum there is nothing to exceed.
    def rule(wanted: str, specs: Mapping[str, str], key: str) -> bool:
        offered = specs.get(max_key)
        if offered is None:
            return True
        limit, value = _number(offered), _number(wanted)
        return limit is not None and value is not None and value <= limit

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
            if offered is None:
                continue  # left to Placement
            want, have = _word(wanted), _word(offered)
            if want is None or have is None or {want, have} == {"required", "forbidden"}:
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
