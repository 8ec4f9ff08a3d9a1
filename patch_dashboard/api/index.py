"""A scope's instance rows kept ready in Horizon's shared cache (issue 13, second slice).

What a page of the Patch Compliance or Outdated Instances table needs is one page of rows,
the figures for the chart and the filters, and, for the filters and the search, which rows
match. An index holds exactly that, built once from one listing per service:

- ``figures``: the core's compliance summary and the names of the projects and families;
- ``rows:<n>``: the rows in the order the table shows them (most severe first), a chunk of
  ``CHUNK_ROWS`` each, so a page reads one or two chunks, not the cloud;
- ``filters``: for each project, state and family, the positions of its rows (arrays of
  unsigned ints); ``ids``: the row ids in order (Prev/Next markers); ``search``: the
  searchable texts of every row, read only while a search is active;
- ``meta``: when it was built, from how many servers and images, whether every service
  answered, and the generation of the items above. Written last: a reader sees one
  generation whole, never a mix (each item is a value of :class:`IndexStore`, itself split
  under memcached's item limit).

Rows are :class:`~patch_dashboard.api.instance_rows.InstanceRow` with their assessment, so
their words are still chosen when they are shown, in the language of the request.
"""

import bisect
import secrets
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from patch_dashboard.api.index_store import IndexStore, Written
from patch_dashboard.api.instance_rows import InstanceRow
from patch_dashboard.lifecycle import ComplianceSummary

CHUNK_ROWS = 1000
SEARCHED = ("name", "family_label", "image_name", "project_name", "id")
FILTERS = ("project", "state", "family")


@dataclass(frozen=True)
class IndexMeta:
    scope: str
    generation: str
    built_at: datetime
    servers: int
    images: int
    complete: bool  # every service answered: the figures hold
    chunks: int
    sizes: Mapping[str, Written] = field(default_factory=dict)  # item -> what was stored
    epoch: str | None = None  # the cloud's write epoch when the build began (api/epoch.py)


@dataclass(frozen=True)
class Figures:
    compliance: ComplianceSummary
    project_labels: Mapping[str, str]
    family_labels: Mapping[str, str]


def _row_filters(row: InstanceRow) -> dict[str, str]:
    return {"project": row.project_id, "state": row.state_code, "family": row.family_key}


def index_items(rows: Sequence[InstanceRow], compliance: ComplianceSummary) -> dict[str, object]:
    """The items of an index of ``rows`` (in the order the table shows them). One pass."""
    filters: dict[tuple[str, str], array] = {}
    project_labels: dict[str, str] = {}
    family_labels: dict[str, str] = {}
    for position, row in enumerate(rows):
        for name, value in _row_filters(row).items():
            filters.setdefault((name, value), array("I")).append(position)
        project_labels.setdefault(row.project_id, row.project_name)
        family_labels.setdefault(row.family_key, row.family_label)
    items: dict[str, object] = {
        "figures": Figures(compliance, project_labels, family_labels),
        "filters": filters,
        "ids": [row.id for row in rows],
        "search": [tuple(str(getattr(row, name) or "") for name in SEARCHED) for row in rows],
    }
    for number, start in enumerate(range(0, len(rows), CHUNK_ROWS)):
        items["rows:%d" % number] = list(rows[start : start + CHUNK_ROWS])
    return items


def write_index(
    store: IndexStore,
    *,
    scope: str,
    rows: Sequence[InstanceRow],
    compliance: ComplianceSummary,
    built_at: datetime,
    servers: int,
    images: int,
    complete: bool,
    epoch: str | None = None,
    timeout: int | None = None,
) -> IndexMeta:
    """Store a new generation of the index and switch readers to it; returns its meta."""
    generation = secrets.token_hex(6)
    sizes = {}
    items = index_items(rows, compliance)
    for name, value in items.items():
        sizes[name] = store.write("%s:%s" % (generation, name), value, timeout=timeout)
    meta = IndexMeta(
        scope=scope,
        generation=generation,
        built_at=built_at,
        servers=servers,
        images=images,
        complete=complete,
        chunks=sum(1 for name in items if name.startswith("rows:")),
        sizes=sizes,
        epoch=epoch,
    )
    store.write("meta", meta, timeout=timeout)
    return meta


class IndexGone(Exception):
    """An item of the index's generation was evicted: rebuild."""


class Index:
    """One generation of a scope's index, read item by item as a page needs them."""

    def __init__(self, store: IndexStore, meta: IndexMeta) -> None:
        self.store = store
        self.meta = meta
        self._read: dict[str, object] = {}

    @classmethod
    def open(cls, store: IndexStore) -> "Index | None":
        meta = store.read("meta")
        return cls(store, meta) if isinstance(meta, IndexMeta) else None

    def _item(self, name: str):
        if name not in self._read:
            value = self.store.read("%s:%s" % (self.meta.generation, name))
            if value is None:
                raise IndexGone(name)
            self._read[name] = value
        return self._read[name]

    def figures(self) -> Figures:
        return self._item("figures")

    def count(self) -> int:
        return len(self._item("ids"))

    def select(self, *, project: str = "", state: str = "", family: str = "") -> Sequence[int]:
        """Positions of the rows matching every filter given (ascending)."""
        given = zip(FILTERS, (project, state, family), strict=True)
        wanted = [(name, value) for name, value in given if value]
        if not wanted:
            return range(self.count())
        filters = self._item("filters")
        lists = sorted((filters.get(key, array("I")) for key in wanted), key=len)
        if len(lists) == 1:
            return lists[0]
        others = [set(other) for other in lists[1:]]
        return [p for p in lists[0] if all(p in other for other in others)]

    def search(self, positions: Iterable[int], needle: str, fields=SEARCHED) -> list[int]:
        """Positions (of ``positions``) whose ``fields`` contain ``needle``, any case."""
        needle = needle.casefold()
        columns = [SEARCHED.index(name) for name in fields if name in SEARCHED]
        texts = self._item("search")
        return [p for p in positions if any(needle in texts[p][c].casefold() for c in columns)]

    def position_of(self, row_id: str | None) -> int | None:
        if not row_id:
            return None
        if "positions" not in self._read:
            self._read["positions"] = {rid: p for p, rid in enumerate(self._item("ids"))}
        return self._read["positions"].get(row_id)

    def rows_at(self, positions: Iterable[int]) -> list[InstanceRow]:
        """The rows at ``positions``, in that order (one chunk read per chunk touched)."""
        wanted = list(positions)
        chunks = {p // CHUNK_ROWS for p in wanted}
        read = {number: self._item("rows:%d" % number) for number in sorted(chunks)}
        return [read[p // CHUNK_ROWS][p % CHUNK_ROWS] for p in wanted]

    def all_rows(self) -> list[InstanceRow]:
        rows: list[InstanceRow] = []
        for number in range(self.meta.chunks):
            rows.extend(self._item("rows:%d" % number))
        return rows


def page_of(
    index: Index,
    positions: Sequence[int],
    *,
    marker: str | None,
    prev_marker: str | None,
    size: int,
) -> tuple[list[int], bool, bool]:
    """One page of ``positions`` (ascending) after ``marker`` or before ``prev_marker`` (row
    ids), as Horizon's Prev/Next links ask: (positions, has_prev, has_more)."""
    start = 0
    after, before = index.position_of(marker), index.position_of(prev_marker)
    if after is not None:
        at = bisect.bisect_left(positions, after)
        if at < len(positions) and positions[at] == after:
            start = at + 1
    elif before is not None:
        at = bisect.bisect_left(positions, before)
        if at < len(positions) and positions[at] == before:
            start = max(0, at - size)
    end = start + size
    return list(positions[start:end]), start > 0, end < len(positions)
