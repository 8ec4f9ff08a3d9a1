"""Which image to move to: follow ``replaced_by``, then take the newest usable build."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import overload

from patch_dashboard.lifecycle.model import ChainProblem, ImageRecord, Recommendation

_REPR_IDS = 10


class ChainEnd:
    """Where following ``replaced_by`` from one image ends.

    Ends share their chains: an end keeps the first id it follows and the end reached from
    there (``_rest``), so a chain of n links costs n ends, not n² ids. The members of a cycle
    point at one another; ``chain`` stops after ``length`` ids.
    """

    __slots__ = ("terminal", "problem", "problem_id", "length", "_first", "_rest")

    def __init__(
        self,
        terminal: str,
        problem: ChainProblem | None = None,
        problem_id: str | None = None,
        *,
        first: str | None = None,
        rest: ChainEnd | None = None,
        length: int = 0,
    ) -> None:
        self.terminal = terminal  # last image reached (its own id when it has no replaced_by)
        self.problem = problem
        self.problem_id = problem_id
        self.length = length  # ids followed, the start excluded
        self._first = first
        self._rest = rest

    @property
    def chain(self) -> ChainIds:
        """The ids followed, the start excluded (a lazy sequence)."""
        return ChainIds(self)

    def _ids(self) -> Iterator[str]:
        end: ChainEnd | None = self
        for _ in range(self.length):
            assert end is not None and end._first is not None
            yield end._first
            end = end._rest

    def __repr__(self) -> str:
        return "ChainEnd(terminal=%r, length=%d, problem=%r, problem_id=%r)" % (
            self.terminal,
            self.length,
            self.problem,
            self.problem_id,
        )


class ChainIds(Sequence[str]):
    """The ids of one replacement chain, read from the shared ends on demand.

    Compares equal to any sequence of the same ids (a tuple in a test, say).
    """

    __slots__ = ("_end",)

    def __init__(self, end: ChainEnd) -> None:
        self._end = end

    def __len__(self) -> int:
        return self._end.length

    def __iter__(self) -> Iterator[str]:
        return self._end._ids()

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        for offset, image_id in enumerate(self):
            if offset == position:
                return image_id
        raise IndexError(index)  # pragma: no cover (the loop returns)

    def __reversed__(self) -> Iterator[str]:
        return reversed(tuple(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        # Bounded: a page's debug output must not print a chain of thousands.
        shown = tuple(islice(self, _REPR_IDS))
        more = ", ... %d in all" % len(self) if len(self) > _REPR_IDS else ""
        return "ChainIds(%r%s)" % (shown, more)


class ReplacementChains:
    """``replaced_by`` resolution for every image, each link walked once (memoised).

    Long chains (each build pointing at the next) would otherwise cost quadratic time, and
    copying each image's chain quadratic memory: ends share their links (:class:`ChainEnd`).
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
                result = ChainEnd(current, ChainProblem.DANGLING, target)
                break
            on_path[target] = len(path)
            path.append(target)
        # ``result`` is the answer for path[-1] seen from path[-1]; unwind towards the start.
        return self._unwind(path, result)

    @staticmethod
    def _extend(target: str, end: ChainEnd) -> ChainEnd:
        """The answer for an image whose replaced_by is ``target`` (whose end is ``end``)."""
        return ChainEnd(
            end.terminal, end.problem, end.problem_id, first=target, rest=end, length=end.length + 1
        )

    def _unwind(self, path: list[str], last: ChainEnd) -> ChainEnd:
        result = last
        self._ends[path[-1]] = result
        for index in range(len(path) - 2, -1, -1):
            result = self._extend(path[index + 1], result)
            self._ends[path[index]] = result
        return result

    def _resolve_cycle(self, path: list[str], start: int) -> ChainEnd:
        # Each member sees the cycle close at itself: its chain is the other members, in
        # order, ending at the one before it. The members' ends point at one another.
        cycle = path[start:]
        size = len(cycle)
        ends = [
            ChainEnd(cycle[offset - 1] if size > 1 else member, ChainProblem.CYCLE, member)
            for offset, member in enumerate(cycle)
        ]
        for offset, end in enumerate(ends):
            following = (offset + 1) % size
            end._first, end._rest, end.length = cycle[following], ends[following], size - 1
            self._ends[cycle[offset]] = end
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
