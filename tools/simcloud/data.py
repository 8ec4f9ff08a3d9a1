"""The simulated cloud's data: deterministic, compact, mutable by the benchmark.

Images (5,000 by default) and flavors come from :mod:`tools.bench_data`, the generator the
core benchmark uses (families of ten builds with osism / SCS properties in every patch state:
current, superseded, deprecated and hidden, obsolete (deactivated), end of life, stale, broken
metadata, snapshots), with their dates moved so that ``epoch`` is the generator's "now", and
spread over owners: most families public, some private to a project, some shared with two
projects (one member accepted, one pending), a few community.

Servers (100,000 by default) are not kept as dicts (about 3 kB each as JSON): one row is a few
machine words in typed arrays (project, image, flavor, status, created/updated time), their
JSON is made when a page is served. Project 0, ``sim-big``, has exactly ``big_servers`` of
them; the rest are spread unevenly over the other projects. 5 % boot from volume (``image``
is ""), 3 % run an image that no longer exists.

Order and time: server ``i`` was created before server ``i + 1`` (Nova's default order,
``created_at`` descending, is the index order reversed); every stored time is before
``epoch``, so ``changes-since`` with a later time returns only what :meth:`SimCloud.change`
did.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import re
import threading
import time
import uuid
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tools import bench_data

UTC = dt.timezone.utc
DEFAULT_EPOCH = dt.datetime(2026, 12, 1, tzinfo=UTC)
BIG_PROJECT_NAME = "sim-big"
ADMIN_PROJECT = "sim-admin"  # owner of the public images unless the caller names one

# Server states, as stored (one byte a server)
ACTIVE, SHUTOFF, ERROR, DELETED = 0, 1, 2, 3
STATUS = ("ACTIVE", "SHUTOFF", "ERROR", "DELETED")
VM_STATE = ("active", "stopped", "error", "deleted")
POWER_STATE = (1, 4, 0, 0)
BOOT_FROM_VOLUME = -1  # stored image index: no image, the root disk is a volume
IMAGE_GONE = -2  # stored image index: an image that no longer exists

_DATE_KEYS = (
    "name",
    "image_build_date",
    "internal_version",
    "deprecated_at",
    "obsolete_at",
    "provided_until",
    "image_source",
    "created_at",
    "updated_at",
)
_DAY = re.compile(r"(?<!\d)(\d{4})-(\d\d)-(\d\d)(?!\d)")
_COMPACT_DAY = re.compile(r"(?<!\d)(20\d\d)(\d\d)(\d\d)(?!\d)")
_NAMESPACE = uuid.UUID("5f0c2b8e-7a51-4c1e-9d0a-3b2f6c4d8e10")


def stamp(seconds: float) -> str:
    """Nova's and Glance's time format (UTC, seconds)."""
    return dt.datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> float:
    """An ISO 8601 time as the APIs accept it (``Z``, an offset or none: UTC) -> epoch seconds."""
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _sim_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(map(str, parts))))


def _shift_dates(text: str, days: int) -> str:
    """Every YYYY-MM-DD and YYYYMMDD in ``text`` moved by ``days``."""

    def move(match: re.Match[str], fmt: str) -> str:
        day = dt.date(int(match[1]), int(match[2]), int(match[3])) + dt.timedelta(days=days)
        return day.strftime(fmt)

    text = _DAY.sub(lambda m: move(m, "%Y-%m-%d"), text)
    return _COMPACT_DAY.sub(lambda m: move(m, "%Y%m%d"), text)


@dataclass(frozen=True)
class Counts:
    servers: int = 100_000
    images: int = 5_000
    projects: int = 1_000
    big_servers: int = 2_000  # servers of project 0, sim-big


class SimCloud:
    """The simulated cloud. Thread-safe: one lock around every read and write."""

    def __init__(
        self,
        counts: Counts = Counts(),
        *,
        seed: int = 1,
        epoch: dt.datetime = DEFAULT_EPOCH,
        project_ids: Mapping[int, str] | None = None,
        admin_project: str = ADMIN_PROJECT,
    ) -> None:
        """``project_ids``: ids to use instead of the generated ones (e.g. {0: the id of the
        Keystone project sim-big}); ``admin_project`` owns the public images."""
        if counts.big_servers > counts.servers or counts.projects < 2:
            raise ValueError("need at least 2 projects and big_servers <= servers")
        self.counts = counts
        self.seed = seed
        self.epoch = epoch.timestamp()
        self.lock = threading.RLock()
        self.version = 0  # bumped by every change (cached orders are rebuilt)
        rng = random.Random(seed)
        self.projects = [
            (project_ids or {}).get(index) or uuid.UUID(int=rng.getrandbits(128)).hex
            for index in range(counts.projects)
        ]
        self.project_index = {pid: index for index, pid in enumerate(self.projects)}
        self.project_names = [BIG_PROJECT_NAME] + [
            "sim-%04d" % index for index in range(1, counts.projects)
        ]
        self.admin_project = admin_project
        self.flavors = bench_data.nova_flavors()
        self.flavor_index = {flavor["id"]: index for index, flavor in enumerate(self.flavors)}
        self._make_images(rng, epoch)
        self._make_servers(rng)
        self._orders: dict[tuple[str, bool], tuple[int, list[int], dict[int, int]]] = {}
        self._change_rng = random.Random(seed + 1)

    # -- generation ----------------------------------------------------------------------

    def _make_images(self, rng: random.Random, epoch: dt.datetime) -> None:
        shift = (epoch.date() - bench_data.NOW.date()).days
        specs = bench_data.image_specs(self.counts.images)
        self.image_specs = specs
        self.images: list[dict] = []
        others = self.counts.projects - 1
        for spec in specs:
            image = bench_data.glance_image(spec, owner=self.admin_project)
            for key in _DATE_KEYS:
                if isinstance(image.get(key), str):
                    image[key] = _shift_dates(image[key], shift)
            family = int(spec.key[1:].split("-")[0])
            if family % 31 == 17 and spec.key.endswith("-b0") and "image_type" not in image:
                # an image uploaded by hand: no date, no family (state "unknown")
                for key in spec.properties:
                    if not key.startswith("hw_"):
                        image.pop(key, None)
                image.update(name="imported-disk-%d" % family, tags=[])
            owner = self.projects[1 + (family * 7) % others]
            if image["visibility"] == "private":  # a snapshot: its project's own
                image["owner"] = owner
            elif family % 10 == 7:
                image.update(visibility="private", owner=owner)
            elif family % 10 == 8:
                image.update(visibility="shared", owner=owner)
            elif family % 50 == 9:
                image.update(visibility="community", owner=owner)
            image["_members"] = {}
            if image["visibility"] == "shared":
                image["_members"] = {
                    self.projects[1 + (family * 7 + 1) % others]: "accepted",
                    self.projects[1 + (family * 7 + 2) % others]: "pending",
                }
            image["_created"] = parse_time(image["created_at"])
            # last touched (properties set, hidden, ...) some time between creation and epoch
            image["_updated"] = image["_created"] + rng.random() * max(
                0.0, self.epoch - 60 - image["_created"]
            )
            image["updated_at"] = stamp(image["_updated"])
            self.images.append(image)
        self.image_index = {image["id"]: index for index, image in enumerate(self.images)}
        # Glance's default order: created_at descending, then id descending
        self._image_order = sorted(
            range(len(self.images)),
            key=lambda i: (self.images[i]["_created"], self.images[i]["id"]),
            reverse=True,
        )
        self.public_images = [
            index for index, image in enumerate(self.images) if image["visibility"] == "public"
        ]

    def _make_servers(self, rng: random.Random) -> None:
        count = self.counts.servers
        big = set(rng.sample(range(count), self.counts.big_servers))
        weights = [rng.paretovariate(1.5) for _ in range(self.counts.projects - 1)]
        cumulative = []
        total = 0.0
        for weight in weights:
            total += weight
            cumulative.append(total)
        keys = bench_data.server_images(self.image_specs, count, seed=self.seed)
        by_key = {spec.key: index for index, spec in enumerate(self.image_specs)}
        self.ids: list[str] = []
        self.project = array("H")
        self.image = array("i")
        self.flavor = array("B")
        self.status = array("B")
        self.created = array("d")
        self.updated = array("d")
        start = self.epoch - 400 * 86400
        step = 399 * 86400 / count
        for index in range(count):
            if index in big:
                project = 0
            else:
                project = 1 + bisect.bisect_left(cumulative, rng.random() * total)
                project = min(project, self.counts.projects - 1)
            key = keys[index]
            if key is None:
                image = BOOT_FROM_VOLUME
            elif key == "deleted":
                image = IMAGE_GONE
            else:
                image = by_key[key]
                if not self._visible(self.images[image], self.projects[project]):
                    image = self.public_images[index % len(self.public_images)]
            created = start + index * step
            roll = rng.random()
            self.ids.append(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
            self.project.append(project)
            self.image.append(image)
            self.flavor.append(rng.randrange(len(self.flavors)))
            self.status.append(SHUTOFF if roll < 0.08 else ERROR if roll < 0.1 else ACTIVE)
            self.created.append(created)
            self.updated.append(created + rng.random() * (self.epoch - created - 60))
        self.id_index = {server_id: index for index, server_id in enumerate(self.ids)}

    # -- images --------------------------------------------------------------------------

    def _visible(self, image: dict, project: str, *, member_status: str = "accepted") -> bool:
        visibility = image["visibility"]
        if visibility == "public" or image["owner"] == project:
            return True
        if visibility == "shared":
            status = image["_members"].get(project)
            return status is not None and member_status in ("all", status)
        return False

    def image_visible(self, image: dict, project: str, *, admin: bool) -> bool:
        return admin or self._visible(image, project) or image["visibility"] == "community"

    def iter_images(
        self, *, project: str, admin: bool, reverse: bool = False, marker: str | None = None
    ) -> Iterator[dict]:
        """Every image in Glance's default order (newest first), from after ``marker``."""
        order = self._image_order[::-1] if reverse else self._image_order
        start = 0
        if marker is not None:
            if marker not in self.image_index:
                raise KeyError(marker)
            start = order.index(self.image_index[marker]) + 1
        for index in order[start:]:
            yield self.images[index]

    def image_member_status(self, image: dict, project: str) -> str | None:
        return image["_members"].get(project)

    # -- servers -------------------------------------------------------------------------

    def order(self, key: str, descending: bool) -> tuple[list[int], dict[int, int]]:
        """Server indexes sorted by ``key``, and each index's position (cached per change)."""
        cached = self._orders.get((key, descending))
        if cached and cached[0] == self.version:
            return cached[1], cached[2]
        indexes = list(range(len(self.ids)))
        if key == "uuid":
            indexes.sort(key=self.ids.__getitem__, reverse=descending)
        elif key == "updated_at":
            indexes.sort(key=lambda i: (self.updated[i], i), reverse=descending)
        elif descending:  # created_at, display_name (both grow with the index)
            indexes.reverse()
        positions = {index: position for position, index in enumerate(indexes)}
        self._orders[(key, descending)] = (self.version, indexes, positions)
        return indexes, positions

    def server_name(self, index: int) -> str:
        return "%s-vm-%06d" % (self.project_names[self.project[index]], index)

    def server_image_id(self, index: int) -> str | None:
        image = self.image[index]
        if image == BOOT_FROM_VOLUME:
            return None
        if image == IMAGE_GONE:
            return _sim_uuid("gone-image", self.seed, index)
        return self.images[image]["id"]

    def volume_id(self, index: int) -> str:
        return _sim_uuid("volume", self.seed, index)

    def live_servers(self, project: int | None = None) -> int:
        """How many servers exist (not deleted), of one project or all."""
        return sum(
            1
            for index in range(len(self.ids))
            if self.status[index] != DELETED and (project is None or self.project[index] == project)
        )

    # -- changes -------------------------------------------------------------------------

    def change(self, n: int, *, now: float | None = None) -> dict[str, list[str]]:
        """``n`` changes with a fresh ``updated_at``: about a third each created, deleted and
        changed (stopped, started or rebuilt on another image); one in 50 is an image change
        (hidden, or deprecated the way the plugin does it). Deterministic given the order
        of calls."""
        done: dict[str, list[str]] = {"created": [], "deleted": [], "changed": [], "images": []}
        rng = self._change_rng
        with self.lock:
            now = time.time() if now is None else now
            for _ in range(n):
                roll = rng.random()
                if roll < 0.02:
                    image = self.images[rng.randrange(len(self.images))]
                    if rng.random() < 0.5:
                        image["os_hidden"] = not image["os_hidden"]
                    else:
                        image.update(
                            deprecation_state="deprecated",
                            deprecated_at=stamp(now),
                            deprecation_reason="simulated change",
                        )
                    image["_updated"] = now
                    image["updated_at"] = stamp(now)
                    done["images"].append(image["id"])
                elif roll < 0.35:
                    done["created"].append(self._create(rng, now))
                else:
                    index = self._pick_live(rng)
                    if index is None:
                        continue
                    self.updated[index] = now
                    if roll < 0.68:
                        self.status[index] = DELETED
                        done["deleted"].append(self.ids[index])
                    else:
                        if rng.random() < 0.5:
                            self.status[index] = SHUTOFF if self.status[index] == ACTIVE else ACTIVE
                        else:
                            self.image[index] = rng.choice(self.public_images)
                        done["changed"].append(self.ids[index])
            self.version += 1
        return done

    def _pick_live(self, rng: random.Random) -> int | None:
        for _ in range(100):
            index = rng.randrange(len(self.ids))
            if self.status[index] != DELETED:
                return index
        return None

    def _create(self, rng: random.Random, now: float) -> str:
        index = len(self.ids)
        server_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.ids.append(server_id)
        self.id_index[server_id] = index
        self.project.append(rng.randrange(self.counts.projects))
        self.image.append(rng.choice(self.public_images))
        self.flavor.append(rng.randrange(len(self.flavors)))
        self.status.append(ACTIVE)
        # created strictly after every other server: the index order stays the created order
        self.created.append(max(now, self.created[-1] + 0.001))
        self.updated.append(now)
        return server_id
