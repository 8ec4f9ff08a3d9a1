"""Pages of real Horizon against the simulated large cloud (tools/simcloud), real Keystone.

What one run does:

1. Fits the simulator's latency model to the development cloud's real Nova and Glance
   (:func:`tools.simcloud.latency.calibrate`, the calibration printed), unless a model is given.
2. Creates Keystone project ``sim-big`` (admin a member) and starts the simulator (100,000
   servers, 5,000 images, 1,000 projects; sim-big's 2,000 servers under the Keystone id) in a
   process of its own on a free loopback port.
3. Registers region ``SimRegion`` (compute and image endpoints at the simulator) for as long as
   two Horizon logins and project switches take (admin in the admin project; admin in
   sim-big), about a second, and removes it: the sessions keep the catalog they logged in
   with. Then switches both to SimRegion the way Horizon's region menu does
   (``/auth/switch_services_region/SimRegion/``).
4. With the plugin's pages (``--plugin``), through Horizon: builds each scope's index (a
   ``?refresh=1`` view, then the index's own status and history items read from the index
   memcached until the build is recorded: its seconds, the simulator's requests during it, the
   Horizon workers' peak RSS); refreshes the cloud's index after 0, 100 and 1,000 changes
   (``POST /_sim/changes``) the same way; measures the memory of one view of a page; reads
   the sizes of the cloud index's items.
5. Times each page (one warm-up round, then ``repeats`` rounds, interleaved) and prints the
   medians, with the simulator's request counts. Every page must answer 200 and have asked
   the simulator (a page served from the index may ask nothing), or the run fails; the
   simulated servers it shows (``-vm-`` in their names) are counted.
6. Lists what changed after 0, 100 and 1,000 more changes the way an incremental refresh
   must at least (:func:`incremental_listing`, raw ``changes-since`` listings): the lower
   bound of a refresh's requests.

    python -m tools.bench_scale                      # the stock Instances pages
    python -m tools.bench_scale --plugin             # and the plugin's four pages
    python -m tools.bench_scale --url admin=/admin/patch_compliance/ --repeats 5

Project sim-big, the region and the simulator process are removed in ``finally`` blocks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from statistics import median

import requests

from tools.simcloud import keystone as sim_keystone
from tools.simcloud.latency import CREDENTIALS, LatencyModel, calibrate

CHECKOUT = pathlib.Path(__file__).resolve().parent.parent
TMP = CHECKOUT / ".tmp"
REGION = sim_keystone.REGION
# (label, who, url): who is "admin" (admin project, every project's servers) or "big" (sim-big)
STOCK_PAGES = [
    ("Horizon admin Instances (100,000)", "admin", "/admin/instances/"),
    ("Horizon project Instances (sim-big, 2,000)", "big", "/project/instances/"),
]
# The plugin's pages, served from the index of their scope (docs/scale.md): the cloud's for
# the admin ones, sim-big's for the project ones.
PLUGIN_PAGES = [
    ("Patch Compliance (admin)", "admin", "/admin/patch_compliance/"),
    ("Image Lifecycle (admin)", "admin", "/admin/image_lifecycle/"),
    ("Outdated Instances (sim-big)", "big", "/project/outdated_instances/"),
    ("Image Patch Status (sim-big)", "big", "/project/image_patch_status/"),
]
SIM_ROW = re.compile(r"-vm-\d{6}")
TIMEOUT = 300

# Targets (issue 13)
PAGE_SECONDS = 1.0  # admin pages' median, warm
PAGE_RATIO = 1.0  # each plugin page against the stock Instances page of its scope
REFRESH_SECONDS = 2.0  # an incremental refresh at 100 changes
BUILD_MIB = 500  # the Horizon worker's peak RSS during a full build at 100,000
PAGE_MIB = 100  # one page request at 100,000
REFRESH_CHANGES = (0, 100, 1000)

# The index's memcached and key prefix in the development cloud (devcloud/horizon/
# local_settings.py: CACHES["index"], PATCH_DASHBOARD_INDEX_CACHE).
INDEX_CACHE = "127.0.0.1:21212"
INDEX_KEY_PREFIX = "devcloud-horizon"
INDEXED = 'id="patch-index-status"'
# One build of the cloud's index at the calibrated latency: 100 Nova pages of 1,000 servers
# at a few ms a server each, read one after the other (about 7 minutes at 3.8 ms a server).
INDEX_BUILD_LIMIT = 2400
INDEX_INTERVAL = 30  # the development cloud's PATCH_DASHBOARD_INDEX_SECONDS
# A build's status unchanged this long: the build died (its assessment and writes after the
# last page read take well under a minute at 100,000 servers).
STALLED_SECONDS = 180


def log(message: str) -> None:
    print("  [scale %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


@dataclass
class ScaleResult:
    latency: LatencyModel
    calibration: list[str] = field(default_factory=list)  # the calibration's timings
    simulator: dict = field(default_factory=dict)  # its start line: url, pid, rss, build time
    times: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # simulated servers the page showed
    requests: dict[str, dict[str, int]] = field(default_factory=dict)  # per page, one view
    items: dict[str, dict[str, int]] = field(default_factory=dict)  # rows those requests returned
    who: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    incremental: list[dict] = field(default_factory=list)  # see incremental_listing()
    stats: dict = field(default_factory=dict)  # the simulator's /_sim/stats after the pages
    registered_seconds: float = 0.0  # how long SimRegion was in the catalog
    peak_rss_mib: float = 0.0  # the simulator's, at the end (after the incremental listings)
    builds: dict[str, dict] = field(default_factory=dict)  # scope -> its first build (refresh())
    refreshes: list[dict] = field(default_factory=list)  # refresh() after N changes, cloud
    page_memory: dict[str, dict] = field(default_factory=dict)  # label -> view_memory()
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # see item_sizes()

    def medians(self) -> dict[str, float]:
        return {label: median(times) for label, times in self.times.items()}


class Simulator:
    """The simulator in its own process (so its memory is its own): start, url, stop."""

    def __init__(self, *, latency: LatencyModel, big_project: str, admin_project: str) -> None:
        self._latency_file = tempfile.NamedTemporaryFile(
            "w", prefix="simcloud-latency-", suffix=".json", delete=False, dir=TMP
        )
        self._latency_file.write(latency.to_json())
        self._latency_file.close()
        command = [
            sys.executable,
            "-m",
            "tools.simcloud.server",
            "--latency",
            self._latency_file.name,
            "--project",
            "0=" + big_project,
            "--admin-project",
            admin_project,
        ]
        self.process = subprocess.Popen(
            command, cwd=CHECKOUT, stdout=subprocess.PIPE, text=True, env=dict(os.environ)
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line:
            self.stop()
            raise RuntimeError("the simulator did not start")
        self.started = json.loads(line)
        self.url = self.started["url"]

    def stats(self) -> dict:
        return requests.get(self.url + "/_sim/stats", timeout=TIMEOUT).json()

    def reset_stats(self) -> None:
        requests.post(self.url + "/_sim/stats/reset", timeout=TIMEOUT).raise_for_status()

    def change(self, n: int) -> dict:
        response = requests.post(self.url + "/_sim/changes", params={"n": n}, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.unlink(self._latency_file.name)


def login(horizon_url: str, username: str, password: str) -> requests.Session:
    from tests.integration.conftest import horizon_login

    # Horizon's page sizes as deployed (20 rows), no user setting.
    return horizon_login(horizon_url, username, password, items_per_page=None)


def _switch(session: requests.Session, horizon_url: str, path: str) -> None:
    response = session.get(horizon_url + path, timeout=TIMEOUT, allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError("%s answered %s, not 302" % (path, response.status_code))


# ---------------------------------------------------------------- the Horizon workers
def horizon_workers() -> list[int]:
    """The pids of the development cloud's Horizon workers (gunicorn's children)."""
    try:
        master = int((CHECKOUT / ".devcloud" / "run" / "horizon.pid").read_text().split()[0])
        children = pathlib.Path("/proc/%d/task/%d/children" % (master, master)).read_text()
    except (OSError, ValueError):
        return []
    return [int(pid) for pid in children.split()]


def _status_mib(pid: int, field_name: str) -> float | None:
    try:
        for line in pathlib.Path("/proc/%d/status" % pid).read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peaks(pids: list[int]) -> None:
    """Set each process's peak RSS (VmHWM) to its RSS now (proc(5): clear_refs "5")."""
    for pid in pids:
        try:
            pathlib.Path("/proc/%d/clear_refs" % pid).write_text("5")
        except OSError:
            pass


def horizon_worker_peak_mib(pids: list[int] | None = None) -> float | None:
    """The largest peak RSS (VmHWM) of the development cloud's Horizon workers."""
    peaks = [_status_mib(pid, "VmHWM") for pid in (horizon_workers() if pids is None else pids)]
    found = [peak for peak in peaks if peak is not None]
    return round(max(found), 1) if found else None


# ---------------------------------------------------------------- the indexes in memcached
class ScopeIndex:
    """One scope's index as Horizon keeps it in the index memcached, read only: its meta
    (kind, rows re-assessed, sizes), its status (a build running) and history (builds done)."""

    def __init__(self, keystone_url: str, scope: str, location: str = INDEX_CACHE) -> None:
        from django.core.cache.backends.memcached import PyMemcacheCache

        from patch_dashboard.api.index_store import IndexStore, scope_key

        self.scope = scope
        self.cache = PyMemcacheCache(location, {"KEY_PREFIX": INDEX_KEY_PREFIX, "TIMEOUT": None})
        self.store = IndexStore(self.cache, scope_key(keystone_url, REGION, scope))

    def _read(self, name: str):
        """An item, or None; also None while the memcached does not answer (other helpers'
        fault tests stop it for a few seconds: the run waits on)."""
        try:
            return self.store.read(name)
        except Exception as error:  # pymemcache's errors, OSError
            log("the index memcached: %s: %s" % (type(error).__name__, error))
            time.sleep(2)
            return None

    def meta(self):
        from patch_dashboard.api.index import IndexMeta

        meta = self._read("meta")
        return meta if isinstance(meta, IndexMeta) else None

    def status(self) -> dict:
        return self._read("status") or {}

    def building(self) -> bool:
        status = self.status()
        return "started_at" in status and "finished_at" not in status

    def build_since(self, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
        """(started, finished) of the first build recorded that started at ``moment`` or later."""
        for _pid, started, finished in self._read("history") or ():
            if started is not None and started >= moment:
                return started, finished
        return None

    def wait_idle(self, limit: float = INDEX_BUILD_LIMIT) -> float:
        """Until no build of the scope runs (a view of an index older than the refresh
        interval starts one in the background) -> seconds waited."""
        started = time.perf_counter()
        last, moved = None, started
        while self.building():
            now = time.perf_counter()
            if now - started > limit:
                raise RuntimeError("a build of %s ran for over %d s" % (self.scope, limit))
            status = self.status()
            if status != last:
                last, moved = status, now
            elif now - moved > STALLED_SECONDS:
                # A build that died with its worker (Horizon restarted) leaves its status
                # saying "building"; a live one reports each page it reads.
                log(
                    "%s: the build's status has not moved for %d s: taken as dead"
                    % (self.scope, STALLED_SECONDS)
                )
                break
            time.sleep(2)
        return time.perf_counter() - started

    def forget(self) -> None:
        """Make the scope cold, after :meth:`wait_idle`: its meta replaced by nothing
        (readers then find no index and build one in full). SimRegion's indexes outlive a
        run in the index memcached; an incremental refresh of the last run's index would
        merge the changes since then into another simulator's cloud."""
        self.store.write("meta", None, timeout=60)
        # and the status of a build that died with its worker (wait_idle took it as dead)
        if self.building():
            self.store.write("status", {}, timeout=60)

    def close(self) -> None:
        self.cache.close()


def refresh(
    session: requests.Session,
    url: str,
    index: ScopeIndex,
    simulator: Simulator,
    label: str,
    *,
    attempt: int = 1,
    background: bool = False,
) -> dict:
    """One build of ``index``'s scope made by Horizon: waits until no build runs, resets the
    simulator's counts and the workers' peak RSS, asks ``url`` with ``?refresh=1`` (the
    user's Refresh: the view starts the build and waits up to 2 s; it lists every image) or,
    ``background``, once the index is older than the development cloud's interval, ``url``
    itself (the view starts the refresh every page view starts in the background: what
    changed only), then reads the index's history until the build is recorded. -> seconds
    (the build's own, from its history item), wall seconds (from the request until seen
    done), the simulator's requests and rows over the build, the workers' peak RSS, the
    index's ``kind`` ("full" or "incremental") and ``changed`` (rows written), servers and
    images, and the ``trigger`` ("background" or "Refresh").

    The index is watched in memcached, not by viewing the page again: at the calibrated
    latency a build takes minutes, so the index is always older than the development cloud's
    30 s interval when it is done, and each view would start the next build."""
    waited = index.wait_idle()
    if waited > 1:
        log("%s: waited %.0f s for a build already running" % (label, waited))
    if background:
        meta = index.meta()
        built = getattr(meta, "built_at", None)
        if built is not None:
            age = (dt.datetime.now(dt.timezone.utc) - built).total_seconds()
            time.sleep(max(0.0, INDEX_INTERVAL + 1 - age))
    pids = horizon_workers()
    simulator.reset_stats()
    reset_peaks(pids)
    since = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    asked = url if background else url + "?refresh=1"
    response, _seconds = _get(session, asked)
    if response.status_code != 200 or INDEXED not in response.text:
        raise RuntimeError("%s answered %s, not an indexed page" % (asked, response.status_code))
    told = started
    while True:
        build = index.build_since(since)
        if build is not None:
            break
        elapsed = time.perf_counter() - started
        if elapsed > INDEX_BUILD_LIMIT:
            raise RuntimeError("%s: no build recorded in %d s" % (label, INDEX_BUILD_LIMIT))
        restarted = horizon_workers() != pids
        if attempt < 3 and (restarted or (elapsed > 120 and not index.building())):
            # Horizon restarted by someone else (cloud.sh restart-horizon): the build died
            # with its worker (its status still says building), its lock held for 60 s more;
            # or the view's build was skipped (a lock left by a killed worker). Ask again
            # once such a lock has expired.
            log("%s: no build running (Horizon restarted: %s); asking again" % (label, restarted))
            time.sleep(61)
            return refresh(
                session,
                url,
                index,
                simulator,
                label,
                attempt=attempt + 1,
                background=background,
            )
        if time.perf_counter() - told >= 60:
            told = time.perf_counter()
            status = index.status()
            log(
                "%s: building for %.0f s, %s of %s servers and %s images read"
                % (
                    label,
                    elapsed,
                    status.get("servers_read"),
                    status.get("servers_expected") or "?",
                    status.get("images_read"),
                )
            )
        time.sleep(0.2 if elapsed < 10 else 2)
    wall = time.perf_counter() - started
    stats = simulator.stats()
    status = index.status()
    if status.get("failed"):
        raise RuntimeError("%s: the build failed: %s" % (label, status.get("error")))
    meta = index.meta()
    figures = {
        "seconds": round((build[1] - build[0]).total_seconds(), 2),
        "wall_seconds": round(wall, 2),
        "requests": stats["requests"],
        "items": stats["items"],
        "horizon_worker_peak_mib": horizon_worker_peak_mib(pids),
        "kind": getattr(meta, "kind", "full"),
        "trigger": "background" if background else "Refresh",
        "changed": getattr(meta, "changed", None),
        "servers": getattr(meta, "servers", None),
        "images": getattr(meta, "images", None),
    }
    log(
        "%s: %s build in %.1f s (seen done after %.1f s), %d API requests (%s), "
        "Horizon worker peak %s MiB"
        % (
            label,
            figures["kind"],
            figures["seconds"],
            wall,
            sum(stats["requests"].values()),
            ", ".join("%s %d" % item for item in sorted(stats["requests"].items())),
            figures["horizon_worker_peak_mib"],
        )
    )
    return figures


def view_memory(session: requests.Session, url: str) -> dict:
    """The Horizon workers' RSS growth over one view: each worker's peak RSS is reset to its
    RSS (clear_refs "5") before the view and read after; -> the worker that grew most: its
    RSS before, its peak during, the growth (MiB), and the view's status and seconds."""
    pids = horizon_workers()
    before = {pid: _status_mib(pid, "VmRSS") for pid in pids}
    reset_peaks(pids)
    response, seconds = _get(session, url)
    after = {pid: _status_mib(pid, "VmHWM") for pid in pids}
    growth = {
        pid: after[pid] - before[pid]
        for pid in pids
        if after.get(pid) is not None and before.get(pid) is not None
    }
    if not growth:
        return {"status": response.status_code, "seconds": seconds}
    pid = max(growth, key=lambda worker: growth[worker])
    return {
        "status": response.status_code,
        "seconds": round(seconds, 3),
        "rss_mib": round(before[pid], 1),
        "peak_mib": round(after[pid], 1),
        "growth_mib": round(growth[pid], 1),
    }


def item_sizes(meta) -> dict[str, tuple[int, int, int]]:
    """The index's items (``IndexMeta.sizes``): name -> (items, compressed bytes, cache
    items with the manifests); numbered chunks (``instances:rows:17``) summed as one
    ``instances:rows:*``."""
    sizes: dict[str, tuple[int, int, int]] = {}
    for name, written in (getattr(meta, "sizes", None) or {}).items():
        key = re.sub(r":\d+$", ":*", name)
        count, total, parts = sizes.get(key, (0, 0, 0))
        sizes[key] = (count + 1, total + written.total, parts + written.items)
    return sizes


def _get(session: requests.Session, url: str) -> tuple[requests.Response, float]:
    """GET and its seconds; once more after a dropped connection: the shared cloud's Horizon
    may be restarted by someone else (cloud.sh restart-horizon); its sessions live in
    memcached and survive."""
    for attempt in (1, 2):
        started = time.perf_counter()
        try:
            response = session.get(url, timeout=TIMEOUT)
        except requests.ConnectionError as error:
            if attempt == 2:
                raise
            log("%s: %s; again in 10 s" % (url, error))
            time.sleep(10)
            continue
        return response, time.perf_counter() - started
    raise AssertionError("unreachable")


def sessions_in_simregion(
    keystone: sim_keystone.Keystone,
    cloud: dict,
    simulator_url: str,
    *,
    admin_project: str,
    big_project: str,
) -> tuple[dict[str, requests.Session], float]:
    """Logged-in Horizon sessions switched to SimRegion: {"admin": ..., "big": ...}, and the
    seconds SimRegion was registered."""
    horizon = cloud["horizon_url"].rstrip("/")
    admin = cloud["users"]["admin"]
    sessions: dict[str, requests.Session] = {}
    started = time.perf_counter()
    with sim_keystone.sim_region(keystone, simulator_url):
        for who in ("admin", "big"):
            sessions[who] = login(horizon, admin["username"], admin["password"])
        # switching project re-scopes the token: its catalog must have SimRegion too. The
        # admin session is switched to the admin project explicitly (a login may land in any
        # project the user has a role in, sim-big included).
        _switch(sessions["admin"], horizon, "/auth/switch/%s/?next=/project/" % admin_project)
        _switch(sessions["big"], horizon, "/auth/switch/%s/?next=/project/" % big_project)
    registered = time.perf_counter() - started
    for session in sessions.values():
        _switch(session, horizon, "/auth/switch_services_region/%s/?next=/" % REGION)
    return sessions, registered


def _scope(who: str, big_project: str) -> str:
    return "cloud" if who == "admin" else "project:" + big_project


def measure_indexes(
    result: ScaleResult,
    pages: list[tuple[str, str, str]],
    *,
    sessions: dict[str, requests.Session],
    horizon: str,
    keystone_url: str,
    big_project: str,
    simulator: Simulator,
    refreshes: tuple[int, ...],
) -> list[ScopeIndex]:
    """Step 4 of the module's docstring for the plugin's ``pages`` (those served from an
    index). -> the scope indexes watched (closed by the caller)."""
    indexes: dict[str, ScopeIndex] = {}
    first_page: dict[str, tuple[str, str, str]] = {}
    for label, who, url in pages:
        scope = _scope(who, big_project)
        if scope not in indexes:
            indexes[scope] = ScopeIndex(keystone_url, scope)
            first_page[scope] = (label, who, url)
    for scope, (_label, who, url) in first_page.items():
        log("building the index of %s through %s" % (scope.split(":")[0], url))
        indexes[scope].wait_idle()
        indexes[scope].forget()
        result.builds[scope] = refresh(
            sessions[who], horizon + url, indexes[scope], simulator, "%s, first build" % scope
        )
    cloud = indexes.get("cloud")
    if cloud is not None:
        result.sizes = item_sizes(cloud.meta())
        label, who, url = first_page["cloud"]
        for n in refreshes:
            cloud.wait_idle()
            changed = simulator.change(n)
            log(
                "%d changes: %s"
                % (n, ", ".join("%d %s" % (len(ids), kind) for kind, ids in changed.items()))
            )
            figures = refresh(
                sessions[who],
                horizon + url,
                cloud,
                simulator,
                "refresh after %d changes" % n,
                background=True,
            )
            result.refreshes.append({"changes": n, **figures})
        # The user's Refresh: what changed of the servers, every image (one deleted outside
        # the dashboard leaves then).
        cloud.wait_idle()
        simulator.change(100)
        figures = refresh(
            sessions[who], horizon + url, cloud, simulator, "Refresh after 100 changes"
        )
        result.refreshes.append({"changes": 100, **figures})
    # One view of each page with no build running beforehand. A view of the cloud's index
    # starts a rebuild in the background (it is older than the 30 s interval); the next
    # cloud page would run beside it, so only the first cloud page is measured.
    # The project's pages first: a build of sim-big's 2,000 servers takes seconds.
    measured: set[str] = set()
    for label, who, url in sorted(pages, key=lambda page: page[1] == "admin"):
        scope = _scope(who, big_project)
        if scope in measured and scope == "cloud":
            continue
        indexes[scope].wait_idle()
        result.page_memory[label] = view_memory(sessions[who], horizon + url)
        measured.add(scope)
        log("%s: one view, Horizon worker RSS %s" % (label, result.page_memory[label]))
    return list(indexes.values())


def measure(
    pages: list[tuple[str, str, str]],
    *,
    repeats: int = 5,
    latency: LatencyModel | None = None,
    credentials_path: pathlib.Path = CREDENTIALS,
    changes: int = 0,
    incremental: tuple[int, ...] = (),
    refreshes: tuple[int, ...] = REFRESH_CHANGES,
) -> ScaleResult:
    """Median seconds of each ``(label, who, url)`` page of real Horizon on the simulated cloud.

    ``who``: "admin" (the admin project: every project's servers) or "big" (admin in sim-big).
    ``changes``: servers changed in the simulator before the timed rounds; ``refreshes``: the
    cloud's index refreshed through Horizon after these numbers of changes (when a page of
    ``pages`` is served from it); ``incremental``: at the end, :func:`incremental_listing` at
    these numbers of changes."""
    cloud = json.loads(credentials_path.read_text())
    calibration: list[str] = []
    if latency is None:
        log("calibrating the latency model against the development cloud")

        def noted(line: str) -> None:
            calibration.append(line.strip())
            log(line.strip())

        latency = calibrate(credentials_path, log=noted)
    log(latency.describe())
    result = ScaleResult(latency=latency, calibration=calibration)
    keystone = sim_keystone.Keystone(credentials_path)
    simulator = None
    sessions: dict[str, requests.Session] = {}
    indexes: list[ScopeIndex] = []
    indexed_pages = [page for page in pages if page in PLUGIN_PAGES]
    try:
        with sim_keystone.big_project(keystone) as big_project:
            admin_project = keystone.admin_project_id()
            simulator = Simulator(
                latency=latency, big_project=big_project, admin_project=admin_project
            )
            result.simulator = simulator.started
            log(
                "simulator at %(url)s: built in %(build_seconds)s s, RSS %(rss_mib)s MiB"
                % (simulator.started)
            )
            sessions, result.registered_seconds = sessions_in_simregion(
                keystone,
                cloud,
                simulator.url,
                admin_project=admin_project,
                big_project=big_project,
            )
            log("SimRegion was registered for %.1f s (the logins)" % result.registered_seconds)
            horizon = cloud["horizon_url"].rstrip("/")
            if indexed_pages:
                indexes = measure_indexes(
                    result,
                    indexed_pages,
                    sessions=sessions,
                    horizon=horizon,
                    keystone_url=cloud["keystone_url"].rstrip("/"),
                    big_project=big_project,
                    simulator=simulator,
                    refreshes=refreshes,
                )
            if changes:
                simulator.change(changes)
            for attempt in range(repeats + 1):  # round 0 warms Horizon's workers and caches
                for label, who, url in pages:
                    simulator.reset_stats()
                    response, seconds = _get(sessions[who], horizon + url)
                    if response.status_code != 200 or "/auth/login" in response.url:
                        raise RuntimeError(
                            "%s answered %s: %s" % (url, response.status_code, response.text[:300])
                        )
                    stats = simulator.stats()
                    # A page read from the plugin's index asks the simulator nothing.
                    indexed = INDEXED in response.text
                    if not stats["requests"] and not indexed:
                        raise RuntimeError("%s asked the simulator nothing: not SimRegion?" % url)
                    result.rows[label] = len(set(SIM_ROW.findall(response.text)))
                    result.who[label] = who
                    result.urls[label] = url
                    result.requests[label] = stats["requests"]
                    result.items[label] = stats["items"]
                    if attempt:
                        result.times.setdefault(label, []).append(seconds)
            result.stats = simulator.stats()  # the cloud as the pages saw it
            if incremental:
                result.incremental = incremental_listing(simulator, admin_project, incremental)
            result.peak_rss_mib = simulator.stats()["max_rss_mib"]
    finally:
        for session in sessions.values():
            session.close()
        for index in indexes:
            index.close()
        if simulator is not None:
            # A background rebuild started by the timed views fails at its next Nova page
            # and keeps the last index (SimRegion's own, keyed by the region).
            simulator.stop()
        keystone.close()
    return result


def incremental_listing(
    simulator: Simulator, admin_project: str, changes: tuple[int, ...] = (0, 100, 1000)
) -> list[dict]:
    """What an incremental refresh costs at the API at least: after ``n`` changes, every
    server changed since the last look (Nova ``changes-since``, all projects, pages of 1,000
    through novaclient) and every image updated since then (Glance ``updated_at=gte:``, hidden
    ones too, through glanceclient). -> one row per ``n``: requests, rows, seconds."""
    from glanceclient import Client as GlanceClient
    from keystoneauth1 import session as ks_session
    from keystoneauth1 import token_endpoint
    from novaclient import client as nova_client

    from tools.simcloud import data

    compute = "%s/compute/v2.1/%s" % (simulator.url, admin_project)
    auth = token_endpoint.Token(compute, "simulated")
    nova = nova_client.Client("2.42", session=ks_session.Session(auth=auth))
    glance = GlanceClient("2", endpoint="%s/image/%s" % (simulator.url, admin_project), token="x")
    rows = []
    for n in changes:
        # changes-since has one-second resolution: the previous round's changes are more than
        # a second old, so before "since" (now, rounded down to the second)
        time.sleep(1.1)
        since = data.stamp(time.time())
        simulator.change(n)
        simulator.reset_stats()
        started = time.perf_counter()
        servers, marker = [], None
        while True:
            opts = {"all_tenants": True, "changes-since": since, "limit": 1000}
            if marker:
                opts["marker"] = marker
            batch = nova.servers.list(search_opts=opts, sort_keys=["uuid"], sort_dirs=["asc"])
            servers.extend(batch)
            if len(batch) < 1000:
                break
            marker = batch[-1].id
        images = [
            image
            for hidden in (False, True)
            for image in glance.images.list(
                page_size=1000, filters={"updated_at": "gte:" + since, "os_hidden": hidden}
            )
        ]
        seconds = time.perf_counter() - started
        stats = simulator.stats()["requests"]
        rows.append(
            {
                "changes": n,
                "seconds": seconds,
                "nova_requests": stats.get("nova servers/detail", 0),
                "glance_requests": stats.get("glance images", 0),
                "servers": len(servers),
                "deleted": sum(1 for server in servers if server.status == "DELETED"),
                "images": len(images),
            }
        )
    return rows


# ---------------------------------------------------------------- the report
def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def by_service(requests_by_route: dict[str, int]) -> dict[str, int]:
    """The simulator's counts per route -> per service (Nova, Glance)."""
    services = {"Nova": 0, "Glance": 0}
    for route, count in requests_by_route.items():
        first = route.split()[0] if route else ""
        service = "Nova" if first in ("nova", "compute") else "Glance"
        services[service] += count
    return services


def _build_row(what: str, build: dict) -> str:
    services = by_service(build["requests"])
    changed = build.get("changed")
    return "| %s | %s | %s | %.1f | %.1f | %d | %d | %s |" % (
        what,
        build.get("kind", "full"),
        "" if changed is None else f"{changed:,}",
        build["seconds"],
        build["wall_seconds"],
        services["Nova"],
        services["Glance"],
        "" if build.get("horizon_worker_peak_mib") is None else build["horizon_worker_peak_mib"],
    )


def section(result: ScaleResult) -> tuple[list[str], list[str]]:
    """Markdown lines and verdicts for docs/benchmarks.md (tools/bench.py)."""
    medians = result.medians()
    stock = {
        result.who[label]: seconds
        for label, seconds in medians.items()
        if label.startswith("Horizon")
    }
    lines = [
        "Simulated cloud (`tools/simcloud`): %d servers, %d images, %d projects; project "
        "sim-big %d servers. Latency model: %s. Simulator RSS %.0f MiB at start, peak %.0f MiB. "
        "Real Horizon and Keystone, region SimRegion; medians of %d GETs, interleaved, after "
        "one warm-up round.\n"
        % (
            result.stats.get("servers", 0),
            result.stats.get("images", 0),
            result.stats.get("projects", 0),
            result.stats.get("big_project", {}).get("servers", 0),
            result.latency.describe(),
            result.simulator.get("rss_mib", 0),
            result.peak_rss_mib,
            max((len(times) for times in result.times.values()), default=0),
        ),
    ]
    if result.calibration:
        lines += ["Calibration (median seconds of the development cloud's listings):", ""]
        lines += ["- " + line for line in result.calibration] + [""]
    lines += [
        "| page | URL | scope | median s | vs stock | API requests of one view |",
        "|---|---|---|---|---|---|",
    ]
    summary = []
    for label, seconds in medians.items():
        is_stock = label.startswith("Horizon")
        ratio = seconds / stock[result.who[label]] if result.who[label] in stock else None
        calls = ", ".join("%s x%d" % item for item in sorted(result.requests[label].items()))
        lines.append(
            "| %s | `%s` | %s | %.3f | %s | %s |"
            % (
                label,
                result.urls[label],
                "admin, all projects" if result.who[label] == "admin" else "sim-big",
                seconds,
                "" if is_stock or ratio is None else "%.2fx" % ratio,
                calls or "none",
            )
        )
        if is_stock:
            continue
        if result.who[label] == "admin":
            summary.append(
                "simulated cloud %s median within %.1f s: %s (%.2f s)"
                % (label, PAGE_SECONDS, verdict(seconds <= PAGE_SECONDS), seconds)
            )
        if ratio is not None:
            summary.append(
                "simulated cloud %s within %.1fx stock Instances: %s (%.2fx)"
                % (label, PAGE_RATIO, verdict(ratio <= PAGE_RATIO), ratio)
            )
    if result.builds or result.refreshes:
        lines += [
            "",
            "Index builds made by Horizon (a `?refresh=1` view; done when the index's history "
            "records the build): seconds of the build itself and until it was seen done; the "
            "simulator's requests over the build; the Horizon workers' peak RSS (VmHWM, reset "
            "before the build). Keystone is the real one and not counted: a cloud build asks it "
            "for the project list once.",
            "",
            "| build | kind | rows re-assessed | build s | seen done s | Nova requests "
            "| Glance requests | Horizon worker peak MiB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for scope, build in result.builds.items():
            what = "first build, cloud (%s servers, %s images)" % (
                f"{build.get('servers') or 0:,}",
                f"{build.get('images') or 0:,}",
            )
            if scope != "cloud":
                what = (
                    "first build, project sim-big (%s servers)" % f"{build.get('servers') or 0:,}"
                )
            lines.append(_build_row(what, build))
        for row in result.refreshes:
            what = "cloud, %s after %s changes" % (
                "the user's Refresh" if row.get("trigger") == "Refresh" else "refresh",
                f"{row['changes']:,}",
            )
            lines.append(_build_row(what, row))
        cloud = result.builds.get("cloud")
        if cloud is not None:
            peak = cloud.get("horizon_worker_peak_mib")
            summary.append(
                "full build at %s servers: %.0f s; Horizon worker peak RSS within %d MiB: %s (%s)"
                % (
                    f"{cloud.get('servers') or 0:,}",
                    cloud["seconds"],
                    BUILD_MIB,
                    verdict(peak is not None and peak <= BUILD_MIB),
                    "not measured" if peak is None else "%.0f MiB" % peak,
                )
            )
        user_refreshes = [row for row in result.refreshes if row.get("trigger") == "Refresh"]
        if user_refreshes:
            row = user_refreshes[0]
            summary.append(
                "the user's Refresh at 100 changes (every image listed): %.1f s (no target)"
                % row["seconds"]
            )
        background = [row for row in result.refreshes if row.get("trigger") != "Refresh"]
        at_100 = [row for row in background if row["changes"] == 100]
        if at_100:
            row = at_100[0]
            summary.append(
                "refresh at 100 changes within %.0f s: %s (%.1f s, kind %s)"
                % (
                    REFRESH_SECONDS,
                    verdict(row["seconds"] <= REFRESH_SECONDS),
                    row["seconds"],
                    row["kind"],
                )
            )
        if background:
            summary.append(
                "refreshes after %s changes: %s s, kind %s, Horizon worker peak RSS %s MiB "
                "(no target)"
                % (
                    " / ".join(f"{row['changes']:,}" for row in background),
                    " / ".join("%.1f" % row["seconds"] for row in background),
                    " / ".join(str(row["kind"]) for row in background),
                    " / ".join(str(row["horizon_worker_peak_mib"]) for row in background),
                )
            )
        if background and cloud is not None:
            # One cloud size cannot show growth; what grows with the cloud is a listing of
            # all of a service's rows: a refresh asks Nova for a small part of what the full
            # build asked (a tenth at most) and Glance for one page of each of its two image
            # listings (visible, hidden), whatever the number of images; glanceclient reads
            # the image schema besides when a listing returns images (its model).
            full = by_service(cloud["requests"])
            counts = [by_service(row["requests"]) for row in background]
            listings = [row["requests"].get("glance images", 0) for row in background]
            summary.append(
                "refresh requests do not grow with the cloud (Nova under a tenth of the full "
                "build's %d, Glance image listings 2) at %s changes: %s (Nova %s; Glance %s, "
                "of them image listings %s)"
                % (
                    full["Nova"],
                    " / ".join(f"{row['changes']:,}" for row in background),
                    verdict(
                        all(count["Nova"] * 10 < full["Nova"] for count in counts)
                        and all(listed <= 2 for listed in listings)
                    ),
                    " / ".join(str(count["Nova"]) for count in counts),
                    " / ".join(str(count["Glance"]) for count in counts),
                    " / ".join(str(listed) for listed in listings),
                )
            )
    if result.page_memory:
        lines += [
            "",
            "Memory of one view: the Horizon workers' peak RSS (VmHWM) reset to their RSS "
            "(`/proc/<pid>/clear_refs` 5) before the GET and read after it, no build running "
            "before; the worker that grew most. A view of the cloud's index starts a rebuild "
            "in the background (it is older than the 30 s interval), whose first second "
            "overlaps the view.",
            "",
            "| page | seconds | worker RSS before MiB | peak during MiB | growth MiB |",
            "|---|---|---|---|---|",
        ]
        for label, memory in result.page_memory.items():
            lines.append(
                "| %s | %s | %s | %s | %s |"
                % (
                    label,
                    memory.get("seconds", ""),
                    memory.get("rss_mib", ""),
                    memory.get("peak_mib", ""),
                    memory.get("growth_mib", ""),
                )
            )
        admin = [
            (label, memory)
            for label, memory in result.page_memory.items()
            if result.who.get(label, "admin") == "admin"
        ]
        for label, memory in admin:
            growth = memory.get("growth_mib")
            summary.append(
                "one page request at 100,000 (%s) within %d MiB: %s (%s)"
                % (
                    label,
                    PAGE_MIB,
                    verdict(growth is not None and growth <= PAGE_MIB),
                    "not measured" if growth is None else "%.1f MiB" % growth,
                )
            )
    if result.sizes:
        total = sum(size for _count, size, _parts in result.sizes.values())
        lines += [
            "",
            "Items of the cloud's index in memcached (pickled, zlib-compressed; parts: cache "
            "items of at most 900 KiB, with the manifest): %.1f MiB in all." % (total / 2**20),
            "",
            "| item | items | KiB | cache parts |",
            "|---|---|---|---|",
        ]
        for name, (count, size, parts) in sorted(result.sizes.items()):
            lines.append("| `%s` | %d | %.1f | %d |" % (name, count, size / 1024, parts))
    if result.incremental:
        lines += [
            "",
            "The lower bound of a refresh: raw `changes-since` listings (Nova, all projects, "
            "pages of 1,000) and `updated_at` listings (Glance, hidden too) after N changes, "
            "straight to the simulator:",
            "",
            "| changes | Nova requests | Glance requests | servers read (deleted) "
            "| images read | seconds |",
            "|---|---|---|---|---|---|",
        ]
        for row in result.incremental:
            lines.append(
                "| %(changes)d | %(nova_requests)d | %(glance_requests)d "
                "| %(servers)d (%(deleted)d) | %(images)d | %(seconds).2f |" % row
            )
    return lines, summary


def report(result: ScaleResult) -> str:
    lines = [
        "latency model: " + result.latency.describe(),
        "simulator: %d servers, %d images, %d projects; RSS %.1f MiB at start, peak %.1f MiB"
        % (
            result.stats.get("servers", 0),
            result.stats.get("images", 0),
            result.stats.get("projects", 0),
            result.simulator.get("rss_mib", 0),
            result.peak_rss_mib,
        ),
        "SimRegion registered for %.1f s" % result.registered_seconds,
    ]
    if result.stats.get("unknown"):
        lines.append("requests the simulator could not answer: %s" % result.stats["unknown"])
    for label, seconds in result.medians().items():
        items = result.items[label]
        calls = ", ".join(
            "%s x%d%s" % (route, count, " (%d rows)" % items[route] if items.get(route) else "")
            for route, count in sorted(result.requests[label].items())
        )
        lines.append(
            "%-48s median %.3f s over %d (%d simulated servers shown; API: %s)"
            % (label, seconds, len(result.times[label]), result.rows[label], calls or "none")
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Horizon pages on the simulated large cloud.")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--latency", type=pathlib.Path, help="a model (latency.py --json)")
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="WHO=PATH",
        help="a page to time besides the stock ones; WHO is admin or big",
    )
    parser.add_argument("--plugin", action="store_true", help="the plugin's pages too")
    parser.add_argument("--changes", type=int, default=0)
    parser.add_argument(
        "--refreshes",
        default=",".join(map(str, REFRESH_CHANGES)),
        help="refresh the cloud's index through Horizon after N changes (with --plugin)",
    )
    parser.add_argument(
        "--incremental", default="0,100,1000", help="changes-since listings after N changes"
    )
    args = parser.parse_args()
    pages = STOCK_PAGES + (PLUGIN_PAGES if args.plugin else [])
    for item in args.url:
        who, _, path = item.partition("=")
        pages.append(("%s %s" % (path, who), who, path))
    latency = LatencyModel.from_json(args.latency.read_text()) if args.latency else None
    incremental = tuple(int(n) for n in args.incremental.split(",") if n)
    refreshes = tuple(int(n) for n in args.refreshes.split(",") if n)
    result = measure(
        pages,
        repeats=args.repeats,
        latency=latency,
        changes=args.changes,
        incremental=incremental,
        refreshes=refreshes,
    )
    print(report(result))
    lines, summary = section(result)
    print("\n".join(lines))
    print("\n".join("- " + line for line in summary))


if __name__ == "__main__":
    main()
