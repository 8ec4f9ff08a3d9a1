"""A scope's instance rows kept ready in Horizon's shared cache (issue 13, second slice).

What a page of the Patch Compliance or Outdated Instances table needs is one page of rows,
the figures for the chart and the filters, and, for the filters and the search, which rows
match. An index holds exactly that, built once from one listing per service:

- ``figures``: the core's compliance summary and the names of the projects and families;
- per table (``instances``, ``images``): ``rows:<n>``, the rows in the order the table
  shows them, a chunk of ``CHUNK_ROWS`` each, so a page reads one or two chunks, not the
  cloud; ``filters``, for each project, state and family, the positions of its rows (arrays
  of unsigned ints); ``ids``, the row ids in order (Prev/Next markers); ``search``, the
  searchable texts of every row, read only while a search is active;
- ``meta``: when it was built, from how many servers and images, whether every service
  answered, and the generation of the items above. Written last: a reader sees one
  generation whole, never a mix (each item is a value of :class:`IndexStore`, itself split
  under memcached's item limit).

Rows are :class:`~patch_dashboard.api.instance_rows.InstanceRow` (with their assessment)
and :class:`~patch_dashboard.api.image_rows.ImageRow`, so their words are still chosen when
they are shown, in the language of the request.
"""

import bisect
import secrets
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from patch_dashboard.api.index_store import IndexStore, Written
from patch_dashboard.lifecycle import ComplianceSummary

CHUNK_ROWS = 1000
REPLACED_SECONDS = 300  # how long a replaced generation stays readable


@dataclass(frozen=True)
class TableSpec:
    """One table of an index: how a row answers the page's filters and which of its fields
    the search box searches."""

    name: str
    filters: Callable[[Any], Mapping[str, str]]
    searched: tuple[str, ...]


INSTANCES = TableSpec(
    "instances",
    lambda row: {
        "project": row.project_id,
        "state": row.state_code,
        "family": row.family_key,
        "outdated": "1" if row.outdated else "0",
    },
    ("name", "family_label", "image_name", "project_name", "id"),
)
IMAGES = TableSpec(
    "images",
    lambda row: {"state": row.state.value, "family": row.family_key},
    ("name", "family_label", "id"),
)
TABLES = (INSTANCES, IMAGES)


@dataclass(frozen=True)
class IndexMeta:
    scope: str
    generation: str
    built_at: datetime
    servers: int
    images: int
    complete: bool  # every service answered: the figures hold
    chunks: Mapping[str, int]  # table -> number of row chunks
    sizes: Mapping[str, Written] = field(default_factory=dict)  # item -> what was stored
    epoch: str | None = None  # the cloud's write epoch when the build began (api/epoch.py)


@dataclass(frozen=True)
class Figures:
    compliance: ComplianceSummary
    project_labels: Mapping[str, str]  # of the projects with instances
    family_labels: Mapping[str, str]  # of the instances' families: the core's names
    image_families: Mapping[str, str] = field(default_factory=dict)  # of the images' families
    image_states: Mapping[str, int] = field(default_factory=dict)  # images per state code


def table_items(spec: TableSpec, rows: Sequence[Any]) -> dict[str, object]:
    """The items of one table of ``rows`` (in the order the table shows them). One pass."""
    filters: dict[tuple[str, str], array] = {}
    for position, row in enumerate(rows):
        for name, value in spec.filters(row).items():
            filters.setdefault((name, value), array("I")).append(position)
    items: dict[str, object] = {
        "filters": filters,
        "ids": [row.id for row in rows],
        "search": [tuple(str(getattr(row, name) or "") for name in spec.searched) for row in rows],
    }
    for number, start in enumerate(range(0, len(rows), CHUNK_ROWS)):
        items["rows:%d" % number] = list(rows[start : start + CHUNK_ROWS])
    return {"%s:%s" % (spec.name, name): value for name, value in items.items()}


def figures_of(
    instance_rows: Sequence[Any], image_rows: Sequence[Any], compliance: ComplianceSummary
) -> Figures:
    project_labels: dict[str, str] = {}
    family_labels: dict[str, str] = {}
    for row in instance_rows:
        project_labels.setdefault(row.project_id, row.project_name)
        # The core's name, worded when shown (a pseudo family reads in the viewer's language).
        family_labels.setdefault(row.family_key, row.family_name)
    image_families: dict[str, str] = {}
    image_states: dict[str, int] = {}
    for row in image_rows:
        image_families.setdefault(row.family_key, row.family_label)
        image_states[row.state.value] = image_states.get(row.state.value, 0) + 1
    return Figures(compliance, project_labels, family_labels, image_families, image_states)


def write_index(
    store: IndexStore,
    *,
    scope: str,
    tables: Mapping[str, Sequence[Any]],
    compliance: ComplianceSummary,
    built_at: datetime,
    servers: int,
    images: int,
    complete: bool,
    epoch: str | None = None,
    timeout: int | None = None,
) -> IndexMeta:
    """Store a new generation of the index (``tables``: rows by table name, in the order
    the table shows them) and switch readers to it; returns its meta."""
    generation = secrets.token_hex(6)
    items: dict[str, object] = {
        "figures": figures_of(
            tables.get(INSTANCES.name, ()), tables.get(IMAGES.name, ()), compliance
        )
    }
    for spec in TABLES:
        items.update(table_items(spec, tables.get(spec.name, ())))
    sizes = {}
    for name, value in items.items():
        sizes[name] = store.write("%s:%s" % (generation, name), value, timeout=timeout)
        store.renew("build")  # a long write keeps the build's lock (index_store.py)
    meta = IndexMeta(
        scope=scope,
        generation=generation,
        built_at=built_at,
        servers=servers,
        images=images,
        complete=complete,
        chunks={
            spec.name: sum(1 for name in items if name.startswith(spec.name + ":rows:"))
            for spec in TABLES
        },
        sizes=sizes,
        epoch=epoch,
    )
    previous = Index.open(store)
    store.write("meta", meta, timeout=timeout)
    if previous is not None:
        # The generation just replaced: kept long enough for a page that is reading it, then
        # freed (a cache without eviction, such as Redis without maxmemory, would grow).
        for name in previous.meta.sizes:
            store.expire("%s:%s" % (previous.meta.generation, name), REPLACED_SECONDS)
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

    def item(self, name: str):
        if name not in self._read:
            value = self.store.read("%s:%s" % (self.meta.generation, name))
            if value is None:
                raise IndexGone(name)
            self._read[name] = value
        return self._read[name]

    def figures(self) -> Figures:
        return self.item("figures")

    def table(self, spec: TableSpec = INSTANCES) -> "Table":
        return Table(self, spec)


class Table:
    """One table of an index: the rows at positions, which positions match."""

    def __init__(self, index: Index, spec: TableSpec) -> None:
        self.index = index
        self.spec = spec

    def _item(self, name: str):
        return self.index.item("%s:%s" % (self.spec.name, name))

    def count(self) -> int:
        return len(self._item("ids"))

    def select(self, **given: str) -> Sequence[int]:
        """Positions of the rows matching every filter given (ascending); an empty value is
        no filter."""
        wanted = [(name, value) for name, value in given.items() if value]
        if not wanted:
            return range(self.count())
        filters = self._item("filters")
        lists = sorted((filters.get(key, array("I")) for key in wanted), key=len)
        if len(lists) == 1:
            return lists[0]
        others = [set(other) for other in lists[1:]]
        return [p for p in lists[0] if all(p in other for other in others)]

    def search(self, positions: Iterable[int], needle: str, fields=None) -> list[int]:
        """Positions (of ``positions``) whose ``fields`` contain ``needle``, any case."""
        needle = needle.casefold()
        searched = self.spec.searched
        columns = [searched.index(name) for name in (fields or searched) if name in searched]
        texts = self._item("search")
        return [p for p in positions if any(needle in texts[p][c].casefold() for c in columns)]

    def position_of(self, row_id: str | None) -> int | None:
        if not row_id:
            return None
        key = "positions:" + self.spec.name
        if key not in self.index._read:
            self.index._read[key] = {rid: p for p, rid in enumerate(self._item("ids"))}
        return self.index._read[key].get(row_id)

    def rows_at(self, positions: Iterable[int]) -> list[Any]:
        """The rows at ``positions``, in that order (one chunk read per chunk touched)."""
        wanted = list(positions)
        chunks = {p // CHUNK_ROWS for p in wanted}
        read = {number: self._item("rows:%d" % number) for number in sorted(chunks)}
        return [read[p // CHUNK_ROWS][p % CHUNK_ROWS] for p in wanted]

    def all_rows(self) -> list[Any]:
        rows: list[Any] = []
        for number in range(self.index.meta.chunks.get(self.spec.name, 0)):
            rows.extend(self._item("rows:%d" % number))
        return rows


def window(
    count: int, *, after: int | None, before: int | None, size: int
) -> tuple[int, int, bool, bool]:
    """The page of ``count`` rows that Horizon's Prev/Next links ask for: after the row at
    index ``after``, or the page before the row at ``before`` (None: not among the rows; then
    the first page). -> (start, end, has_prev, has_more)."""
    start = 0
    if after is not None:
        start = after + 1
    elif before is not None:
        start = max(0, before - size)
    end = start + size
    return start, end, start > 0, end < count


def page_of(
    table: Table,
    positions: Sequence[int],
    *,
    marker: str | None,
    prev_marker: str | None,
    size: int,
) -> tuple[list[int], bool, bool]:
    """One page of ``positions`` (ascending) after ``marker`` or before ``prev_marker`` (row
    ids): (positions, has_prev, has_more)."""

    def index_in_positions(row_id: str | None) -> int | None:
        position = table.position_of(row_id)
        if position is None:
            return None
        at = bisect.bisect_left(positions, position)
        return at if at < len(positions) and positions[at] == position else None

    after = index_in_positions(marker)
    before = None if after is not None else index_in_positions(prev_marker)
    start, end, has_prev, has_more = window(len(positions), after=after, before=before, size=size)
    return list(positions[start:end]), has_prev, has_more
