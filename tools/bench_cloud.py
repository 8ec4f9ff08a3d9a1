"""Part 3: the pages on the development cloud (devcloud/cloud.sh up), real logins, real APIs.

Seeds a project of its own, ``bench`` (member ``bench-member``), with 1,000 private images
(tiny raw uploads with SCS properties, from tools.bench_data) and 500 instances on the fake
driver (no network), once: a later run finds them (tag / metadata ``patch-dashboard-bench``)
and only tops up what is missing (servers a cloud restart left in ERROR or stuck in BUILD are
deleted and replaced). Nothing outside the project changes: the images are private to
``bench``, so other projects' pages are not flooded; the admin's all-projects pages (Admin >
Instances, Patch Compliance, Image Lifecycle) do see them, as they see every project.

Then times logged-in GETs of each plugin page against Horizon's stock Instances page, in one
run, interleaved, medians.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from statistics import median

from tools import bench_data

CHECKOUT = pathlib.Path(__file__).resolve().parent.parent
CREDENTIALS = CHECKOUT / ".devcloud" / "credentials.json"
PROJECT = "bench"
USER = {"username": "bench-member", "password": "bench-pass-7f3c"}
TAG = "patch-dashboard-bench"
IMAGES = 1000
SERVERS = 500
BATCH = 25  # servers per create request (Nova multi-create), one image per batch
FLAVOR = "m1.tiny"
PROJECT_PAGES = {
    "Image Patch Status": "/project/image_patch_status/",
    "Outdated Instances": "/project/outdated_instances/",
}
ADMIN_PAGES = {"Patch Compliance (admin)": "/admin/patch_compliance/"}
STOCK_PROJECT = "/project/instances/"
STOCK_ADMIN = "/admin/instances/"


def log(message: str) -> None:
    print("  [devcloud %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


@dataclass
class CloudResult:
    skipped: str | None = None  # why, when the cloud was not there
    repeats: int = 0
    seeded_images: int = 0
    seeded_servers: int = 0
    seed_seconds: float = 0.0
    times: dict[str, list[float]] = field(default_factory=dict)  # label -> seconds
    urls: dict[str, str] = field(default_factory=dict)
    who: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # table rows the page showed

    def median(self, label: str) -> float:
        return median(self.times[label])


def available() -> tuple[dict | None, str | None]:
    """The cloud's credentials, or why the cloud cannot be used."""
    import requests

    if not CREDENTIALS.is_file():
        return None, "%s missing (start it with `make demo`)" % CREDENTIALS
    cloud = json.loads(CREDENTIALS.read_text())
    for name, url in (("Keystone", cloud["keystone_url"]), ("Horizon", cloud["horizon_url"])):
        try:
            requests.get(url, timeout=5).raise_for_status()
        except requests.RequestException as exc:
            return None, "%s does not answer (%s); start the cloud with `make demo`" % (name, exc)
    return cloud, None


def _connect(cloud, username, password, project):
    import openstack

    return openstack.connect(
        auth_url=cloud["keystone_url"],
        username=username,
        password=password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=cloud["region"],
        identity_api_version="3",
        image_api_version="2",
    )


def _check(response, what):
    if response.status_code >= 400:
        raise RuntimeError("%s: HTTP %s %s" % (what, response.status_code, response.text[:300]))
    return response


def ensure_project(cloud):
    """Project ``bench``, its member, unlimited compute quota; returns the member's session."""
    admin_user = cloud["users"]["admin"]
    admin = _connect(cloud, admin_user["username"], admin_user["password"], admin_user["project"])
    identity = admin.identity
    domain = identity.find_domain("default")
    project = identity.find_project(PROJECT, domain_id=domain.id)
    if project is None:
        project = identity.create_project(
            name=PROJECT, domain_id=domain.id, description="patch-dashboard benchmark (make bench)"
        )
    user = identity.find_user(USER["username"], domain_id=domain.id)
    if user is None:
        user = identity.create_user(
            name=USER["username"],
            password=USER["password"],
            domain_id=domain.id,
            default_project_id=project.id,
        )
    member = identity.find_role("member")
    identity.assign_project_role_to_user(project, user, member)
    admin.set_compute_quotas(project.id, instances=-1, cores=-1, ram=-1)
    flavor = admin.compute.find_flavor(FLAVOR)
    return admin, _connect(cloud, USER["username"], USER["password"], PROJECT), flavor


LINKS = ("replaced_by", "base_image_ref")  # image ids: set once the real ids are known


def _raw_image(conn, spec: bench_data.ImageSpec, owner: str) -> str:
    body = {
        "owner": owner,
        "name": spec.name,
        "disk_format": "raw",
        "container_format": "bare",
        "visibility": "private",  # the bench project's own: nobody else's pages see them
        "os_hidden": spec.hidden,
        "min_ram": spec.min_ram,
        "min_disk": spec.min_disk,
        "tags": [TAG, "bench:%s" % spec.key],
    }
    body.update((k, v) for k, v in spec.properties.items() if k not in LINKS)
    image = _check(conn.image.post("/images", json=body), "create %s" % spec.name).json()
    _check(
        conn.image.put(
            "/images/%s/file" % image["id"],
            data=b"\0" * 512,
            headers={"Content-Type": "application/octet-stream"},
        ),
        "upload %s" % spec.name,
    )
    return image["id"]


def _existing_images(conn) -> dict[str, dict]:
    """Seeded images by bench key (hidden ones included)."""
    found = {}
    for hidden in ("false", "true"):
        url = "/images?limit=1000&tag=%s&os_hidden=%s" % (TAG, hidden)
        while url:
            page = _check(conn.image.get(url), "list images").json()
            for image in page["images"]:
                for tag in image.get("tags", []):
                    if tag.startswith("bench:"):
                        found[tag[6:]] = image
            url = page.get("next", "").replace("/v2", "", 1) or None
    return found


def _finish(conn, spec: bench_data.ImageSpec, image: dict, real_id: dict[str, str]) -> bool:
    """Links to other images (by their real ids), then deactivation: once per image."""
    changed = False
    ops = []
    for key in LINKS:
        target = real_id.get(spec.properties.get(key, ""))
        if target and image.get(key) != target:
            ops.append({"op": "add", "path": "/" + key, "value": target})
    if ops:
        _check(
            conn.image.patch(
                "/images/%s" % image["id"],
                json=ops,
                headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
            ),
            "link %s" % spec.key,
        )
        changed = True
    if spec.deactivate and image["status"] == "active":
        _check(
            conn.image.post("/images/%s/actions/deactivate" % image["id"]),
            "deactivate %s" % spec.key,
        )
        changed = True
    return changed


def seed_images(conn, owner: str) -> dict[str, dict]:
    """The bench's images, made by the admin (``conn``) for the bench project (``owner``):
    the lifecycle keys they carry are the admin's to write where Glance's property
    protections are set, as in the development cloud (docs/security.md)."""
    specs = bench_data.image_specs(IMAGES)
    existing = _existing_images(conn)
    missing = [spec for spec in specs if spec.key not in existing]
    if missing:
        log("creating %d images (raw, 512 bytes each, private to %s)" % (len(missing), PROJECT))
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda spec: _raw_image(conn, spec, owner), missing))
        existing = _existing_images(conn)
    # synthetic id (what bench_data's properties name) -> the id Glance gave the image
    real_id = {
        bench_data.glance_image(spec)["id"]: existing[spec.key]["id"]
        for spec in specs
        if spec.key in existing
    }
    # Idempotent, and costs no call where nothing is left to do (a run cut short resumes).
    with ThreadPoolExecutor(4) as pool:
        changed = list(
            pool.map(
                lambda spec: _finish(conn, spec, existing[spec.key], real_id),
                [spec for spec in specs if spec.key in existing],
            )
        )
    return _existing_images(conn) if any(changed) else existing


def seed_servers(conn, images: dict[str, dict], flavor) -> int:
    have = _usable_servers(conn)
    missing = SERVERS - len(have)
    if missing <= 0:
        return len(have)
    specs = bench_data.image_specs(IMAGES)
    fits = {
        spec.key
        for spec in specs
        if spec.min_ram <= flavor.ram
        and spec.min_disk <= flavor.disk
        and "hw_cpu_policy" not in spec.properties  # the fake driver has no dedicated CPUs
    }
    bootable = [
        key
        for key in bench_data.server_images(specs, SERVERS * 4, seed=7)
        if key in fits and images.get(key, {}).get("status") == "active"
    ]
    log("booting %d servers in batches of %d (fake driver, no network)" % (missing, BATCH))
    batch_index = len(have) // BATCH
    while missing > 0:
        count = min(BATCH, missing)
        image = images[bootable[batch_index % len(bootable)]]
        conn.compute.create_server(
            name="bench-%03d" % batch_index,
            image_id=image["id"],
            flavor_id=flavor.id,
            networks="none",
            min_count=count,
            max_count=count,
            metadata={"seeded_by": TAG},
        )
        batch_index += 1
        missing -= count
        _wait_active(conn, limit_pending=2 * BATCH)
    _wait_active(conn, limit_pending=0)
    return len(_usable_servers(conn))


def _usable_servers(conn) -> list:
    """The seeded servers, after deleting any a cloud restart left in ERROR or stuck in BUILD
    (the fake driver keeps instances in memory; a build cut short never finishes)."""
    servers = [s for s in conn.compute.servers() if s.name.startswith("bench-")]
    stale = time.time() - 600
    broken = [
        s
        for s in servers
        if s.status == "ERROR"
        or (
            s.status == "BUILD"
            and dt.datetime.fromisoformat(s.created_at.replace("Z", "+00:00")).timestamp() < stale
        )
    ]
    for server in broken:
        conn.compute.delete_server(server, ignore_missing=True)
    if broken:
        log("deleted %d servers left broken by an earlier run" % len(broken))
    gone = {s.id for s in broken}
    return [s for s in servers if s.id not in gone]


def _wait_active(conn, *, limit_pending: int, timeout: float = 600) -> None:
    """Wait until at most ``limit_pending`` servers are still building (Nova's queue short).

    Asks for ids only, filtered by status on Nova's side: a detailed listing of hundreds of
    servers every few seconds would itself load the small cloud.
    """
    deadline = time.time() + timeout
    while True:
        errors = list(conn.compute.servers(details=False, status="ERROR"))
        if errors:
            raise RuntimeError("servers in ERROR: %s" % [s.name for s in errors[:5]])
        building = list(conn.compute.servers(details=False, status="BUILD"))
        if len(building) <= limit_pending:
            return
        if time.time() > deadline:
            raise RuntimeError("%d servers still building after %d s" % (len(building), timeout))
        time.sleep(3)


def login(cloud, username, password):
    from tests.integration.conftest import horizon_login

    # Horizon's and the plugin's page sizes as deployed (20 and 100 rows), no user setting.
    return horizon_login(cloud["horizon_url"], username, password, items_per_page=None)


def run(*, repeats: int = 5) -> CloudResult:
    cloud, why = available()
    if cloud is None:
        return CloudResult(skipped=why)
    started = time.perf_counter()
    admin_conn, member, flavor = ensure_project(cloud)
    images = seed_images(admin_conn, member.current_project_id)
    servers = seed_servers(member, images, flavor)
    result = CloudResult(
        repeats=repeats,
        seeded_images=len(images),
        seeded_servers=servers,
        seed_seconds=time.perf_counter() - started,
    )
    admin = cloud["users"]["admin"]
    sessions = {
        "member": login(cloud, USER["username"], USER["password"]),
        "admin": login(cloud, admin["username"], admin["password"]),
    }
    plan = [(label, url, "member") for label, url in PROJECT_PAGES.items()]
    plan.append(("Horizon Instances", STOCK_PROJECT, "member"))
    plan += [(label, url, "admin") for label, url in ADMIN_PAGES.items()]
    plan.append(("Horizon Instances (admin)", STOCK_ADMIN, "admin"))
    base = cloud["horizon_url"].rstrip("/")
    for attempt in range(repeats + 1):  # round 0 warms Horizon's caches and workers
        for label, url, who in plan:
            start = time.perf_counter()
            response = sessions[who].get(base + url, timeout=300)
            seconds = time.perf_counter() - start
            if response.status_code != 200 or "/auth/login" in response.url:
                raise RuntimeError("%s answered %s (%s)" % (url, response.status_code, who))
            if attempt:
                result.times.setdefault(label, []).append(seconds)
            result.urls[label] = url
            result.who[label] = who
            result.rows[label] = len(re.findall(r"<tr[^>]*data-object-id=", response.text))
    for session in sessions.values():
        session.close()
    return result
