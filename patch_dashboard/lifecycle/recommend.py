"""Which image to move to: follow ``replaced_by``, then take the newest usable build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from patch_dashboard.lifecycle.model import ChainProblem, ImageRecord, Recommendation


@dataclass(frozen=True)
class ChainEnd:
    """Where following ``replaced_by`` from one image ends."""

    terminal: str  # last image reached (its own id when it has no replaced_by)
    chain: tuple[str, ...] = ()  # ids followed, the start excluded
    problem: ChainProblem | None = None
    problem_id: str | None = None


class ReplacementChains:
    """``replaced_by`` resolution for every image, each link walked once (memoised).

    Long chains (each build pointing at the next) would otherwise cost quadratic time.
    """

    def __init__(self, images: Mapping[str, ImageRecord]) -> None:
        self._images = images
        self._ends: dict[str, ChainEnd] = {}

    def end(self, image_id: str) -> ChainEnd:
        known = self._ends.get(image_id)
        if known is not None:
            return known
        path = [image_id]
        on_path = {image_id: 0}
        while True:
            current = path[-1]
            target = self._images[current].replaced_by
            if not target:
                result = ChainEnd(current)
                break
            if target in on_path:
                return self._resolve_cycle(path, on_path[target])
            if target in self._ends:
                result = self._extend(target, self._ends[target])
                break
            if target not in self._images:
                result = ChainEnd(current, (), ChainProblem.DANGLING, target)
                break
            on_path[target] = len(path)
            path.append(target)
        # ``result`` is the answer for path[-1] seen from path[-1]; unwind towards the start.
        return self._unwind(path, result)

    def _extend(self, target: str, end: ChainEnd) -> ChainEnd:
        """The answer for an image whose replaced_by is ``target``."""
        return ChainEnd(end.terminal, (target, *end.chain), end.problem, end.problem_id)

    def _unwind(self, path: list[str], last: ChainEnd) -> ChainEnd:
        result = last
        self._ends[path[-1]] = result
        for index in range(len(path) - 2, -1, -1):
            result = self._extend(path[index + 1], result)
            self._ends[path[index]] = result
        return result

    def _resolve_cycle(self, path: list[str], start: int) -> ChainEnd:
        # Each member of the cycle sees it close at itself, so they cannot share suffixes;
        # walk each member once around the cycle (cycles are short and rare).
        cycle = path[start:]
        for offset, member in enumerate(cycle):
            around = tuple(cycle[offset + 1 :] + cycle[:offset])
            terminal = around[-1] if around else member
            self._ends[member] = ChainEnd(terminal, around, ChainProblem.CYCLE, member)
        if start == 0:
            return self._ends[path[0]]
        return self._unwind(path[: start + 1], self._ends[path[start]])


def recommend_from(
    end: ChainEnd, *, family_of: Mapping[str, str], newest_usable: Mapping[str, str]
) -> Recommendation:
    """The newest usable build of the family where the chain ended (None when there is none).

    An unusable replaced_by target without a further replaced_by still names the family
    to move to, so its newest usable build is recommended.
    """
    family = family_of.get(end.terminal)
    image_id = newest_usable.get(family) if family is not None else None
    return Recommendation(image_id, end.chain, end.problem, end.problem_id)
