"""Recommended image: replaced_by chains, then the newest usable build of the family."""

from __future__ import annotations

import time
from typing import Any

import pytest

from patch_dashboard.lifecycle import ChainProblem, ImageRecord, Recommendation, assess_images

from .builders import NOW, image

U22 = "Ubuntu 22.04"
U24 = "Ubuntu 24.04"


def build(image_id: str, family: str, day: str, **props: Any) -> ImageRecord:
    """A build of ``family`` from 2024-``day`` (MM-DD)."""
    return image(
        image_id, f"{family} (2024{day.replace('-', '')})", image_build_date=f"2024-{day}", **props
    )


def recommend(*images: ImageRecord) -> dict[str, Recommendation]:
    return {i: a.recommendation for i, a in assess_images(images, now=NOW).items()}


def test_older_build_gets_the_newest_usable_build() -> None:
    result = recommend(
        build("a", U24, "01-01"),
        build("b", U24, "03-01"),
        build("c", U24, "05-01", deprecation_state="deprecated"),
    )
    assert result["a"] == Recommendation("b")
    assert result["b"] == Recommendation("b")  # the newest usable build recommends itself
    assert result["c"] == Recommendation("b")


def test_the_family_lists_its_usable_builds_newest_first() -> None:
    assessed = assess_images(
        [
            build("a", U24, "01-01"),
            build("b", U24, "03-01"),
            build("c", U24, "05-01", deprecation_state="deprecated"),
            build("d", U22, "05-01", deprecation_state="obsolete"),
        ],
        now=NOW,
    )
    family = assessed["a"].family
    assert family.builds == ("c", "b", "a")
    assert family.usable == ("b", "a")
    assert family.newest_usable == "b"
    assert assessed["c"].family is family  # every build shares the one assessed family
    assert assessed["d"].family.usable == () and assessed["d"].family.newest_usable is None


def test_no_usable_build_means_no_recommendation() -> None:
    result = recommend(
        build("a", U24, "01-01", deprecation_state="obsolete"),
        build("b", U24, "03-01", status="deactivated"),
    )
    assert result["a"].image_id is None and result["b"].image_id is None


@pytest.mark.parametrize(
    ("images", "start", "expected"),
    [
        pytest.param(
            [
                build("old", U22, "01-01", replaced_by="t1"),
                build("t1", U24, "02-01"),
                build("t2", U24, "04-01"),
            ],
            "old",
            Recommendation("t2", chain=("t1",)),
            id="into-another-family-then-newest",
        ),
        pytest.param(
            [
                build("a", U22, "01-01", replaced_by="b"),
                build("b", "Debian 12", "02-01", replaced_by="c"),
                build("c", U24, "03-01"),
            ],
            "a",
            Recommendation("c", chain=("b", "c")),
            id="chain",
        ),
        pytest.param(
            [
                build("a", U22, "01-01", replaced_by="b"),
                build("b", "Debian 12", "02-01", replaced_by="c", deprecation_state="deprecated"),
                build("c", U24, "03-01"),
            ],
            "a",
            Recommendation("c", chain=("b", "c")),
            id="unusable-target-skipped",
        ),
        pytest.param(
            [
                build("a", U22, "01-01", replaced_by="b"),
                build("b", U24, "02-01", status="deactivated"),
                build("d", U24, "04-01"),
            ],
            "a",
            Recommendation("d", chain=("b",)),
            id="unusable-end-of-chain-names-family",
        ),
        pytest.param(
            [
                build("a", U22, "01-01", replaced_by="b", deprecation_state="deprecated"),
                build("b", U24, "02-01", replaced_by="a", deprecation_state="deprecated"),
            ],
            "a",
            Recommendation(None, chain=("b",), problem=ChainProblem.CYCLE, problem_id="a"),
            id="cycle",
        ),
        pytest.param(
            [
                build("x", "Rocky 9", "01-01", replaced_by="a"),
                build("a", U22, "02-01", replaced_by="b"),
                build("b", U24, "03-01", replaced_by="a"),
            ],
            "x",
            Recommendation("b", chain=("a", "b"), problem=ChainProblem.CYCLE, problem_id="a"),
            id="path-into-cycle",
        ),
        pytest.param(
            [build("a", U22, "01-01", replaced_by="a")],
            "a",
            Recommendation("a", problem=ChainProblem.CYCLE, problem_id="a"),
            id="self-loop",
        ),
        pytest.param(
            [
                build("a", U22, "01-01", replaced_by="missing"),
                build("a2", U22, "03-01"),
            ],
            "a",
            Recommendation("a2", problem=ChainProblem.DANGLING, problem_id="missing"),
            id="dangling-falls-back-to-own-family",
        ),
        pytest.param(
            [
                build("a", U22, "01-01", replaced_by="b"),
                build("b", U24, "02-01", replaced_by="gone"),
            ],
            "a",
            Recommendation("b", chain=("b",), problem=ChainProblem.DANGLING, problem_id="gone"),
            id="dangling-later-in-chain",
        ),
    ],
)
def test_replaced_by(images: list[ImageRecord], start: str, expected: Recommendation) -> None:
    assert recommend(*images)[start] == expected


def test_every_member_of_a_cycle_reports_it() -> None:
    result = recommend(
        build("a", U22, "01-01", replaced_by="b"),
        build("b", U24, "02-01", replaced_by="c"),
        build("c", "Debian 12", "03-01", replaced_by="a"),
    )
    assert {i: (r.chain, r.problem_id) for i, r in result.items()} == {
        "a": (("b", "c"), "a"),
        "b": (("c", "a"), "b"),
        "c": (("a", "b"), "c"),
    }


def test_long_chain_is_resolved_without_quadratic_walks() -> None:
    count = 3000
    images = [
        image(f"i{n:05d}", f"Distro {n}", replaced_by=f"i{n + 1:05d}" if n < count - 1 else None)
        for n in range(count)
    ]
    started = time.perf_counter()
    result = recommend(*images)
    assert time.perf_counter() - started < 5
    assert result["i00000"].image_id == f"i{count - 1:05d}"
    assert len(result["i00000"].chain) == count - 1
    assert result["i01000"].chain[0] == "i01001"


def test_snapshot_gets_the_newest_build_of_its_base_family_and_is_never_recommended() -> None:
    result = recommend(
        build("base", U24, "01-01"),
        build("new", U24, "03-01"),
        image(
            "snap",
            f"{U24} (20240601)",
            image_type="snapshot",
            base_image_ref="base",
            image_build_date="2024-06-01",
        ),
        image("orphan", "backup", image_type="snapshot", base_image_ref="gone"),
    )
    assert result["snap"].image_id == "new"
    assert result["base"].image_id == "new"
    assert result["orphan"].image_id is None


def test_snapshot_follows_its_base_replacement() -> None:
    result = recommend(
        build("base", U22, "01-01", deprecation_state="deprecated", replaced_by="next"),
        build("next", U24, "03-01"),
        image("snap", "backup", image_type="snapshot", base_image_ref="base"),
    )
    assert result["snap"] == Recommendation("next", chain=("next",))
