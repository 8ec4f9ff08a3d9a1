"""Hostile metadata (issue 11): every image property is written by someone untrusted.

Glance takes property values of up to 65,535 characters. Whatever their size and shape, no
value makes parsing, assessment or flavor fit raise; a typed value longer than its cap is
unknown (field None, the raw value shortened in ``invalid``); the other images of the cloud
are assessed exactly as without the hostile one; a flavor whose fit cannot be read does not
fit. Hostile shapes (long snapshot chains, long replaced_by chains and cycles) are resolved
correctly; their cost is shown by ``python -m tools.bench_hostile``, not asserted here.

Hypothesis cannot draw 65k-character text itself, so long values are a short drawn unit
repeated to a drawn length.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patch_dashboard.lifecycle import (
    ChainProblem,
    CloudAssessment,
    ImageRecord,
    PatchState,
    ReplaceFrequency,
    assess_cloud,
    assess_images,
    flavor_fit,
    parse_flavor,
    parse_server,
    recommend_flavor,
)
from patch_dashboard.lifecycle.families import natural_key
from patch_dashboard.lifecycle.properties import (
    CORE_IMAGE_KEYS,
    MAX_LONG_TEXT_CHARS,
    MAX_TEXT_CHARS,
    MAX_VALUE_CHARS,
    shorten,
)
from patch_dashboard.lifecycle.recommend import ReplacementChains

from .builders import NOW, flavor, image, server

UTC = timezone.utc
GLANCE_MAX = 65_535
SHORTENED_MAX = 201  # 200 characters and "…"

# Few examples, no deadline: each example is large, and speed is the benchmark's business.
HOSTILE = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HUGE = settings(HOSTILE, max_examples=4)


def repeated(
    units: st.SearchStrategy[str], sizes: st.SearchStrategy[int]
) -> st.SearchStrategy[str]:
    """A drawn unit repeated to exactly a drawn length."""
    return st.builds(lambda unit, size: (unit * (size // len(unit) + 1))[:size], units, sizes)


DIGIT_RUNS = repeated(st.text("0123456789", min_size=1, max_size=9), st.integers(4_300, 70_000))
WHITESPACE_RUNS = repeated(
    st.sampled_from([" ", "\t", "\n", "\r\n", "\u3000", "\xa0", " \t"]),
    st.integers(20_000, 70_000),
)
NUMBERS = st.sampled_from(["1", "4", "2048", "2", "1048576"])
# Numbers inside long whitespace: around them, between number and unit, before junk.
PADDED_NUMBERS = st.builds(
    lambda shape, blanks, number: shape.format(b=blanks, n=number),
    st.sampled_from(
        ["{n}{b}x", "{b}{n}{b}", "{b}{n}", "{n}{b}", "{n}{b}MB", "{n}{b}k{b}", "{b}{n}{b}x"]
    ),
    WHITESPACE_RUNS,
    NUMBERS,
)
UNREADABLE_NUMBERS = st.one_of(DIGIT_RUNS, PADDED_NUMBERS)

# Every key parse_image reads into a typed field, with its cap and the field it fills.
VALUE_KEYS = {
    "image_build_date": "build_date",
    "provided_until": "provided_until",
    "maintained_until": "maintained_until",
    "deprecated_at": "deprecated_at",
    "obsolete_at": "obsolete_at",
    "created_at": "created_at",
    "min_ram": "min_ram",
    "min_disk": "min_disk",
    "hotfix_hours": "hotfix_hours",
    "replace_frequency": "replace_frequency",
    "deprecation_state": "deprecation_state",
    "os_hidden": "hidden",
}
TEXT_KEYS = [
    "owner", "os_distro", "os_version", "architecture", "os_purpose", "patchlevel",
    "uuid_validity", "image_original_user", "image_name", "internal_version", "replaced_by",
    "deprecated_by", "image_type", "base_image_ref",
]  # fmt: skip
LONG_TEXT_KEYS = ["image_source", "image_description", "deprecation_reason"]
CAPS = {
    **dict.fromkeys(VALUE_KEYS, MAX_VALUE_CHARS),
    **dict.fromkeys(TEXT_KEYS, MAX_TEXT_CHARS),
    **dict.fromkeys(LONG_TEXT_KEYS, MAX_LONG_TEXT_CHARS),
}
FIELDS = {**VALUE_KEYS, **{key: key for key in TEXT_KEYS + LONG_TEXT_KEYS}}
# What an unknown field reads as (None, or the default of a field that has one).
UNSET = {"min_ram": 0, "min_disk": 0, "hidden": False}

UNITS = st.sampled_from(
    ["9", "0", " ", "a", "é", "\x00", "(", "1 ", "2024-01-01 ", "monthly", "<b>", "\u202e"]
)
LENGTHS = st.one_of(
    st.integers(0, 300),
    st.integers(300, GLANCE_MAX),
    st.sampled_from(
        [MAX_VALUE_CHARS, MAX_VALUE_CHARS + 1, MAX_TEXT_CHARS + 1, MAX_LONG_TEXT_CHARS + 1]
    ),
    st.just(GLANCE_MAX),
)
HOSTILE_TEXT = repeated(UNITS, LENGTHS)


# ----------------------------------------------------------------- a cloud to compare with
def baseline() -> tuple[list[ImageRecord], list[Any], list[Any]]:
    """A small cloud whose assessment must not change when a hostile image joins it."""
    images = [
        image(
            "u1",
            "Ubuntu 24.04 (20240101)",
            os_distro="ubuntu",
            os_version="24.04",
            image_build_date="2024-01-01",
            replace_frequency="monthly",
        ),
        image(
            "u2",
            "Ubuntu 24.04 (20240601)",
            os_distro="ubuntu",
            os_version="24.04",
            image_build_date="2024-06-01",
            replace_frequency="monthly",
            hw_mem_page_size="large",
        ),
        image("d1", "Debian 12", image_name="debian-12", internal_version="12.5"),
        image(
            "d2",
            "Debian 12",
            image_name="debian-12",
            internal_version="12.10",
            deprecation_state="deprecated",
            replaced_by="d3",
        ),
        image("d3", "Debian 13", image_name="debian-13", image_build_date="2024-06-10"),
        image("snap", "backup of web", image_type="snapshot", base_image_ref="u1"),
    ]
    servers = [
        server("s-u1", "u1", flavor_id="small"),
        server("s-u2", "u2", flavor_id="small"),
        server("s-d1", "d1", flavor_id="huge"),
        server("s-d2", "d2", flavor_id="pages"),
        server("s-snap", "snap", flavor_id="small"),
        server("s-gone", "gone", flavor_id="small"),
    ]
    flavors = [
        flavor("small", ram=1024, disk=10),
        flavor("pages", ram=2048, disk=20, hw__mem_page_size="large", hw__cpu_max_sockets="2"),
        flavor("huge", vcpus=8, ram=16384, disk=80),
    ]
    return images, servers, flavors


def fingerprint(cloud: CloudAssessment) -> dict[str, Any]:
    """What a user sees of every baseline image and instance."""
    images = {
        image_id: (
            a.state,
            a.flags,
            a.recommendation.image_id,
            tuple(a.recommendation.chain),
            a.recommendation.problem,
            a.recommendation.problem_id,
            a.builds_behind,
            a.instance_count,
            a.family.key,
            a.family.builds,
        )
        for image_id, a in cloud.images.items()
        if image_id != "hostile"
    }
    instances = {
        i.server.id: (
            i.outdated,
            i.reasons,
            i.recommended_image.id if i.recommended_image else None,
            i.recommended_flavor.id if i.recommended_flavor else None,
            i.days_behind,
            i.builds_behind,
        )
        for i in cloud.instances
        if i.server.id != "s-hostile"
    }
    return {"images": images, "instances": instances}


def assess_with(hostile: ImageRecord | None, now: datetime = NOW) -> CloudAssessment:
    images, servers, flavors = baseline()
    if hostile is not None:
        images.append(hostile)
        servers.append(server("s-hostile", hostile.id, flavor_id="pages"))
    return assess_cloud(images=images, servers=servers, flavors=flavors, now=now)


BASELINE = fingerprint(assess_with(None))


def assert_others_unchanged(hostile: ImageRecord, now: datetime = NOW) -> CloudAssessment:
    cloud = assess_with(hostile, now)
    expected = BASELINE if now == NOW else fingerprint(assess_with(None, now))
    assert fingerprint(cloud) == expected
    assert "hostile" in cloud.images
    for assessment in cloud.images.values():
        assert assessment.state in assessment.flags
        for raw in assessment.image.invalid.values():
            assert len(raw) <= SHORTENED_MAX
    return cloud


# ----------------------------------------------------------------- every key, any size
@HOSTILE
@given(key=st.sampled_from(sorted(CAPS)), value=HOSTILE_TEXT)
def test_every_scs_key_takes_any_value_up_to_glance_limit(key: str, value: str) -> None:
    hostile = image("hostile", "Hostile upload", **{key: value})
    field = FIELDS[key]
    if len(value) > CAPS[key]:
        assert getattr(hostile, field) == UNSET.get(field)
        assert hostile.invalid[key] == shorten(value)
        if len(value) > 200:
            assert len(hostile.invalid[key]) == 201 and hostile.invalid[key].endswith("…")
    if key not in CORE_IMAGE_KEYS:
        assert hostile.properties[key] == value  # the full text, for whoever compares it
    assert_others_unchanged(hostile)


@HOSTILE
@given(values=st.fixed_dictionaries({key: HOSTILE_TEXT for key in sorted(CAPS)}))
def test_all_keys_hostile_at_once(values: dict[str, str]) -> None:
    hostile = image("hostile", "Hostile upload", **values)
    for key, value in values.items():
        if len(value) > CAPS[key]:
            assert hostile.invalid[key] == shorten(value)
    assert_others_unchanged(hostile)


@HOSTILE
@given(number=st.integers(4_300, 20_000), key=st.sampled_from(sorted(CAPS) + ["hw_cpu_cores"]))
def test_huge_integers_as_values_never_raise(number: int, key: str) -> None:
    # A Python int longer than 4,300 digits cannot even be printed by str().
    huge = 10**number + 7
    hostile = image("hostile", "Hostile upload", **{key: huge})
    assert isinstance(hostile, ImageRecord)
    assert_others_unchanged(hostile)
    parse_server({"id": huge, "name": huge, "tenant_id": huge, "image": {"id": huge}})
    parse_flavor({"id": huge, "name": huge, "vcpus": huge, "extra_specs": {"hw:x": huge}})


@HOSTILE
@given(values=st.dictionaries(st.sampled_from(
    ["id", "name", "status", "tenant_id", "project_id", "image", "flavor", "created"]
), HOSTILE_TEXT))  # fmt: skip
def test_servers_and_flavors_with_hostile_values(values: dict[str, str]) -> None:
    record = parse_server(
        {**values, "flavor": {"id": "small", "original_name": values.get("name")}}
    )
    if len(values.get("created", "")) > MAX_VALUE_CHARS:
        assert record.created_at is None
    specs = {"hw:mem_page_size": values.get("name", ""), "hw:cpu_policy": values.get("id", "")}
    hostile_flavor = parse_flavor({**values, "vcpus": values.get("status"), "extra_specs": specs})
    if len(values.get("status", "")) > MAX_VALUE_CHARS:
        assert hostile_flavor.vcpus == 0
    images, servers, flavors = baseline()
    cloud = assess_cloud(
        images=images, servers=[*servers, record], flavors=[*flavors, hostile_flavor], now=NOW
    )
    assert len(cloud.instances) == len(servers) + 1


# ----------------------------------------------------------------- long digit runs
@contextmanager
def unlimited_int_digits() -> Iterator[None]:
    """The test's own oracle may use int() on long digit runs; the code under test may not."""
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


@HOSTILE
@given(
    digits=DIGIT_RUNS,
    key=st.sampled_from(["internal_version", "min_ram", "min_disk", "hotfix_hours"]),
)
def test_long_digit_runs_are_unknown(digits: str, key: str) -> None:
    hostile = image(
        "hostile", "Hostile upload", image_name="hostile", image_build_date="2024-06-01",
        **{key: digits},
    )  # fmt: skip
    field = FIELDS[key]
    assert getattr(hostile, field) == UNSET.get(field)
    assert hostile.invalid[key] == shorten(digits)
    assert_others_unchanged(hostile)


@HUGE
@given(digits=st.lists(DIGIT_RUNS.map(lambda d: d[:20_000]), min_size=2, max_size=2),
       zeros=st.integers(0, 40), prefix=st.sampled_from(["", "v", "2024.", "1."]))  # fmt: skip
def test_natural_key_orders_long_digit_runs_as_numbers(
    digits: list[str], zeros: int, prefix: str
) -> None:
    a, b = digits
    left, right = natural_key(prefix + "0" * zeros + a), natural_key(prefix + b)
    with unlimited_int_digits():
        expected = (int(a) > int(b)) - (int(a) < int(b))
    assert (left > right) - (left < right) == expected
    # Builds of one family whose versions are such runs are ordered by them, without raising.
    builds = [
        image(f"b{n}", "Hostile", image_name="hostile", internal_version=v)
        for n, v in enumerate((prefix + a[:200], prefix + b[:200]))
    ]
    assess_images(builds, now=NOW)


# ----------------------------------------------------------------- long whitespace, page sizes
@HOSTILE
@given(
    hostile=PADDED_NUMBERS,
    readable=st.sampled_from(["2048", "2MB", "1GB", "large", "any", "small"]),
    on_image=st.booleans(),
)
def test_unreadable_page_size_means_the_flavor_does_not_fit(
    hostile: str, readable: str, on_image: bool
) -> None:
    img = image("img", hw_mem_page_size=hostile if on_image else readable)
    candidate = flavor("f", hw__mem_page_size=readable if on_image else hostile)
    fit = flavor_fit(img, candidate)
    assert not fit.fits and fit.reasons == ("hw:mem_page_size",)
    assert recommend_flavor(img, [candidate], current=candidate) is None
    cloud = assess_cloud(
        images=[img], servers=[server("s", "img", flavor_id="f")], flavors=[candidate], now=NOW
    )
    assert cloud.instances[0].recommended_flavor is None


@HOSTILE
@given(
    hostile=UNREADABLE_NUMBERS,
    key=st.sampled_from(
        ["cpu_sockets", "cpu_cores", "cpu_threads", "cpu_max_sockets", "serial_port_count"]
    ),
    on_image=st.booleans(),
)
def test_unreadable_numbers_mean_the_flavor_does_not_fit(
    hostile: str, key: str, on_image: bool
) -> None:
    max_key = "hw:" + (key if "max" in key or "serial" in key else key.replace("cpu_", "cpu_max_"))
    img = image("img", **{"hw_" + key: hostile if on_image else "1"})
    candidate = parse_flavor(
        {"id": "f", "name": "f", "vcpus": 8, "ram": 8192, "disk": 80,
         "extra_specs": {max_key: "64" if on_image else hostile}}
    )  # fmt: skip
    fit = flavor_fit(img, candidate)
    assert not fit.fits and fit.reasons == ("hw:" + key,)


@HOSTILE
@given(
    key=st.sampled_from(["hw:cpu_policy", "hw:disk_bus", "trait:CUSTOM_X", "hw:mem_page_size"]),
    value=repeated(UNITS, st.integers(MAX_TEXT_CHARS + 1, GLANCE_MAX)),
)
def test_overlong_flavor_specs_do_not_fit_images_that_ask_for_them(key: str, value: str) -> None:
    wanted = {"hw:cpu_policy": "dedicated", "hw:disk_bus": "scsi", "trait:CUSTOM_X": "required"}
    image_key = key if key.startswith("trait:") else "hw_" + key[3:]
    img = image("img", **{image_key: wanted.get(key, "large")})
    candidate = parse_flavor({"id": "f", "name": "f", "extra_specs": {key: value}})
    assert not flavor_fit(img, candidate).fits
    # An image that asks for nothing still fits it.
    assert flavor_fit(image("plain"), candidate).fits


# ----------------------------------------------------------------- extreme dates
# (suffix, its time of day, its UTC offset)
OFFSETS = [
    ("", time(), timedelta()),
    ("T00:00:00", time(), timedelta()),
    ("T23:59:59Z", time(23, 59, 59), timedelta()),
    ("T23:59:59-14:00", time(23, 59, 59), timedelta(hours=-14)),
    ("T23:59:59+14:00", time(23, 59, 59), timedelta(hours=14)),
    ("T00:00:00+14:00", time(), timedelta(hours=14)),
    ("T00:00-1400", time(), timedelta(hours=-14)),
    ("T12:00:00.999999+00:00", time(12, 0, 0, 999999), timedelta()),
]
EXTREME_DAYS = st.one_of(
    st.sampled_from([date.min, date(1, 1, 2), date(9999, 12, 30), date.max]),
    st.dates(),
    st.dates(min_value=NOW.date() - timedelta(days=3), max_value=NOW.date() + timedelta(days=3)),
)
NOWS = st.one_of(
    st.just(NOW),
    st.sampled_from(
        [
            datetime(1, 1, 1, tzinfo=UTC),
            datetime(1, 1, 3, tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
        ]
    ),
    st.datetimes(timezones=st.just(UTC)),
)


def utc_date(day: date, at: time, offset: timedelta) -> date | None:
    """The UTC date of a local moment; None when it falls outside Python's calendar."""
    try:
        return datetime.combine(day, at, tzinfo=timezone(offset)).astimezone(UTC).date()
    except OverflowError:
        return None


@settings(HOSTILE, max_examples=60)
@given(
    day=EXTREME_DAYS,
    offset=st.sampled_from(OFFSETS),
    frequency=st.sampled_from(ReplaceFrequency),
    now=NOWS,
)
def test_extreme_build_dates_with_every_frequency(
    day: date, offset: tuple[str, time, timedelta], frequency: ReplaceFrequency, now: datetime
) -> None:
    suffix, at, zone = offset
    raw = day.isoformat() + suffix
    parsed = utc_date(day, at, zone)
    # A build of the same family from the day before now (or the first day there is).
    earlier = (now - timedelta(days=1)).date() if now.date() > date.min else date.min
    builds = [
        image("hostile", "Hostile", image_name="hostile", image_build_date=raw,
              replace_frequency=frequency.value),
        image("earlier", "Hostile", image_name="hostile", image_build_date=earlier.isoformat()),
    ]  # fmt: skip
    cloud = assess_cloud(
        images=builds,
        servers=[server("s1", "hostile"), server("s2", "earlier")],
        flavors=[flavor("m1.small")],
        now=now,
    )
    hostile = cloud.images["hostile"]
    built = datetime.combine(parsed, time(), tzinfo=UTC) if parsed else None
    trusted = built is not None and built - now <= timedelta(days=1)
    assert hostile.image.build_date == (parsed if trusted else None)
    if not trusted:
        # Unparsable, or a build from the future: unknown, and shown as it was written.
        assert hostile.image.invalid["image_build_date"] == shorten(raw)
        # It does not supersede a real build of its family.
        assert cloud.images["earlier"].state is not PatchState.SUPERSEDED
        assert cloud.images["earlier"].recommendation.image_id == "earlier"
    period = frequency.period
    stale = trusted and period is not None and built is not None and now - built > period * 1.1
    assert (PatchState.STALE in hostile.flags) is stale
    instance = cloud.instances[1]
    if instance.recommended_image is not None and instance.recommended_image.id == "hostile":
        assert built is not None and instance.days_behind == max(0, (now - built).days)


@settings(HOSTILE, max_examples=40)
@given(
    day=EXTREME_DAYS,
    offset=st.sampled_from(OFFSETS),
    keys=st.sets(
        st.sampled_from(
            ["provided_until", "maintained_until", "deprecated_at", "obsolete_at", "created_at"]
        ),
        min_size=1,
    ),
    now=NOWS,
)
def test_extreme_lifecycle_dates(
    day: date, offset: tuple[str, time, timedelta], keys: set[str], now: datetime
) -> None:
    raw = day.isoformat() + offset[0]
    parsed = utc_date(day, offset[1], offset[2])
    hostile = image("hostile", "Hostile upload", **dict.fromkeys(keys, raw))
    for key in keys:
        assert (getattr(hostile, key) is None) is (parsed is None)
        if parsed is None:
            assert hostile.invalid[key] == shorten(raw)
    cloud = assert_others_unchanged(hostile, now)
    flags = cloud.images["hostile"].flags
    until = [getattr(hostile, key) for key in ("provided_until", "maintained_until") if key in keys]
    ended = any(last is not None and last < now.date() for last in until)
    assert (PatchState.END_OF_LIFE in flags) is ended


# ----------------------------------------------------------------- long snapshot chains
@HUGE
@given(length=st.integers(1_000, 4_000), ending=st.sampled_from(["base", "loop", "gone"]))
def test_long_snapshot_chains_take_their_base_family(length: int, ending: str) -> None:
    builds = [
        image("base", "Ubuntu 24.04 (20240101)", image_build_date="2024-01-01"),
        image("new", "Ubuntu 24.04 (20240301)", image_build_date="2024-03-01"),
    ]
    first_ref = {"base": "base", "loop": f"s{length - 1}", "gone": "gone"}[ending]
    # Each snapshot taken from the one before; listed newest first, as Glance lists them.
    snapshots = [
        image(f"s{n}", f"backup {n}", image_type="snapshot",
              base_image_ref=f"s{n - 1}" if n else first_ref)
        for n in reversed(range(length))
    ]  # fmt: skip
    result = assess_images([*snapshots, *builds], now=NOW)
    family = result["base"].family
    for n in range(length):
        assessment = result[f"s{n}"]
        if ending == "base":
            assert assessment.family == family
            assert assessment.state is PatchState.SUPERSEDED
            assert assessment.recommendation.image_id == "new"
            assert assessment.builds_behind == 1
        else:
            assert assessment.state is PatchState.UNKNOWN
            assert assessment.recommendation.image_id is None


# ----------------------------------------------------------------- long replaced_by chains
def walk(
    images: dict[str, ImageRecord], start: str
) -> tuple[list[str], ChainProblem | None, str | None]:
    """The replacement chain from ``start``, the slow obvious way (the test's oracle)."""
    seen, chain, current = {start}, [], start
    while True:
        target = images[current].replaced_by
        if not target:
            return chain, None, None
        if target in seen:
            return chain, ChainProblem.CYCLE, target
        if target not in images:
            return chain, ChainProblem.DANGLING, target
        chain.append(target)
        seen.add(target)
        current = target


@HUGE
@given(
    length=st.integers(1_000, 5_000),
    shape=st.sampled_from(["chain", "cycle", "lasso", "dangling"]),
    probes=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=3),
)
def test_long_replaced_by_chains_and_cycles(length: int, shape: str, probes: list[float]) -> None:
    loop_to = {"chain": None, "cycle": "r0", "lasso": f"r{length // 2}", "dangling": "gone"}[shape]
    records = [
        image(f"r{n}", f"Distro {n}", replaced_by=f"r{n + 1}" if n < length - 1 else loop_to)
        for n in range(length)
    ]
    by_id = {record.id: record for record in records}
    result = assess_images(records, now=NOW)
    chains = ReplacementChains(by_id)
    starts = {0, length // 2, length - 1} | {int(p * length) for p in probes}
    for n in sorted(starts):
        start = f"r{n}"
        chain, problem, problem_id = walk(by_id, start)
        recommendation = result[start].recommendation
        assert tuple(recommendation.chain) == tuple(chain)
        assert len(recommendation.chain) == len(chain)
        assert (recommendation.problem, recommendation.problem_id) == (problem, problem_id)
        end = chains.end(start)
        assert end.terminal == (chain[-1] if chain else start)
        assert (end.problem, end.problem_id) == (problem, problem_id)
        assert recommendation.image_id == end.terminal  # every image is its own family
    for n in range(length):
        in_cycle = shape == "cycle" or (shape == "lasso" and n >= length // 2)
        expected = {
            "chain": length - 1 - n,
            "dangling": length - 1 - n,
            "cycle": length - 1,
            "lasso": length - length // 2 - 1 if in_cycle else length - 1 - n,
        }[shape]
        recommendation = result[f"r{n}"].recommendation
        assert len(recommendation.chain) == expected
        assert (recommendation.problem is ChainProblem.CYCLE) is (shape in ("cycle", "lasso"))
