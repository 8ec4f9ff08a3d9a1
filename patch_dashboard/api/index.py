"""A scope's instance and image rows kept ready in Horizon's shared cache (issue 13).

What a page of the Patch Compliance or Outdated Instances table needs is one page of rows,
the figures for the chart and the filters, and, for the filters and the search, which rows
match. An index holds exactly that, built from one listing per service:

- ``figures``: the core's compliance summary and the names of the projects and families;
- per table (``instances``, ``images``), rows by *position* (the order the table shows
  them): ``rows:<n>``, a chunk of ``CHUNK_ROWS`` rows, so a page reads one or two chunks,
  not the cloud; ``search:<n>``, the searchable texts of the same rows, read only while a
  search is active; ``filter:<name>``, for each value of a filter (project, state, family,
  image, outdated; ``live``: every row), the positions of its rows (sorted ``array('I')``);
  ``ids:<b>``, row id -> position, in buckets by a hash of the id (Prev/Next markers);
- ``raw:servers``, ``raw:images``: what an incremental refresh needs besides the rows
  (:mod:`.increment`): which projects run which image, the boot volumes' images; the image
  and flavor records, the image assessments' signatures;
- ``meta``: when it was built, from how many servers and images, whether every service
  answered, which generation each item above is stored under, and how the refresh was done.
  Written last: a reader sees one index whole, never a mix (each item is a value of
  :class:`IndexStore`, itself split under memcached's item limit).

A full build writes every item under one new generation. An incremental refresh
(:func:`patch_index`) writes only the items it changed under a new one (a changed row in its
place, a deleted one as a hole, ``None``, a new one at the end) and ``meta`` maps the others to
where they already are; the next full build puts the rows back in the table's order.

Rows are :class:`~patch_dashboard.api.instance_rows.InstanceRow` (with its server record and
the facts its reasons are worded from, not the assessment it came from) and
:class:`~patch_dashboard.api.image_rows.ImageRow`, so their words are still chosen when they
are shown, in the language of the request.
"""

import bisect
import itertools
import secrets
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from patch_dashboard.api.index_store import IndexStore, Written
from patch_dashboard.lifecycle import ComplianceSummary

CHUNK_ROWS = 100  # a page of 100 reads one or two chunks; 100 changes rewrite ~100 of 1,000
IDS_PER_BUCKET = 500  # a page reads one for its marker; 100 changes rewrite up to 100
REPLACED_SECONDS = 300  # how long a replaced item stays readable
LIVE = "live"  # the filter whose one value ("1") lists every row


@dataclass(frozen=True)
class TableSpec:
    """One table of an index: how a row answers the page's filters and which of its fields
    the search box searches."""

    name: str
    filters: Callable[[Any], Mapping[str, str]]
    searched: tuple[str, ...]

    def filter_names(self) -> tuple[str, ...]:
        return (LIVE, *self.filters(None))


def _instance_filters(row: Any) -> dict[str, str]:
    if row is None:  # the names only
        return dict.fromkeys(("project", "state", "family", "image", "outdated"), "")
    return {
        "project": row.project_id,
        "state": row.state_code,
        "family": row.family_key,
        "image": row.image_id or "",
        "outdated": "1" if row.outdated else "0",
    }


def _image_filters(row: Any) -> dict[str, str]:
    if row is None:
        return dict.fromkeys(("state", "family"), "")
    return {"state": row.state.value, "family": row.family_key}


INSTANCES = TableSpec(
    "instances", _instance_filters, ("name", "family_label", "image_name", "project_name", "id")
)
IMAGES = TableSpec("images", _image_filters, ("name", "family_label", "id"))
TABLES = (INSTANCES, IMAGES)


@dataclass(frozen=True)
class IndexMeta:
    scope: str
    generation: str  # of this meta's own write
    built_at: datetime
    servers: int
    images: int
    complete: bool  # every service answered: the figures hold
    chunks: Mapping[str, int]  # table -> number of row chunks
    sizes: Mapping[str, Written] = field(default_factory=dict)  # item -> what was stored
    epoch: str | None = None  # the cloud's write epoch when the build began (api/epoch.py)
    keys: Mapping[str, str] = field(default_factory=dict)  # item -> generation stored under
    counts: Mapping[str, int] = field(default_factory=dict)  # table -> rows (holes not counted)
    slots: Mapping[str, int] = field(default_factory=dict)  # table -> positions (holes too)
    buckets: Mapping[str, int] = field(default_factory=dict)  # table -> ids buckets
    listed_at: datetime | None = None  # when this refresh's listings began (changes-since)
    resynced_at: datetime | None = None  # when the last full listing began
    kind: str = "full"  # this refresh: "full" or "incremental"
    changed: int = 0  # rows this refresh wrote (every row for a full build)


@dataclass(frozen=True)
class Figures:
    compliance: ComplianceSummary
    project_labels: Mapping[str, str]  # of the projects with instances
    family_labels: Mapping[str, str]  # of the instances' families: the core's names
    image_families: Mapping[str, str] = field(default_factory=dict)  # of the images' families
    image_states: Mapping[str, int] = field(default_factory=dict)  # images per state code


def bucket_of(row_id: str, buckets: int) -> int:
    return zlib.crc32(row_id.encode("utf-8", "surrogatepass")) % max(1, buckets)


def _texts(spec: TableSpec, row: Any) -> tuple[str, ...] | None:
    if row is None:
        return None
    return tuple(str(getattr(row, name) or "") for name in spec.searched)


def table_items(spec: TableSpec, rows: Sequence[Any]) -> dict[str, object]:
    """Every item of one table of ``rows`` (in the order the table shows them). One pass."""
    filters: dict[str, dict[str, array]] = {name: {} for name in spec.filter_names()}
    buckets = max(1, -(-len(rows) // IDS_PER_BUCKET))
    ids: list[dict[str, int]] = [{} for _ in range(buckets)]
    for position, row in enumerate(rows):
        filters[LIVE].setdefault("1", array("I")).append(position)
        for name, value in spec.filters(row).items():
            filters[name].setdefault(value, array("I")).append(position)
        ids[bucket_of(row.id, buckets)][row.id] = position
    items: dict[str, object] = {}
    for name, values in filters.items():
        items["filter:" + name] = values
    for number, bucket in enumerate(ids):
        items["ids:%d" % number] = bucket
    for number, start in enumerate(range(0, len(rows), CHUNK_ROWS)):
        chunk = list(rows[start : start + CHUNK_ROWS])
        items["rows:%d" % number] = chunk
        items["search:%d" % number] = [_texts(spec, row) for row in chunk]
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


def _store_items(
    store: IndexStore,
    items: Iterable[tuple[str, object]],
    previous: "Index | None",
    meta_fields: Mapping[str, Any],
    timeout: int | None,
) -> IndexMeta:
    """Write ``items`` under a new generation, then the meta that names them (and every
    item of ``previous`` not rewritten); the replaced items expire a while later."""
    generation = secrets.token_hex(6)
    keys = dict(previous.meta.keys) if previous is not None else {}
    sizes = dict(previous.meta.sizes) if previous is not None else {}
    replaced = []
    for name, value in items:
        sizes[name] = store.write("%s:%s" % (generation, name), value, timeout=timeout)
        if name in keys:
            replaced.append("%s:%s" % (keys[name], name))
        keys[name] = generation
        store.renew("build")  # a long write keeps the build's lock (index_store.py)
    meta = IndexMeta(generation=generation, keys=keys, sizes=sizes, **meta_fields)
    store.write("meta", meta, timeout=timeout)
    # Kept long enough for a page that is reading them, then freed (a cache without
    # eviction, such as Redis without maxmemory, would grow).
    for name in replaced:
        store.expire(name, REPLACED_SECONDS)
    return meta


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
    raw_items: Mapping[str, object] | None = None,
    listed_at: datetime | None = None,
    resynced_at: datetime | None = None,
    kind: str = "full",
    changed: int | None = None,
    timeout: int | None = None,
) -> IndexMeta:
    """Store a whole new index (``tables``: rows by table name, in the order the table shows
    them) and switch readers to it; returns its meta. The previous index's items expire.
    ``resynced_at``, ``kind``, ``changed``: an increment's (default: a full listing's)."""
    items: dict[str, object] = {
        "figures": figures_of(
            tables.get(INSTANCES.name, ()), tables.get(IMAGES.name, ()), compliance
        )
    }
    items.update(raw_items or {})
    for spec in TABLES:
        items.update(table_items(spec, tables.get(spec.name, ())))
    previous = Index.open(store)
    counts = {spec.name: len(tables.get(spec.name, ())) for spec in TABLES}
    meta = _store_items(
        store,
        items.items(),
        None,
        {
            "scope": scope,
            "built_at": built_at,
            "servers": servers,
            "images": images,
            "complete": complete,
            "epoch": epoch,
            "chunks": {name: -(-count // CHUNK_ROWS) for name, count in counts.items()},
            "counts": counts,
            "slots": counts,
            "buckets": {
                name: max(1, -(-count // IDS_PER_BUCKET)) for name, count in counts.items()
            },
            "listed_at": listed_at,
            "resynced_at": resynced_at or listed_at,
            "kind": kind,
            "changed": sum(counts.values()) if changed is None else changed,
        },
        timeout,
    )
    if previous is not None:
        for name, key in previous.meta.keys.items():
            store.expire("%s:%s" % (key, name), REPLACED_SECONDS)
    return meta


@dataclass
class TablePatch:
    """Rows an incremental refresh changes in one table: at existing positions (``None``: the
    row is gone), and new ones after the last."""

    replaced: dict[int, Any] = field(default_factory=dict)
    appended: list[Any] = field(default_factory=list)
    before: dict[int, Any] = field(default_factory=dict)  # rows at replaced positions, if read

    def __bool__(self) -> bool:
        return bool(self.replaced or self.appended)


def _patch_table(
    index: "Index", spec: TableSpec, patch: TablePatch
) -> tuple[Iterator[tuple[str, object]], int, int]:
    """The items of ``spec`` that ``patch`` changes -> ((name, value) as they are made, rows,
    positions)."""
    table = index.table(spec)
    slots = table.slots()
    old_rows = table.rows_by_position(patch.replaced, known=patch.before, keep=False)
    changes = dict(patch.replaced)
    for offset, row in enumerate(patch.appended):
        changes[slots + offset] = row
    items: dict[str, object] = {}
    # Filters: a position leaves the arrays of its old values and joins those of its new.
    filters = {name: table.filter_values(name) for name in spec.filter_names()}
    touched: set[str] = set()

    def keys_of(row: Any) -> dict[str, str]:
        return {} if row is None else {LIVE: "1", **spec.filters(row)}

    copied: set[tuple[str, str]] = set()

    def positions_of(name: str, value: str) -> array:
        """The positions of one filter value, copied before the first change (the index
        read is left as it was)."""
        if name not in touched:
            touched.add(name)
            filters[name] = dict(filters[name])
        if (name, value) not in copied:
            copied.add((name, value))
            filters[name][value] = array("I", filters[name].get(value, ()))
        return filters[name][value]

    for position in sorted(changes):
        old, new = keys_of(old_rows.get(position)), keys_of(changes[position])
        for name in filters:
            if old.get(name) == new.get(name):
                continue
            if name in old:
                positions = positions_of(name, old[name])
                at = bisect.bisect_left(positions, position)
                if at < len(positions) and positions[at] == position:
                    positions.pop(at)
            if name in new:
                bisect.insort(positions_of(name, new[name]), position)
    for name in touched:  # a value no row has any more is no filter choice
        filters[name] = {value: found for value, found in filters[name].items() if found}
    for name in touched:
        items["filter:" + name] = filters[name]
    # Ids: a gone row's id leaves its bucket, a new row's joins one.
    buckets = index.meta.buckets.get(spec.name, 1)
    changed_buckets: dict[int, dict[str, int]] = {}
    for position, row in changes.items():
        old = old_rows.get(position)
        if old is not None and (row is None or row.id != old.id):
            number = bucket_of(old.id, buckets)
            bucket = changed_buckets.setdefault(number, dict(table.ids_bucket(number)))
            bucket.pop(old.id, None)
        if row is not None and (old is None or row.id != old.id):
            number = bucket_of(row.id, buckets)
            bucket = changed_buckets.setdefault(number, dict(table.ids_bucket(number)))
            bucket[row.id] = position
    for number, bucket in changed_buckets.items():
        items["ids:%d" % number] = bucket
    count = sum(len(positions) for positions in filters[LIVE].values())
    named = [("%s:%s" % (spec.name, name), value) for name, value in items.items()]
    return (
        itertools.chain(named, _changed_chunks(table, changes)),
        count,
        slots + len(patch.appended),
    )


def _changed_chunks(table: "Table", changes: Mapping[int, Any]) -> Iterator[tuple[str, object]]:
    """Every chunk with a changed position, rows and texts, made as it is written: one chunk
    read at a time (a thousand chunks of rows in memory at once cost a worker 900 MiB)."""
    spec = table.spec
    for number in sorted({position // CHUNK_ROWS for position in changes}):
        chunk = list(table.chunk(number, keep=False)) if number < table.chunks() else []
        for position in range(number * CHUNK_ROWS, (number + 1) * CHUNK_ROWS):
            if position in changes:
                offset = position - number * CHUNK_ROWS
                while len(chunk) <= offset:
                    chunk.append(None)
                chunk[offset] = changes[position]
        yield "%s:rows:%d" % (spec.name, number), chunk
        yield "%s:search:%d" % (spec.name, number), [_texts(spec, row) for row in chunk]


def patch_index(
    store: IndexStore,
    index: "Index",
    *,
    patches: Mapping[str, TablePatch],
    figures: Figures,
    raw_items: Mapping[str, object],
    built_at: datetime,
    servers: int,
    images: int,
    epoch: str | None,
    listed_at: datetime,
    timeout: int | None = None,
) -> IndexMeta:
    """Store ``index`` with ``patches`` applied (an incremental refresh): only the items that
    changed are written; returns the new meta."""
    items: list[Iterable[tuple[str, object]]] = [[("figures", figures), *raw_items.items()]]
    counts = dict(index.meta.counts)
    slots = dict(index.meta.slots)
    changed = 0
    for spec in TABLES:
        patch = patches.get(spec.name)
        if not patch:
            continue
        table_changes, counts[spec.name], slots[spec.name] = _patch_table(index, spec, patch)
        items.append(table_changes)
        changed += len(patch.replaced) + len(patch.appended)
    meta = index.meta
    return _store_items(
        store,
        itertools.chain.from_iterable(items),
        index,
        {
            "scope": meta.scope,
            "built_at": built_at,
            "servers": servers,
            "images": images,
            "complete": True,
            "epoch": epoch,
            "chunks": {name: -(-count // CHUNK_ROWS) for name, count in slots.items()},
            "counts": counts,
            "slots": slots,
            "buckets": meta.buckets,
            "listed_at": listed_at,
            "resynced_at": meta.resynced_at,
            "kind": "incremental",
            "changed": changed,
        },
        timeout,
    )


class IndexGone(Exception):
    """An item of the index was evicted: rebuild."""


class Index:
    """One version of a scope's index, read item by item as a page needs them."""

    def __init__(self, store: IndexStore, meta: IndexMeta) -> None:
        self.store = store
        self.meta = meta
        self._read: dict[str, object] = {}

    @classmethod
    def open(cls, store: IndexStore) -> "Index | None":
        meta = store.read("meta")
        return cls(store, meta) if isinstance(meta, IndexMeta) else None

    def has(self, name: str) -> bool:
        return name in self.meta.keys

    def item(self, name: str, *, keep: bool = True):
        """The item ``name`` (kept for the next call unless ``keep`` is False: a refresh
        that walks many chunks holds one at a time)."""
        if name in self._read:
            return self._read[name]
        key = self.meta.keys.get(name)
        value = None if key is None else self.store.read("%s:%s" % (key, name))
        if value is None:
            raise IndexGone(name)
        if keep:
            self._read[name] = value
        return value

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

    def _optional(self, name: str, empty):
        """An item a table of no rows has none of."""
        if not self.index.has("%s:%s" % (self.spec.name, name)):
            return empty
        return self._item(name)

    def count(self) -> int:
        return self.index.meta.counts.get(self.spec.name, 0)

    def slots(self) -> int:
        return self.index.meta.slots.get(self.spec.name, 0)

    def chunks(self) -> int:
        return self.index.meta.chunks.get(self.spec.name, 0)

    def chunk(self, number: int, *, keep: bool = True) -> list[Any]:
        return self.index.item("%s:rows:%d" % (self.spec.name, number), keep=keep)

    def filter_values(self, name: str) -> Mapping[str, array]:
        return self._optional("filter:" + name, {})

    def ids_bucket(self, number: int) -> Mapping[str, int]:
        return self._optional("ids:%d" % number, {})

    def select(self, **given: str) -> Sequence[int]:
        """Positions of the rows matching every filter given (ascending); an empty value is
        no filter."""
        wanted = [(name, value) for name, value in given.items() if value]
        if not wanted:
            return self.filter_values(LIVE).get("1", array("I"))
        lists = sorted(
            (self.filter_values(name).get(value, array("I")) for name, value in wanted), key=len
        )
        if len(lists) == 1:
            return lists[0]
        others = [set(other) for other in lists[1:]]
        return [p for p in lists[0] if all(p in other for other in others)]

    def search(self, positions: Iterable[int], needle: str, fields=None) -> list[int]:
        """Positions (of ``positions``) whose ``fields`` contain ``needle``, any case."""
        needle = needle.casefold()
        searched = self.spec.searched
        columns = [searched.index(name) for name in (fields or searched) if name in searched]
        found = []
        for position in positions:
            texts = self._item("search:%d" % (position // CHUNK_ROWS))[position % CHUNK_ROWS]
            if any(needle in texts[column].casefold() for column in columns):
                found.append(position)
        return found

    def position_of(self, row_id: str | None) -> int | None:
        if not row_id:
            return None
        number = bucket_of(row_id, self.index.meta.buckets.get(self.spec.name, 1))
        return self.ids_bucket(number).get(row_id)

    def rows_at(self, positions: Iterable[int], *, keep: bool = True) -> list[Any]:
        """The rows at ``positions``, in that order (one chunk read per chunk touched; with
        ``keep`` False no chunk stays in memory beyond the rows taken from it)."""
        wanted = list(positions)
        by_chunk: dict[int, list[int]] = {}
        for position in wanted:
            by_chunk.setdefault(position // CHUNK_ROWS, []).append(position)
        found: dict[int, Any] = {}
        for number in sorted(by_chunk):
            chunk = self.chunk(number, keep=keep)
            for position in by_chunk[number]:
                found[position] = chunk[position % CHUNK_ROWS]
        return [found[p] for p in wanted]

    def rows_by_position(
        self, positions: Iterable[int], *, known: Mapping[int, Any] | None = None, keep: bool = True
    ) -> dict[int, Any]:
        """Position -> row for ``positions``: from ``known`` (rows already read) where it has
        them, the others read (:meth:`rows_at`)."""
        known = known or {}
        wanted = set(positions)
        unread = sorted(wanted - set(known))
        found = dict(zip(unread, self.rows_at(unread, keep=keep), strict=True))
        found.update((position, known[position]) for position in wanted if position in known)
        return found

    def all_rows(self) -> list[Any]:
        """Every row, in position order (an incremental refresh's holes left out)."""
        rows: list[Any] = []
        for number in range(self.chunks()):
            rows.extend(row for row in self.chunk(number) if row is not None)
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
