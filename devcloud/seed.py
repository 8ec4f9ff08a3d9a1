"""Seed the development cloud with a realistic, lifecycle-rich picture (one process).

Projects alpha and beta with a member each; flavors (one private to alpha);
image families in every patch state (current, superseded, stale, deprecated,
obsolete, end-of-life, unknown/broken metadata), osism-style renamed builds, a
snapshot, images with min_ram/min_disk, a private image per project; instances
in both projects on current, superseded, deprecated, obsolete and deleted
images.  History is replayed in order: images are created, instances booted,
and only then are builds deprecated, hidden, deactivated, renamed or deleted,
as it happens in a real cloud.

Writes <state>/credentials.json.  Runs once per fresh state (cloud.sh keeps a
marker); a half-finished earlier run is refused: wipe with `cloud.sh clean`.
"""

import argparse
import datetime as dt
import json
import os
import struct
import sys
import time

import openstack

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
DOMAIN = "Default"
GiB = 1024**3

USERS = {
    "alpha": {"username": "alpha-member", "password": "alpha-pass", "project": "alpha"},
    "beta": {"username": "beta-member", "password": "beta-pass", "project": "beta"},
}

# Keys only the admin role may write (devcloud/property-protections-roles.conf, the Glance
# property protections docs/security.md recommends): a member's image that carries them is
# created by its member without them, then completed by the admin, as an image pipeline would.
ADMIN_ONLY_KEYS = frozenset(
    {
        "deprecation_state",
        "deprecated_at",
        "obsolete_at",
        "replaced_by",
        "deprecation_reason",
        "deprecated_by",
        "patch_dashboard_applied",
        "image_build_date",
        "patchlevel",
        "replace_frequency",
        "provided_until",
        "maintained_until",
        "image_name",
        "internal_version",
    }
)

FLAVORS = [  # name, vcpus, ram MiB, disk GiB, public
    ("m1.tiny", 1, 512, 1, True),
    ("m1.small", 1, 2048, 20, True),
    ("m1.medium", 2, 4096, 40, True),
    ("m1.large", 4, 8192, 80, True),
    ("m1.xlarge", 8, 16384, 160, True),
    ("alpha.highmem", 2, 12288, 40, False),  # private: project alpha only
]


def day(days_ago):
    return (NOW - dt.timedelta(days=days_ago)).strftime("%Y-%m-%d")


def stamp(days_ago):
    return (NOW - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def log(msg):
    print("[seed %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# --------------------------------------------------------------------- qcow2
def qcow2_image(virtual_size=GiB, cluster_bits=16):
    """A valid, empty qcow2 v3 image (what `qemu-img create -f qcow2` writes).

    Layout, one cluster each: header, refcount table, refcount block, L1 table.
    No backing file, no data file, no encryption: Glance's format inspector
    accepts it and reads its virtual size.
    """
    cs = 1 << cluster_bits
    l2_entries = cs // 8
    l1_size = -(-virtual_size // (l2_entries * cs))
    rt_off, rb_off, l1_off = cs, 2 * cs, 3 * cs
    header = (
        struct.pack(
            ">IIQIIQIIQQIIQ",
            0x514649FB,  # magic "QFI\xfb"
            3,  # version
            0,
            0,  # backing file offset, size
            cluster_bits,
            virtual_size,
            0,  # crypt method
            l1_size,
            l1_off,
            rt_off,
            1,  # refcount table offset, clusters
            0,
            0,  # snapshots
        )
        + struct.pack(
            ">QQQII",
            0,
            0,
            0,  # incompatible, compatible, autoclear features
            4,  # refcount order: 16-bit refcounts
            104,  # header length
        )
        + struct.pack(">II", 0, 0)
    )  # end of header extensions
    buf = bytearray(4 * cs)
    buf[: len(header)] = header
    struct.pack_into(">Q", buf, rt_off, rb_off)
    for i in range(4):  # clusters 0-3 are in use once each
        struct.pack_into(">H", buf, rb_off + 2 * i, 1)
    return bytes(buf)


# --------------------------------------------------------------------- helpers
def connect(args, username, password, project):
    return openstack.connect(
        auth_url=args.keystone,
        username=username,
        password=password,
        project_name=project,
        user_domain_name=DOMAIN,
        project_domain_name=DOMAIN,
        region_name="RegionOne",
        identity_api_version="3",
        image_api_version="2",
    )


def check(resp, what):
    if resp.status_code >= 400:
        raise RuntimeError("%s: HTTP %s %s" % (what, resp.status_code, resp.text[:500]))
    return resp


class Images:
    """Glance through raw v2 calls: exact names and properties, no name lookups."""

    PATCH_CT = {"Content-Type": "application/openstack-images-v2.1-json-patch"}

    def __init__(self, conn):
        self.conn = conn

    def create(self, name, props, visibility="public", min_ram=0, min_disk=0, tags=(), size=GiB):
        body = {
            "name": name,
            "disk_format": "qcow2",
            "container_format": "bare",
            "visibility": visibility,
            "min_ram": min_ram,
            "min_disk": min_disk,
            "tags": list(tags),
        }
        body.update({k: str(v) for k, v in props.items()})
        img = check(self.conn.image.post("/images", json=body), "create image %s" % name).json()
        self.upload(img["id"], size)
        return img["id"]

    def upload(self, image_id, size=GiB):
        check(
            self.conn.image.put(
                "/images/%s/file" % image_id,
                data=qcow2_image(size),
                headers={"Content-Type": "application/octet-stream"},
            ),
            "upload %s" % image_id,
        )
        deadline = time.time() + 60
        while True:
            img = self.get(image_id)
            if img["status"] == "active":
                return img
            if img["status"] in ("killed", "deleted") or time.time() > deadline:
                raise RuntimeError("image %s ended %s" % (image_id, img["status"]))
            time.sleep(0.3)

    def get(self, image_id):
        return check(self.conn.image.get("/images/%s" % image_id), "get image").json()

    def update(self, image_id, **changes):
        current = self.get(image_id)
        ops = []
        for key, value in changes.items():
            if key not in ("os_hidden", "min_ram", "min_disk"):
                value = str(value)
            ops.append(
                {"op": "replace" if key in current else "add", "path": "/" + key, "value": value}
            )
        check(
            self.conn.image.patch("/images/%s" % image_id, json=ops, headers=self.PATCH_CT),
            "update image %s" % image_id,
        )

    def deactivate(self, image_id):
        check(
            self.conn.image.post("/images/%s/actions/deactivate" % image_id),
            "deactivate %s" % image_id,
        )

    def delete(self, image_id):
        check(self.conn.image.delete("/images/%s" % image_id), "delete %s" % image_id)


def scs(distro, version, build_days_ago, frequency, patchlevel=None, **extra):
    """SCS scs-0102 properties of a generic image build."""
    props = {
        "os_distro": distro,
        "os_version": version,
        "architecture": "x86_64",
        "os_purpose": "generic",
        "hw_disk_bus": "scsi",
        "hw_scsi_model": "virtio-scsi",
        "hw_qemu_guest_agent": "yes",
        "image_build_date": day(build_days_ago),
        "replace_frequency": frequency,
        "provided_until": "none",
        "uuid_validity": "last-3",
        "hotfix_hours": "48",
        "image_original_user": {
            "ubuntu": "ubuntu",
            "debian": "debian",
            "centos": "cloud-user",
            "fedora": "fedora",
            "opensuse": "opensuse",
            "alpine": "alpine",
            "windows": "Administrator",
        }.get(distro, "root"),
        "image_description": "https://docs.example.org/images/%s-%s" % (distro, version),
        "image_source": "https://cloud-images.example.org/%s/%s/%s.qcow2"
        % (distro, version, day(build_days_ago).replace("-", "")),
    }
    if patchlevel is not None:
        props["patchlevel"] = patchlevel
    props.update(extra)
    return props


# --------------------------------------------------------------------- seed
def ensure_identity(admin):
    idn = admin.identity
    domain = idn.find_domain("default")
    roles = {r.name: r for r in idn.roles()}
    projects = {}
    for key, spec in USERS.items():
        if idn.find_project(spec["project"], domain_id=domain.id) is not None:
            raise SystemExit(
                "project %r already exists but the seed never finished: wipe the state "
                "with `bash devcloud/cloud.sh clean` and run `up` again" % spec["project"]
            )
        project = idn.create_project(
            name=spec["project"], domain_id=domain.id, description="devcloud project %s" % key
        )
        user = idn.create_user(
            name=spec["username"],
            password=spec["password"],
            domain_id=domain.id,
            default_project_id=project.id,
            email="%s@example.org" % spec["username"],
        )
        idn.assign_project_role_to_user(project, user, roles["member"])
        projects[key] = project
    admin_user = idn.find_user("admin", domain_id=domain.id)
    return projects, admin_user


def ensure_flavors(admin, projects):
    flavors = {f.name: f for f in admin.compute.flavors(is_public=None)}
    for name, vcpus, ram, disk, public in FLAVORS:
        if name not in flavors:
            flavors[name] = admin.compute.create_flavor(
                name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=public
            )
        if not public:
            admin.compute.flavor_add_tenant_access(flavors[name], projects["alpha"].id)
    return {name: flavors[name].id for name, *_ in FLAVORS}


def boot_all(conns, plan, flavors):
    """Create every server (no network), then wait for all to be ACTIVE."""
    servers = {}
    for name, (project, image_id, flavor) in plan.items():
        srv = conns[project].compute.create_server(
            name=name,
            image_id=image_id,
            flavor_id=flavors[flavor],
            networks="none",
            metadata={"devcloud": "seed"},
        )
        servers[name] = (project, srv.id)
    deadline = time.time() + 180
    pending = dict(servers)
    while pending:
        for name, (project, sid) in list(pending.items()):
            srv = conns[project].compute.get_server(sid)
            if srv.status == "ACTIVE" and not srv.task_state:
                del pending[name]
            elif srv.status == "ERROR":
                raise RuntimeError("server %s went to ERROR: %s" % (name, srv.fault))
        if pending:
            if time.time() > deadline:
                raise RuntimeError("servers not ACTIVE after 180 s: %s" % sorted(pending))
            time.sleep(0.5)
    return {name: sid for name, (project, sid) in servers.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--state", required=True)
    p.add_argument("--keystone", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--horizon", required=True)
    args = p.parse_args()
    t0 = time.time()

    admin = connect(args, "admin", args.admin_password, "admin")
    log("identity: projects alpha, beta and their members")
    projects, admin_user = ensure_identity(admin)
    conns = {
        key: connect(args, s["username"], s["password"], s["project"]) for key, s in USERS.items()
    }
    conns["admin"] = admin

    log("flavors")
    flavors = ensure_flavors(admin, projects)
    # The seed fills most of Nova's default quota (10 instances); leave room for a person
    # (and the tests) to launch replacements from the wizard.
    for project in projects.values():
        admin.set_compute_quotas(project.id, instances=40, cores=80, ram=81920)

    log("images: families, builds and states (valid qcow2 uploads)")
    g = Images(admin)
    imgs, meta = {}, {}

    def add(label, name, props, expected, conn_key="admin", **kw):
        if conn_key == "admin":
            imgs[label] = g.create(name, props, **kw)
        else:  # the member creates it; the keys protected from members come from the admin
            own = {k: v for k, v in props.items() if k not in ADMIN_ONLY_KEYS}
            imgs[label] = Images(conns[conn_key]).create(name, own, **kw)
            protected = {k: v for k, v in props.items() if k in ADMIN_ONLY_KEYS}
            if protected:
                g.update(imgs[label], **protected)
        meta[label] = {
            "id": imgs[label],
            "name": name,
            "expected_state": expected,
            "owner": conn_key if conn_key != "admin" else "admin",
            "visibility": kw.get("visibility", "public"),
        }

    # Ubuntu 24.04: three builds, the newest is current
    add(
        "ubuntu-2404-old",
        "Ubuntu 24.04 %s" % day(75).replace("-", ""),
        scs("ubuntu", "24.04", 75, "monthly", patchlevel="24.04.2", os_purpose="oldgeneric"),
        "superseded",
        min_disk=5,
    )
    add(
        "ubuntu-2404-prev",
        "Ubuntu 24.04 %s" % day(40).replace("-", ""),
        scs("ubuntu", "24.04", 40, "monthly", patchlevel="24.04.3"),
        "superseded",
        min_disk=5,
    )
    add(
        "ubuntu-2404",
        "Ubuntu 24.04",
        scs("ubuntu", "24.04", 6, "monthly", patchlevel="24.04.3"),
        "current",
        min_disk=5,
    )
    # Debian 12: a build deprecated for CVEs, and its replacement
    add(
        "debian-12-deprecated",
        "Debian 12 %s" % day(150).replace("-", ""),
        scs("debian", "12", 150, "quarterly", patchlevel="12.9"),
        "deprecated",
    )
    add(
        "debian-12",
        "Debian 12",
        scs("debian", "12", 12, "quarterly", patchlevel="12.12"),
        "current",
    )
    # stale: only build, older than 1.1 x replace_frequency
    add(
        "centos-stream-9-stale",
        "CentOS Stream 9",
        scs("centos", "9", 120, "monthly", patchlevel="9-20250727"),
        "stale",
    )
    # end-of-life: provided_until in the past
    add(
        "ubuntu-2004-eol",
        "Ubuntu 20.04",
        scs(
            "ubuntu",
            "20.04",
            220,
            "never",
            patchlevel="20.04.6",
            provided_until=day(45),
            maintained_until=day(45),
        ),
        "end-of-life",
    )
    # obsolete (deactivated later) and the family's current build
    add("fedora-40-obsolete", "Fedora 40", scs("fedora", "40", 400, "monthly"), "obsolete")
    add("fedora-42", "Fedora 42", scs("fedora", "42", 5, "monthly"), "current")
    # osism openstack-image-manager style: the old build is renamed "Name (version)"
    osism = {
        "image_name": "Rocky 9",
        "os_distro": "rocky",
        "os_version": "9",
        "architecture": "x86_64",
        "os_purpose": "generic",
        "hw_disk_bus": "scsi",
        "hw_scsi_model": "virtio-scsi",
        "replace_frequency": "quarterly",
        "image_original_user": "rocky",
        "uuid_validity": "last-3",
        "image_description": "https://docs.rockylinux.org",
        "provided_until": "none",
    }
    add(
        "rocky-9-prev",
        "Rocky 9",
        dict(
            osism,
            internal_version="20240901",
            image_build_date="2024-09-01",
            image_source="https://dl.rockylinux.org/pub/rocky/9/images/x86_64/"
            "Rocky-9-GenericCloud-Base-9.4-20240901.0.x86_64.qcow2",
        ),
        "superseded",
        tags=["managed_by_osism", "os:rocky"],
    )
    # broken metadata: unparsable date, unknown enum
    add(
        "alpine-broken",
        "Alpine 3.20",
        scs(
            "alpine",
            "3.20",
            0,
            "fortnightly",
            image_build_date="sometime in spring",
            provided_until="when it breaks",
        ),
        "unknown",
    )
    # min_ram / min_disk
    add(
        "opensuse-leap-156",
        "openSUSE Leap 15.6",
        scs("opensuse", "15.6", 25, "quarterly", patchlevel="15.6.20"),
        "current",
        min_ram=2048,
        min_disk=20,
    )
    add(
        "windows-2022",
        "Windows Server 2022",
        scs("windows", "2022", 8, "monthly", patchlevel="20348.3932", os_type="windows"),
        "current",
        min_ram=4096,
        min_disk=40,
        size=40 * GiB,
    )
    # an image deleted after instances were launched from it
    add(
        "cirros-deleted",
        "CirrOS 0.6.2",
        {"os_distro": "cirros", "os_version": "0.6.2", "architecture": "x86_64"},
        "deleted",
    )
    # a private image in each project, created by its member
    add(
        "alpha-private",
        "alpha-app-golden",
        scs(
            "ubuntu",
            "24.04",
            4,
            "monthly",
            os_purpose="custom",
            image_description="alpha's application image",
        ),
        "current",
        conn_key="alpha",
        visibility="private",
        min_disk=5,
    )
    add(
        "beta-private",
        "beta-ci-runner",
        scs(
            "debian", "12", 3, "monthly", os_purpose="custom", image_description="beta's CI runner"
        ),
        "current",
        conn_key="beta",
        visibility="private",
    )

    log("instances: booting (fake driver, networks='none')")
    plan = {
        "alpha-web-1": ("alpha", imgs["ubuntu-2404"], "m1.small"),
        "alpha-web-2": ("alpha", imgs["ubuntu-2404-prev"], "m1.small"),
        "alpha-db-1": ("alpha", imgs["debian-12-deprecated"], "m1.medium"),
        "alpha-ci-1": ("alpha", imgs["rocky-9-prev"], "m1.small"),
        "alpha-legacy": ("alpha", imgs["ubuntu-2004-eol"], "m1.tiny"),
        "alpha-app-1": ("alpha", imgs["alpha-private"], "m1.small"),
        "alpha-scratch": ("alpha", imgs["cirros-deleted"], "m1.tiny"),
        "alpha-cache-1": ("alpha", imgs["debian-12"], "alpha.highmem"),
        "beta-app-1": ("beta", imgs["debian-12"], "m1.small"),
        "beta-app-2": ("beta", imgs["ubuntu-2404-old"], "m1.small"),
        "beta-build-1": ("beta", imgs["centos-stream-9-stale"], "m1.medium"),
        "beta-fedora-old": ("beta", imgs["fedora-40-obsolete"], "m1.tiny"),
        "beta-runner-1": ("beta", imgs["beta-private"], "m1.small"),
        "beta-scratch": ("beta", imgs["cirros-deleted"], "m1.tiny"),
        "beta-misc": ("beta", imgs["alpine-broken"], "m1.tiny"),
        "beta-suse-1": ("beta", imgs["opensuse-leap-156"], "m1.small"),
    }
    server_ids = boot_all(conns, plan, flavors)

    log("snapshot of alpha-web-2 (Nova createImage)")
    snap = conns["alpha"].compute.create_server_image(
        server_ids["alpha-web-2"],
        "alpha-web-2-snapshot",
        metadata={"description": "before the app upgrade"},
    )
    deadline = time.time() + 60
    while conns["alpha"].compute.get_server(server_ids["alpha-web-2"]).task_state:
        if time.time() > deadline:
            raise RuntimeError("snapshot task did not finish")
        time.sleep(0.5)
    # the fake driver uploads nothing: give the queued snapshot its data
    alpha_images = Images(conns["alpha"])
    alpha_images.update(snap.id, disk_format="qcow2", container_format="bare")
    alpha_images.upload(snap.id)
    imgs["alpha-web-2-snapshot"] = snap.id
    meta["alpha-web-2-snapshot"] = {
        "id": snap.id,
        "name": "alpha-web-2-snapshot",
        "expected_state": None,
        "owner": "alpha",
        "visibility": "private",
    }
    server_ids.update(boot_all(conns, {"alpha-restore-1": ("alpha", snap.id, "m1.small")}, flavors))
    plan["alpha-restore-1"] = ("alpha", snap.id, "m1.small")

    log("history: new builds, deprecations, deactivation, renames, deletions")
    # osism: a new Rocky 9 build arrives; the previous one is renamed "Rocky 9 (20240901)"
    add(
        "rocky-9",
        "Rocky 9",
        dict(
            osism,
            internal_version=day(9).replace("-", ""),
            image_build_date=day(9),
            image_source="https://dl.rockylinux.org/pub/rocky/9/images/x86_64/"
            "Rocky-9-GenericCloud-Base.latest.x86_64.qcow2",
        ),
        "current",
        tags=["managed_by_osism", "os:rocky"],
    )
    g.update(imgs["rocky-9-prev"], name="Rocky 9 (20240901)")
    meta["rocky-9-prev"]["name"] = "Rocky 9 (20240901)"
    # deprecate the old Debian build (what the plugin's admin action writes)
    g.update(
        imgs["debian-12-deprecated"],
        deprecation_state="deprecated",
        deprecated_at=stamp(20),
        replaced_by=imgs["debian-12"],
        deprecated_by=admin_user.id,
        deprecation_reason="CVE-2025-4802 (glibc static setuid LD_LIBRARY_PATH) and "
        "CVE-2024-6387 (OpenSSH regreSSHion): use Debian 12",
        os_purpose="oldgeneric",
        os_hidden=True,
    )
    # obsolete Fedora 40: deprecated earlier, now obsolete and deactivated
    g.update(
        imgs["fedora-40-obsolete"],
        deprecation_state="obsolete",
        deprecated_at=stamp(120),
        obsolete_at=stamp(10),
        replaced_by=imgs["fedora-42"],
        deprecated_by=admin_user.id,
        deprecation_reason="Fedora 40 reached end of life",
        os_purpose="oldgeneric",
        os_hidden=True,
    )
    g.deactivate(imgs["fedora-40-obsolete"])
    # CirrOS deleted after instances were launched from it
    g.delete(imgs["cirros-deleted"])

    creds = {
        "horizon_url": args.horizon,
        "keystone_url": args.keystone,
        "region": "RegionOne",
        "users": dict(
            {"admin": {"username": "admin", "password": args.admin_password, "project": "admin"}},
            **USERS,
        ),
        "images": imgs,
        "servers": server_ids,
        "projects": {k: v.id for k, v in projects.items()},
        "flavors": flavors,
        "seed": {
            "created_at": NOW.isoformat(),
            "images": meta,
            "servers": {
                name: {
                    "id": server_ids[name],
                    "project": proj,
                    "image": next((lbl for lbl, i in imgs.items() if i == img), img),
                    "flavor": fl,
                }
                for name, (proj, img, fl) in plan.items()
            },
        },
    }
    path = os.path.join(args.state, "credentials.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(creds, f, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    log(
        "done in %.1fs: %d images, %d servers -> %s"
        % (time.time() - t0, len(imgs), len(server_ids), path)
    )


if __name__ == "__main__":
    sys.exit(main())
