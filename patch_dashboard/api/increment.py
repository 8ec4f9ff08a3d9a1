"""An index brought up to date from what changed since its last refresh (issue 13).

A full build lists every server of the scope: 100 Nova pages at 100,000 instances. A
refresh that follows one needs only what changed: Nova's ``changes-since`` lists the servers
created, changed or deleted (``DELETED``) since a time, Glance's ``updated_at`` filter the
images changed since then (hidden ones too), and the flavors are one short listing. Then:

- the images are assessed again (cheap: thousands, not the servers), and an image whose
  assessment changed in any way a row shows (its state, family, recommendation, the
  recommended build itself) marks the rows of the servers on it (the ``image`` filter);
- those rows and the changed servers' rows are assessed again, one server at a time
  (:class:`~patch_dashboard.lifecycle.assess.InstanceAssessor`); a deleted server's row
  becomes a hole, a new server's row goes after the last; the compliance figures are
  adjusted by the difference of each row, the image rows of the images whose assessment or
  use changed are made again;
- :func:`~patch_dashboard.api.index.patch_index` writes only the items that changed.

The cost follows the changes, not the cloud. The user's Refresh lists every image instead
(an image deleted outside the dashboard leaves then: Glance lists no deleted image). What an
increment cannot see is left to the full listing every ``PATCH_DASHBOARD_INDEX_RESYNC_SECONDS``:
such a deletion before anyone's Refresh, a server Nova archived before it was seen deleted,
the sort order of changed rows (they keep their place), project names renamed in Keystone,
and "days behind" as the days pass. An increment is not tried, and the scope is listed
whole, when the last index is incomplete (a service failed), was built by a different
version, or lacks the records to merge into.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from patch_dashboard import conf
from patch_dashboard.api import image_rows, instance_rows, inventory
from patch_dashboard.api.index import (
    CHUNK_ROWS,
    IMAGES,
    INSTANCES,
    Figures,
    Index,
    IndexMeta,
    Table,
    TablePatch,
    patch_index,
    write_index,
)
from patch_dashboard.api.index_store import IndexStore
from patch_dashboard.api.parallel import call_parallel
from patch_dashboard.lifecycle import (
    CloudAssessment,
    ComplianceCount,
    ComplianceSummary,
    FlavorRecord,
    ImageAssessment,
    ImageRecord,
    ServerRecord,
)
from patch_dashboard.lifecycle.assess import assess_listing, image_of
from patch_dashboard.lifecycle.changes import GONE_STATUSES

LOG = logging.getLogger(__name__)

# Nova and Glance compare changes-since with their own clocks, at a second's resolution:
# each increment reads from this long before the last one began (a row read twice is
# applied once: its last listing wins).
OVERLAP = timedelta(seconds=60)
# A scope of at most this many instances is written whole after an increment, its rows in
# the tables' order again (a project's, typically: a few hundred items); a larger one has
# only the changed items written, the changed rows in their old place.
RESORT_ROWS = 5000
# The chunks of rows an increment reads are kept for its writes when there are at most this
# many (about 30 MiB of rows in memory, measured); more are read once more, one at a time,
# as they are written.
KEEP_CHUNKS = 200


def _few_chunks(positions) -> bool:
    return len({position // CHUNK_ROWS for position in positions}) <= KEEP_CHUNKS


# What an increment needs besides the rows, in two items: ``raw:servers``, read before the
# listings (they need it) and written at every change, and ``raw:images``, the larger, read
# while Nova and Glance answer and written only when an image or flavor changed.
RAW_SERVERS = "raw:servers"
RAW_IMAGES = "raw:images"


@dataclass(frozen=True)
class ServersRaw:
    usage: Mapping[str, Mapping[str, int]]  # image id -> project id -> servers on it
    # server id -> its root volume's image, of the boot-from-volume servers: Cinder is asked
    # only about a new one (a volume's image does not change under a server; a rebuild of a
    # volume-backed server, Nova 2.93, shows at the next full listing)
    volume_images: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ImagesRaw:
    images: Sequence[ImageRecord]
    flavors: Sequence[FlavorRecord]
    signatures: Mapping[str, tuple]  # image id -> what rows show of its assessment
    private_flavors_usable: bool = True


def signature(assessment: ImageAssessment, assessments: Mapping[str, ImageAssessment]) -> tuple:
    """What the rows of the servers on an image show of its assessment: when it changes,
    they are assessed again."""
    target = assessment.recommendation.image_id
    recommended = assessments.get(target) if target else None
    return (
        assessment.image,
        assessment.family.key,
        assessment.family.label,
        assessment.state,
        assessment.flags,
        assessment.recommendation,
        assessment.builds_behind,
        recommended.image if recommended is not None else None,
    )


def usage_of(servers: Sequence[ServerRecord]) -> dict[str, dict[str, int]]:
    usage: dict[str, dict[str, int]] = {}
    for server in servers:
        image_id = image_of(server)
        if image_id is not None:
            projects = usage.setdefault(image_id, {})
            projects[server.project_id] = projects.get(server.project_id, 0) + 1
    return usage


def raw_of(
    loaded: inventory.Inventory, *, private_flavors_usable: bool
) -> dict[str, object] | None:
    """The raw items of a full build (None when it is incomplete: no increment follows)."""
    if not loaded.complete or loaded.flavors is None:
        return None
    assessments = loaded.assessment.images
    return {
        RAW_SERVERS: ServersRaw(
            usage=usage_of(loaded.servers or ()),
            volume_images=volume_images_of(loaded.servers or ()),
        ),
        RAW_IMAGES: ImagesRaw(
            images=list(loaded.images or ()),
            flavors=list(loaded.flavors),
            signatures={key: signature(value, assessments) for key, value in assessments.items()},
            private_flavors_usable=private_flavors_usable,
        ),
    }


def volume_images_of(servers) -> dict[str, str | None]:
    return {server.id: server.volume_image_id for server in servers if server.boot_from_volume}


def usable(index: Index | None, now: datetime) -> bool:
    """Whether the next refresh of ``index`` may be an increment."""
    if index is None or not index.meta.complete:
        return False
    if not (index.has(RAW_SERVERS) and index.has(RAW_IMAGES)):
        return False
    meta: IndexMeta = index.meta
    if meta.listed_at is None or meta.resynced_at is None:
        return False
    resync = conf.index_resync_seconds()
    return resync > 0 and (now - meta.resynced_at).total_seconds() < resync


@dataclass
class _Tally:
    """The compliance summary, adjustable row by row."""

    overall: list[int]
    by_project: dict[str, list[int]] = field(default_factory=dict)
    by_family: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, summary: ComplianceSummary) -> _Tally:
        def counts(mapping):
            return {key: [count.current, count.total] for key, count in mapping.items()}

        return cls(
            [summary.overall.current, summary.overall.total],
            counts(summary.by_project),
            counts(summary.by_family),
        )

    def add(self, row: instance_rows.InstanceRow, sign: int) -> None:
        """Count ``row`` in (``sign`` 1) or out (-1); a row's family key is the compliance
        summary's (``lifecycle.compliance.family_key_of``) in a complete index."""
        current = 0 if row.outdated else sign
        for tallies, key in (
            (self.by_project, row.project_id),
            (self.by_family, row.family_key),
        ):
            tally = tallies.setdefault(key, [0, 0])
            tally[0] += current
            tally[1] += sign
            if tally[1] <= 0:
                del tallies[key]
        self.overall[0] += current
        self.overall[1] += sign

    def summary(self) -> ComplianceSummary:
        return ComplianceSummary(
            overall=ComplianceCount(*self.overall),
            by_project={key: ComplianceCount(*tally) for key, tally in self.by_project.items()},
            by_family={key: ComplianceCount(*tally) for key, tally in self.by_family.items()},
        )


def _listings(
    request, last: Index, since: str, *, all_projects: bool, volume_images, whole_images: bool
):
    """What changed since ``since``: servers (deleted ones too), images, and the flavors,
    and meanwhile the ``raw:images`` item of ``last`` is read; a failed call raises (the last
    index stays, the page shows the error)."""

    def call(name, **kwargs):
        function, message = inventory.SERVICE_CALLS[name]
        return (inventory.guarded(function, message, strict=True), [request], kwargs)

    return call_parallel(
        call(
            "servers",
            all_projects=all_projects,
            changes_since=since,
            known_volume_images=volume_images,
        ),
        call("images", updated_since=None if whole_images else since),
        call("flavors"),
        (last.item, [RAW_IMAGES]),
    )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Clock:
    """How long each step of a refresh took (logged: where an operator's seconds go)."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        self.laps.append((what, now - self.last))
        self.last = now

    def __str__(self) -> str:
        return ", ".join("%s %.2f s" % lap for lap in self.laps)


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while an increment runs. It unpickles some
    200,000 objects (the image records, their signatures, the projects' usage), enough to
    set off a full collection over the Horizon worker's whole heap, half a second and more
    of a refresh that takes one or two; what the increment leaves is freed by reference
    counting, and the collector runs again as soon as it is done (a few seconds at most)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def refresh(request, store: IndexStore, last: Index, **arguments) -> IndexMeta:
    """Bring ``last`` up to date (see the module's docstring and :func:`_refresh`); returns
    the new meta."""
    clock = _Clock()
    with _collector_paused():
        meta = _refresh(request, store, last, clock=clock, **arguments)
    clock.lap("written")
    LOG.info(
        "patch_dashboard: index of %s refreshed from what changed, %d rows written in %.2f s (%s)",
        last.meta.scope,
        meta.changed,
        clock.last - clock.started,
        clock,
    )
    return meta


def _refresh(
    request,
    store: IndexStore,
    last: Index,
    *,
    clock: _Clock,
    started: datetime,
    epoch: str | None,
    all_projects: bool,
    project_names: Mapping[str, str],
    whole_images: bool = False,
) -> IndexMeta:
    """Bring ``last`` up to date; returns the new meta. ``whole_images``: list every image,
    not only those changed (Refresh): an image deleted since leaves the index, the rows of
    the servers on it say so."""
    servers_raw: ServersRaw = last.item(RAW_SERVERS)
    since = _iso(last.meta.listed_at - OVERLAP)
    changed_servers, changed_images, flavors, raw = _listings(
        request,
        last,
        since,
        all_projects=all_projects,
        volume_images=servers_raw.volume_images,
        whole_images=whole_images,
    )
    clock.lap("listings")

    table = last.table(INSTANCES)
    replaced: dict[int, ServerRecord | None] = {}
    appended: dict[str, ServerRecord] = {}
    for server in changed_servers:
        gone = server.status.upper() in GONE_STATUSES
        position = table.position_of(server.id)
        if position is None:
            if gone:
                appended.pop(server.id, None)
            else:
                appended[server.id] = server
        else:
            replaced[position] = None if gone else server

    records = {} if whole_images else {image.id: image for image in raw.images}
    records.update((image.id, image) for image in changed_images)

    # The rows of the changed servers, before: what they counted.
    before = table.rows_by_position(replaced, keep=_few_chunks(replaced))
    usage = {key: dict(value) for key, value in servers_raw.usage.items()}
    touched_images: set[str] = set()

    def count(server: ServerRecord, sign: int) -> None:
        image_id = image_of(server)
        if image_id is None:
            return
        touched_images.add(image_id)
        projects = usage.setdefault(image_id, {})
        projects[server.project_id] = projects.get(server.project_id, 0) + sign
        if projects[server.project_id] <= 0:
            del projects[server.project_id]
        if not projects:
            del usage[image_id]

    for position, server in replaced.items():
        if before[position] is not None:
            count(before[position].server, -1)
        if server is not None:
            count(server, +1)
    for server in appended.values():
        count(server, +1)

    assessments, families, assess = inventory.assessed(
        assess_listing,
        images=list(records.values()),
        flavors=flavors,
        now=started,
        instance_counts={key: sum(value.values()) for key, value in usage.items()},
        private_flavors_usable=raw.private_flavors_usable,
    )
    signatures = {key: signature(value, assessments) for key, value in assessments.items()}
    clock.lap("images assessed")
    changed = {key for key, value in signatures.items() if raw.signatures.get(key) != value}
    changed |= set(raw.signatures) - set(signatures)

    # Every row that shows what changed: the changed servers', and those on changed images
    # (all of them when the flavors changed: a recommended flavor may be another).
    affected = set(replaced)
    if list(flavors) != list(raw.flavors):
        affected.update(table.select())
    else:
        image_filter = table.filter_values("image")
        for image_id in changed:
            affected.update(image_filter.get(image_id, ()))
    old_rows = table.rows_by_position(affected, known=before, keep=_few_chunks(affected))
    tally = _Tally.of(last.figures().compliance)

    def row_of(server: ServerRecord) -> instance_rows.InstanceRow:
        instance = inventory.assessed(assess, server=server)
        row = instance_rows.instance_row(instance, project_names=project_names)
        tally.add(row, +1)
        return row

    instance_patch = TablePatch(before=old_rows)
    for position in sorted(affected):
        old = old_rows[position]
        if old is None:  # a hole already
            continue
        tally.add(old, -1)
        server = replaced.get(position, old.server)
        instance_patch.replaced[position] = None if server is None else row_of(server)
    instance_patch.appended = [row_of(server) for server in appended.values()]
    clock.lap("rows assessed")

    image_patch = _image_patch(
        last,
        assessments,
        families,
        usage,
        changed | touched_images,
        all_projects=all_projects,
    )
    clock.lap("image rows")
    old_figures = last.figures()
    compliance = tally.summary()
    figures = Figures(
        compliance,
        project_labels=_labels(old_figures.project_labels, compliance.by_project, project_names),
        family_labels=_family_labels(old_figures.family_labels, compliance, instance_patch),
        image_families={value.family.key: value.family.label for value in assessments.values()},
        image_states=_states(assessments),
    )
    volume_images = dict(servers_raw.volume_images)
    for server in changed_servers:
        volume_images.pop(server.id, None)
        if server.boot_from_volume and server.status.upper() not in GONE_STATUSES:
            volume_images[server.id] = server.volume_image_id
    raw_items: dict[str, object] = {
        RAW_SERVERS: ServersRaw(usage, volume_images),
        RAW_IMAGES: ImagesRaw(
            images=list(records.values()),
            flavors=list(flavors),
            signatures=signatures,
            private_flavors_usable=raw.private_flavors_usable,
        ),
    }
    changed_rows = sum(
        len(patch.replaced) + len(patch.appended) for patch in (instance_patch, image_patch)
    )
    common = {
        "raw_items": raw_items,
        "built_at": started,
        "servers": compliance.overall.total,
        "images": len(records),
        "epoch": epoch,
        "listed_at": started,
    }
    if changed_rows and last.table(INSTANCES).slots() <= RESORT_ROWS:
        tables = {
            INSTANCES.name: instance_rows.sort_rows(
                _applied(last.table(INSTANCES), instance_patch)
            ),
            IMAGES.name: image_rows.sort_rows(
                _applied(last.table(IMAGES), image_patch), families.values()
            ),
        }
        return write_index(
            store,
            scope=last.meta.scope,
            tables=tables,
            compliance=compliance,
            complete=True,
            resynced_at=last.meta.resynced_at,
            kind="incremental",
            changed=changed_rows,
            **common,
        )
    if raw_items[RAW_IMAGES] == raw:  # written again only when an image or a flavor changed
        del raw_items[RAW_IMAGES]
    patches = {INSTANCES.name: instance_patch, IMAGES.name: image_patch}
    return patch_index(store, last, patches=patches, figures=figures, **common)


def _applied(table: Table, patch: TablePatch) -> list:
    """Every row of ``table`` with ``patch`` applied, holes left out."""
    rows = []
    for number in range(table.chunks()):
        rows.extend(table.chunk(number))
    for position, row in patch.replaced.items():
        rows[position] = row
    rows.extend(patch.appended)
    return [row for row in rows if row is not None]


def _labels(old: Mapping[str, str], keys, names: Mapping[str, str]) -> dict[str, str]:
    return {key: names.get(key) or old.get(key) or key for key in keys}


def _family_labels(
    old: Mapping[str, str], compliance: ComplianceSummary, patch: TablePatch
) -> dict[str, str]:
    labels = dict(old)
    for row in [*patch.replaced.values(), *patch.appended]:
        if row is not None:
            labels[row.family_key] = row.family_name
    return {key: labels.get(key, key) for key in compliance.by_family}


def _states(assessments: Mapping[str, ImageAssessment]) -> dict[str, int]:
    states: dict[str, int] = {}
    for value in assessments.values():
        states[value.state.value] = states.get(value.state.value, 0) + 1
    return states


def _image_patch(
    last: Index,
    assessments: Mapping[str, ImageAssessment],
    families,
    usage: Mapping[str, Mapping[str, int]],
    candidates: set[str],
    *,
    all_projects: bool,
) -> TablePatch:
    """The image rows that differ: of images whose assessment or use changed, new images."""
    cloud = CloudAssessment(
        images=dict(assessments),
        families=families,
        instances=(),
        compliance=ComplianceSummary(ComplianceCount(0, 0), {}, {}),
    )
    table = last.table(IMAGES)
    patch = TablePatch()
    wanted = {key for key in candidates if key in assessments}
    positions = {key: table.position_of(key) for key in candidates}
    known = sorted(position for position in positions.values() if position is not None)
    old_rows = dict(zip(known, table.rows_at(known), strict=True))
    for image_id in sorted(set(candidates) - wanted):  # deleted: its row goes
        if positions[image_id] is not None:
            patch.replaced[positions[image_id]] = None
    for image_id in sorted(wanted):
        row = image_rows.image_row(assessments[image_id], cloud, instances_known=True)
        if all_projects:
            row = image_rows.lifecycle_row(
                row,
                assessments[image_id].image,
                project_count=len(usage.get(image_id, ())),
            )
        position = positions[image_id]
        if position is None:
            patch.appended.append(row)
        elif old_rows[position] != row:
            patch.replaced[position] = row
    return patch


__all__ = ["OVERLAP", "RAW_IMAGES", "RAW_SERVERS", "raw_of", "refresh", "usable"]
