"""API payloads -> records, tolerantly.

Bad metadata must never break a page (docs/design.md): nothing here raises for any input. A value
that cannot be parsed leaves its field None and is kept, as text, in ``ImageRecord.invalid``.

Every property is written by someone untrusted, and Glance takes values of up to 65,535
characters: a typed field whose raw text is longer than its cap (below) is rejected before
any regex, ``int()`` or date conversion sees it, and ``invalid`` keeps it shortened.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, TypeVar

from patch_dashboard.lifecycle.model import (
    DeprecationState,
    FlavorRecord,
    ImageRecord,
    ReplaceFrequency,
    ServerRecord,
)

# Glance's own image attributes (plus Horizon's ``is_public``): not custom properties.
CORE_IMAGE_KEYS = frozenset(
    {
        "id",
        "name",
        "status",
        "visibility",
        "is_public",
        "os_hidden",
        "owner",
        "created_at",
        "updated_at",
        "min_ram",
        "min_disk",
        "tags",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "container_format",
        "disk_format",
        "size",
        "virtual_size",
        "protected",
        "file",
        "schema",
        "self",
        "locations",
        "direct_url",
        "stores",
        "properties",
    }
)

# SCS: "none" = no promise, "notice" = until further notice; neither is a date nor an error.
_NO_DATE_WORDS = frozenset({"none", "notice"})
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})

_E = TypeVar("_E", bound=enum.Enum)
_T = TypeVar("_T")

# Caps on the raw text of typed fields; a longer value is unknown (rejected into ``invalid``).
MAX_VALUE_CHARS = 64  # dates, datetimes, integers, enum words, booleans
MAX_TEXT_CHARS = 255  # names, ids, versions, short texts (Glance's own limit for a name)
MAX_LONG_TEXT_CHARS = 2_000  # image_description, image_source (URLs), deprecation_reason
# How much of a rejected value ``invalid`` keeps: enough to recognise it on the image's page.
SHORTENED_CHARS = 200

# ISO 8601 as people and tools write it: extended or basic date, optional time after "T" or a
# blank, optional fraction and "Z" / offset. Written out because Python 3.10's fromisoformat
# (we support 3.10) rejects "Z" and the basic format.
_ISO_8601 = re.compile(
    r"""(?P<year>\d{4})-?(?P<month>\d\d)-?(?P<day>\d\d)
        (?:[T\s](?P<hour>\d\d)
           (?::?(?P<minute>\d\d)
              (?::?(?P<second>\d\d)(?:[.,](?P<fraction>\d+))?)?)?
           \s*(?P<zone>Z|(?P<sign>[+-])(?P<zone_hours>\d\d)(?::?(?P<zone_minutes>\d\d))?)?
        )?""",
    re.IGNORECASE | re.VERBOSE | re.ASCII,
)


def _parse_iso(text: str) -> datetime:
    match = _ISO_8601.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    part = match.groupdict()
    zone = None
    if part["sign"]:
        offset = timedelta(hours=int(part["zone_hours"]), minutes=int(part["zone_minutes"] or 0))
        zone = timezone(-offset if part["sign"] == "-" else offset)
    elif part["zone"]:
        zone = timezone.utc
    return datetime(
        int(part["year"]),
        int(part["month"]),
        int(part["day"]),
        int(part["hour"] or 0),
        int(part["minute"] or 0),
        int(part["second"] or 0),
        int((part["fraction"] or "0")[:6].ljust(6, "0")),
        tzinfo=zone,
    )


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 date or datetime as aware UTC; naive values are taken as UTC.

    Raises ValueError (or TypeError) for anything else; callers decide what that means.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        parsed = _parse_iso(value)
    else:
        raise TypeError(type(value).__name__)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return parse_datetime(value).date()


def _parse_int(value: object) -> int:
    """A non-negative integer from an int, an integral float or a decimal string."""
    if isinstance(value, bool):
        raise TypeError("bool")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        number = int(value)
    elif isinstance(value, (int, str)):
        number = int(value)
    else:
        raise TypeError(type(value).__name__)
    if number < 0:
        raise ValueError(number)
    return number


def shorten(text: str, limit: int = SHORTENED_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with "…" when something was cut."""
    return text if len(text) <= limit else text[:limit] + "…"


def _text_of(value: object) -> str:
    """How a property value is shown: strings as they are, None as empty.

    Never raises: ``str()`` refuses ints of more than 4,300 digits and deep nesting.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return str(value)
    except (ValueError, RecursionError):
        return f"({type(value).__name__} that cannot be shown)"


class _Reader:
    """Reads typed fields from one payload, recording what could not be parsed."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.invalid: dict[str, str] = {}

    def _reject(self, key: str, value: object) -> None:
        self.invalid[key] = shorten(_text_of(value))

    def _too_long(self, key: str, value: object, limit: int = MAX_VALUE_CHARS) -> bool:
        """Whether ``value`` is text beyond ``limit`` (then it is rejected)."""
        if isinstance(value, str) and len(value) > limit:
            self._reject(key, value)
            return True
        return False

    def text(self, key: str, limit: int = MAX_TEXT_CHARS) -> str | None:
        value = self.values.get(key)
        if value is None:
            return None
        # A number where text is expected is still meaningful (os_version = 24 in YAML).
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = _text_of(value)
        elif not isinstance(value, str):
            self._reject(key, value)
            return None
        if self._too_long(key, value, limit):
            return None
        return value.strip() or None

    def required_text(self, key: str) -> str:
        return _text_of(self.values.get(key))

    def _parsed(
        self,
        key: str,
        parse: Callable[[object], _T],
        *,
        words: frozenset[str] = frozenset(),
    ) -> _T | None:
        """``parse`` of the value under ``key``; None when it is absent, blank, one of
        ``words`` (case-insensitive), too long or unparsable (then it is rejected)."""
        value = self.values.get(key)
        if self._too_long(key, value):
            return None
        if value is None or (isinstance(value, str) and value.strip().lower() in words):
            return None
        if isinstance(value, str) and not value.strip():
            return None
        try:
            return parse(value)
        except (ValueError, TypeError, OverflowError):
            self._reject(key, value)
            return None

    def date(self, key: str, *, words: frozenset[str] = frozenset()) -> date | None:
        return self._parsed(key, _parse_date, words=words)

    def datetime(self, key: str) -> datetime | None:
        return self._parsed(key, parse_datetime)

    def integer(self, key: str) -> int | None:
        return self._parsed(key, _parse_int)

    def enum(self, key: str, kind: type[_E]) -> _E | None:
        value = self.values.get(key)
        if self._too_long(key, value):
            return None
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            try:
                return kind(value.strip().lower())
            except ValueError:
                pass
        self._reject(key, value)
        return None

    def boolean(self, key: str) -> bool:
        value = self.values.get(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        word = _text_of(value)
        if self._too_long(key, word):
            return False
        word = word.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word not in _FALSE_WORDS:
            self._reject(key, value)
        return False


def parse_image(raw: Mapping[str, Any]) -> ImageRecord:
    """A Glance v2 image (flat dict, or Horizon's dict with nested ``properties``)."""
    values: dict[str, Any] = {}
    if isinstance(raw, Mapping):
        nested = raw.get("properties")
        if isinstance(nested, Mapping):
            values.update((_text_of(key), value) for key, value in nested.items())
        # Top-level keys win: they are what Glance itself returned.
        values.update((_text_of(key), value) for key, value in raw.items() if key != "properties")
    read = _Reader(values)
    properties = {
        key: _text_of(value) for key, value in values.items() if key not in CORE_IMAGE_KEYS
    }
    requirements = {
        key: value
        for key, value in properties.items()
        if value and (key.startswith("hw_") or key.startswith("trait:"))
    }
    return ImageRecord(
        id=read.required_text("id"),
        name=read.required_text("name"),
        status=read.required_text("status").lower(),
        visibility=read.required_text("visibility").lower(),
        hidden=read.boolean("os_hidden"),
        owner=read.text("owner"),
        created_at=read.datetime("created_at"),
        min_ram=read.integer("min_ram") or 0,
        min_disk=read.integer("min_disk") or 0,
        os_distro=read.text("os_distro"),
        os_version=read.text("os_version"),
        architecture=read.text("architecture"),
        os_purpose=read.text("os_purpose"),
        build_date=read.date("image_build_date"),
        patchlevel=read.text("patchlevel"),
        replace_frequency=read.enum("replace_frequency", ReplaceFrequency),
        provided_until=read.date("provided_until", words=_NO_DATE_WORDS),
        maintained_until=read.date("maintained_until", words=_NO_DATE_WORDS),
        uuid_validity=read.text("uuid_validity"),
        hotfix_hours=read.integer("hotfix_hours"),
        image_source=read.text("image_source", MAX_LONG_TEXT_CHARS),
        image_description=read.text("image_description", MAX_LONG_TEXT_CHARS),
        image_original_user=read.text("image_original_user"),
        image_name=read.text("image_name"),
        internal_version=read.text("internal_version"),
        deprecation_state=read.enum("deprecation_state", DeprecationState),
        deprecated_at=read.datetime("deprecated_at"),
        obsolete_at=read.datetime("obsolete_at"),
        replaced_by=read.text("replaced_by"),
        deprecation_reason=read.text("deprecation_reason", MAX_LONG_TEXT_CHARS),
        deprecated_by=read.text("deprecated_by"),
        image_type=read.text("image_type"),
        base_image_ref=read.text("base_image_ref"),
        requirements=requirements,
        properties=properties,
        invalid=read.invalid,
    )


def _id_in(value: object) -> str | None:
    """The ``id`` of an embedded resource (dict), or a bare id string."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if value is None or isinstance(value, (Mapping, list, bool)):
        return None
    return _text_of(value) or None


def parse_server(
    raw: Mapping[str, Any], *, volume_image_ids: Mapping[str, str] | None = None
) -> ServerRecord:
    """A Nova server dict; ``volume_image_ids``: volume id -> its volume_image_metadata image_id."""
    values: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    read = _Reader(values)
    image_id = _id_in(values.get("image"))
    flavor = values.get("flavor")
    flavor_name = None
    if isinstance(flavor, Mapping) and flavor.get("original_name") is not None:
        flavor_name = _text_of(flavor["original_name"])
    volume_image_id = None
    # Nova reports image "" when the root disk is a volume; the image then lives on the volume.
    boot_from_volume = image_id is None
    if boot_from_volume and volume_image_ids:
        attached = values.get("os-extended-volumes:volumes_attached")
        for volume in attached if isinstance(attached, list) else []:
            volume_id = _id_in(volume)
            if volume_id is not None and volume_image_ids.get(volume_id):
                volume_image_id = _text_of(volume_image_ids[volume_id])
                break
    return ServerRecord(
        id=read.required_text("id"),
        name=read.required_text("name"),
        status=read.required_text("status"),
        project_id=_text_of(values.get("tenant_id") or values.get("project_id") or ""),
        image_id=image_id,
        flavor_id=_id_in(flavor),
        flavor_name=flavor_name,
        volume_image_id=volume_image_id,
        boot_from_volume=boot_from_volume,
        created_at=read.datetime("created"),
    )


def parse_flavor(raw: Mapping[str, Any]) -> FlavorRecord:
    """A Nova flavor dict (``extra_specs`` included when the caller fetched them)."""
    values: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    read = _Reader(values)
    public_key = "os-flavor-access:is_public"
    if public_key not in values:
        public_key = "is_public"
    specs = values.get("extra_specs")
    return FlavorRecord(
        id=read.required_text("id"),
        name=read.required_text("name"),
        vcpus=read.integer("vcpus") or 0,
        ram=read.integer("ram") or 0,
        disk=read.integer("disk") or 0,
        is_public=read.boolean(public_key) if values.get(public_key) is not None else True,
        extra_specs={_text_of(key): _text_of(value) for key, value in specs.items()}
        if isinstance(specs, Mapping)
        else {},
    )
