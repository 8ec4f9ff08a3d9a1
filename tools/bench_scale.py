"""Pages of real Horizon against the simulated large cloud (tools/simcloud), real Keystone.

What one run does:

1. Fits the simulator's latency model to the development cloud's real Nova and Glance
   (:func:`tools.simcloud.latency.calibrate`), unless a model is given.
2. Creates Keystone project ``sim-big`` (admin a member) and starts the simulator (100,000
   servers, 5,000 images, 1,000 projects; sim-big's 2,000 servers under the Keystone id) in a
   process of its own on a free loopback port.
3. Registers region ``SimRegion`` (compute and image endpoints at the simulator) for as long as
   two Horizon logins and project switches take (admin in the admin project; admin in
   sim-big), about a second, and removes it: the sessions keep the catalog they logged in
   with. Then switches both to SimRegion the way Horizon's region menu does
   (``/auth/switch_services_region/SimRegion/``).
4. Times each page (one warm-up round, then ``repeats`` rounds, interleaved) and prints the
   medians, with the simulator's request counts and memory. Every page must answer 200 and
   have asked the simulator (its request counts), or the run fails; the simulated servers it
   shows (``-vm-`` in their names) are counted.
5. Makes 0, 100 and 1,000 changes in the simulator and after each lists what changed the way
   an incremental refresh would (:func:`incremental_listing`): requests, rows, seconds.

    python -m tools.bench_scale                      # the stock Instances pages
    python -m tools.bench_scale --plugin             # and the plugin's four pages
    python -m tools.bench_scale --url admin=/admin/patch_compliance/ --repeats 5

Project sim-big, the region and the simulator process are removed in ``finally`` blocks.
"""

from __future__ import annotations

import argparse
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
# The plugin's pages (issue 13 measures them against the stock ones). Until the index of
# issue 13 lands they list the whole scope per view: at the calibrated latency the admin ones
# would take longer than Horizon's gunicorn timeout (120 s) on 100,000 servers (100 Nova pages
# of 1,000 at ~5-10 ms a server), so they are not in the default run (--plugin adds them).
PLUGIN_PAGES = [
    ("Patch Compliance (admin)", "admin", "/admin/patch_compliance/"),
    ("Image Lifecycle (admin)", "admin", "/admin/image_lifecycle/"),
    ("Outdated Instances (sim-big)", "big", "/project/outdated_instances/"),
    ("Image Patch Status (sim-big)", "big", "/project/image_patch_status/"),
]
SIM_ROW = re.compile(r"-vm-\d{6}")
TIMEOUT = 300


def log(message: str) -> None:
    print("  [scale %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


@dataclass
class ScaleResult:
    latency: LatencyModel
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
    index_builds: dict[str, dict] = field(default_factory=dict)  # see wait_for_index()

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


INDEXED = 'id="patch-index-status"'
BUILDING = 'data-building="true"'
INDEX_BUILD_LIMIT = 1800  # s: 100 Nova pages at the calibrated latency take ~15 min


def wait_for_index(result, label, session, url, simulator) -> None:
    """For a page served from the plugin's index: its first visit (cold), then every few
    seconds until the build is done; records the build's seconds and the simulator's
    requests during it (``result.index_builds``). Stock pages: nothing."""
    simulator.reset_stats()
    started = time.perf_counter()
    response, _seconds = _get(session, url)
    if INDEXED not in response.text:
        return
    while BUILDING in response.text:
        if time.perf_counter() - started > INDEX_BUILD_LIMIT:
            raise RuntimeError("the index of %s was not built in %d s" % (url, INDEX_BUILD_LIMIT))
        time.sleep(5)
        response, _seconds = _get(session, url)
    stats = simulator.stats()
    result.index_builds[label] = {
        "seconds": round(time.perf_counter() - started, 1),
        "requests": sum(stats["requests"].values()),
        "items": sum(stats["items"].values()),
        "horizon_worker_peak_mib": horizon_worker_peak_mib(),
    }
    log("%s: index built in %.1f s" % (label, result.index_builds[label]["seconds"]))


def horizon_worker_peak_mib() -> float | None:
    """The largest peak RSS (VmHWM) of the development cloud's Horizon workers."""
    try:
        master = int((CHECKOUT / ".devcloud" / "run" / "horizon.pid").read_text().split()[0])
        children = pathlib.Path("/proc/%d/task/%d/children" % (master, master)).read_text()
        peaks = []
        for pid in children.split():
            for line in pathlib.Path("/proc/%s/status" % pid).read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return round(max(peaks), 1) if peaks else None
    except (OSError, ValueError):
        return None


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


def measure(
    pages: list[tuple[str, str, str]],
    *,
    repeats: int = 5,
    latency: LatencyModel | None = None,
    credentials_path: pathlib.Path = CREDENTIALS,
    changes: int = 0,
    incremental: tuple[int, ...] = (),
) -> ScaleResult:
    """Median seconds of each ``(label, who, url)`` page of real Horizon on the simulated cloud.

    ``who``: "admin" (the admin project: every project's servers) or "big" (admin in sim-big).
    ``changes``: servers changed in the simulator before the timed rounds; ``incremental``:
    afterwards, :func:`incremental_listing` at these numbers of changes."""
    cloud = json.loads(credentials_path.read_text())
    if latency is None:
        log("calibrating the latency model against the development cloud")
        latency = calibrate(credentials_path, log=log)
    log(latency.describe())
    result = ScaleResult(latency=latency)
    keystone = sim_keystone.Keystone(credentials_path)
    simulator = None
    sessions: dict[str, requests.Session] = {}
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
            if changes:
                simulator.change(changes)
            horizon = cloud["horizon_url"].rstrip("/")
            for attempt in range(repeats + 1):  # round 0 warms Horizon's workers and caches
                for label, who, url in pages:
                    if not attempt:
                        wait_for_index(result, label, sessions[who], horizon + url, simulator)
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
        if simulator is not None:
            simulator.stop()
        keystone.close()
    return result


def incremental_listing(
    simulator: Simulator, admin_project: str, changes: tuple[int, ...] = (0, 100, 1000)
) -> list[dict]:
    """What an incremental refresh costs at the API: after ``n`` changes, every server changed
    since the last look (Nova ``changes-since``, all projects, pages of 1,000 through
    novaclient) and every image updated since then (Glance ``updated_at=gte:``, hidden ones
    too, through glanceclient). -> one row per ``n``: requests, rows, seconds."""
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
                calls,
            )
        )
        if not is_stock and ratio is not None:
            summary.append(
                "simulated cloud %s within 1.0x stock Instances: %s (%.2fx)"
                % (label, "PASS" if ratio <= 1.0 else "FAIL", ratio)
            )
    if result.incremental:
        lines += [
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
            % (label, seconds, len(result.times[label]), result.rows[label], calls)
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
        "--incremental", default="0,100,1000", help="changes-since listings after N changes"
    )
    args = parser.parse_args()
    pages = STOCK_PAGES + (PLUGIN_PAGES if args.plugin else [])
    for item in args.url:
        who, _, path = item.partition("=")
        pages.append(("%s %s" % (path, who), who, path))
    latency = LatencyModel.from_json(args.latency.read_text()) if args.latency else None
    incremental = tuple(int(n) for n in args.incremental.split(",") if n)
    result = measure(
        pages,
        repeats=args.repeats,
        latency=latency,
        changes=args.changes,
        incremental=incremental,
    )
    print(report(result))
    print("\n".join(section(result)[0]))
    for label, build in result.index_builds.items():
        print("index build, %s: %s" % (label, build))


if __name__ == "__main__":
    main()
