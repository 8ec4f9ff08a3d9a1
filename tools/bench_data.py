"""Synthetic clouds for the benchmark, shaped like Glance v2 and Nova (2.x) JSON.

One generator serves the core benchmark (plain dicts), the mocked pages (the dicts wrapped the
way Horizon's API layer wraps them) and the development cloud seed (names and properties).
Deterministic: the same size gives the same cloud.

What a cloud holds, per 10 images: one family of about ten builds (osism ``image_name`` style,
SCS ``os_distro``/``os_version`` style or a dated name), newest build current, older ones
superseded; deprecated builds (hidden, ``replaced_by`` the newest), deactivated (obsolete) ones,
end-of-life ones, stale families, broken metadata, snapshots, ``hw_*`` requirements. Servers
(5 per image) mostly run recent builds, some old ones; 5 % boot from volume, 3 % run an image
that was deleted. 50 flavors, some with ``hw:`` extra specs.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)  # fixed: the same cloud every run
BUILDS_PER_FAMILY = 10
SERVERS_PER_IMAGE = 5
FLAVOR_COUNT = 50
PROJECTS = 20  # servers spread over this many projects (the admin view sees them all)
DISTROS = ("ubuntu", "debian", "rocky", "almalinux", "fedora", "centos", "opensuse", "alpine")
FREQUENCIES = ("monthly", "quarterly", "weekly", "yearly", "critical_bug")


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "patch-dashboard-bench/" + "/".join(map(str, parts))))


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ImageSpec:
    """What the seed needs to create one image: everything but what Glance assigns."""

    key: str  # stable label, e.g. "f12-b3"
    name: str
    properties: dict[str, str]
    hidden: bool
    deactivate: bool
    min_ram: int
    min_disk: int


def image_specs(count: int) -> list[ImageSpec]:
    """``count`` images in families of about ten builds, newest build last in each family."""
    rng = random.Random(count)
    specs: list[ImageSpec] = []
    family = 0
    while len(specs) < count:
        builds = min(BUILDS_PER_FAMILY, count - len(specs))
        specs.extend(_family(rng, family, builds))
        family += 1
    return specs


def _family(rng: random.Random, index: int, builds: int) -> list[ImageSpec]:
    distro = DISTROS[index % len(DISTROS)]
    version = "%d.%d" % (index // len(DISTROS) + 1, index % 3)
    style = index % 3  # 0: osism image_name, 1: SCS tuple, 2: dated names only
    frequency = FREQUENCIES[index % len(FREQUENCIES)]
    stale_family = index % 17 == 5  # nothing built for a long time
    eol_family = index % 23 == 7
    interval = rng.choice((7, 14, 30))
    newest_age = 400 if stale_family else rng.randint(1, 6)
    label = "%s %s" % (distro.capitalize(), version)
    min_ram = rng.choice((0, 0, 512, 1024, 2048))
    min_disk = rng.choice((0, 1, 5, 10))
    newest_id_key = "f%d-b%d" % (index, builds - 1)
    specs = []
    for build in range(builds):
        age = newest_age + (builds - 1 - build) * interval
        built = NOW - timedelta(days=age)
        newest = build == builds - 1
        props: dict[str, str] = {
            "architecture": "x86_64",
            "hw_disk_bus": "scsi",
            "hw_scsi_model": "virtio-scsi",
            "hw_qemu_guest_agent": "yes",
            "image_build_date": _day(built),
            "replace_frequency": frequency,
            "patchlevel": "%s.%d" % (version, build),
            "provided_until": "none",
            "uuid_validity": "last-3",
            "hotfix_hours": "48",
            "image_original_user": distro,
            "image_description": "https://docs.example.org/images/%s" % distro,
            "image_source": "https://cloud-images.example.org/%s/%s/%s.qcow2"
            % (distro, version, _day(built).replace("-", "")),
        }
        if index % 11 == 3:
            props["hw_cpu_policy"] = "dedicated"  # fits only the dedicated flavors
        if style == 0:
            props.update(image_name=label, internal_version=built.strftime("%Y%m%d"))
            props.update(os_distro=distro, os_version=version, os_purpose="generic")
            name = label if newest else "%s (%s)" % (label, built.strftime("%Y%m%d"))
        elif style == 1:
            props.update(os_distro=distro, os_version=version, os_purpose="generic")
            name = label if newest else "%s %s" % (label, built.strftime("%Y%m%d"))
        else:
            name = "%s Minimal %s" % (label, built.strftime("%Y%m%d"))
        if eol_family:
            props["provided_until"] = _day(NOW - timedelta(days=30))
        hidden = False
        deactivate = False
        if not newest and build == builds - 3 and index % 2 == 0:
            # a build pulled for a CVE: deprecated the way the admin action leaves it
            hidden = True
            props.update(
                deprecation_state="deprecated",
                deprecated_at=_stamp(NOW - timedelta(days=3)),
                replaced_by=_uuid("image", newest_id_key),
                deprecation_reason="CVE-2024-6387 in openssh-server",
                deprecated_by="admin",
            )
            if style != 2:
                props["os_purpose"] = "oldgeneric"
        elif not newest and build == 0 and index % 4 == 1:
            deactivate = True  # obsolete: deactivated
            props["deprecation_state"] = "obsolete"
            props["obsolete_at"] = _stamp(NOW - timedelta(days=10))
        elif not newest and build < builds - 4 and index % 3 != 2:
            hidden = True  # old builds hidden, as the SCS recency rule allows
        if index % 29 == 13 and build == 1:
            props["image_build_date"] = "last tuesday"  # broken metadata
            props["replace_frequency"] = "fortnightly"
        specs.append(
            ImageSpec(
                key="f%d-b%d" % (index, build),
                name=name,
                properties=props,
                hidden=hidden,
                deactivate=deactivate,
                min_ram=min_ram,
                min_disk=min_disk,
            )
        )
    if builds > 2 and index % 9 == 4:
        base = specs[-2]
        specs[0] = ImageSpec(  # a snapshot of an instance on the previous build
            key=specs[0].key,
            name="backup of app-%d" % index,
            properties={
                "image_type": "snapshot",
                "base_image_ref": _uuid("image", base.key),
                "instance_uuid": _uuid("snapshot-source", index),
                "owner_project_name": "project-0",
                "user_id": "1",
            },
            hidden=False,
            deactivate=False,
            min_ram=base.min_ram,
            min_disk=base.min_disk,
        )
    return specs


def _checksum(key: str) -> str:
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()


def glance_image(spec: ImageSpec, *, owner: str = "admin-project") -> dict:
    """The image as GET /v2/images returns it (flat: properties are top-level keys)."""
    image_id = _uuid("image", spec.key)
    built = spec.properties.get("image_build_date", "2025-01-01")
    created = built + "T06:00:00Z" if built[:1].isdigit() else "2025-01-01T06:00:00Z"
    payload = {
        "id": image_id,
        "name": spec.name,
        "status": "deactivated" if spec.deactivate else "active",
        "visibility": "private" if spec.properties.get("image_type") == "snapshot" else "public",
        "os_hidden": spec.hidden,
        "owner": owner,
        "protected": False,
        "container_format": "bare",
        "disk_format": "qcow2",
        "size": 654311424,
        "virtual_size": 10737418240,
        "checksum": _checksum(spec.key),
        "os_hash_algo": "sha512",
        "os_hash_value": hashlib.sha512(spec.key.encode()).hexdigest(),
        "min_ram": spec.min_ram,
        "min_disk": spec.min_disk,
        "created_at": created,
        "updated_at": _stamp(NOW - timedelta(days=2)),
        "tags": ["managed_by_osism", "os:%s" % spec.properties.get("os_distro", "linux")],
        "stores": "ceph",
        "self": "/v2/images/%s" % image_id,
        "file": "/v2/images/%s/file" % image_id,
        "schema": "/v2/schemas/image",
    }
    payload.update(spec.properties)
    return payload


def nova_flavors(count: int = FLAVOR_COUNT) -> list[dict]:
    """GET /flavors/detail (2.61+: extra_specs in the list)."""
    flavors = []
    for index in range(count):
        vcpus = 2 ** (index % 5)
        ram = 512 * 2 ** (index % 7)
        disk = (0, 10, 20, 40, 80, 160)[index % 6]
        specs: dict[str, str] = {}
        if index % 10 == 9:
            specs["hw:cpu_policy"] = "dedicated"
        if index % 7 == 3:
            specs["hw:mem_page_size"] = "large"
        flavor_id = _uuid("flavor", index)
        flavors.append(
            {
                "id": flavor_id,
                "name": "b%d.%dc%dg" % (index, vcpus, ram // 1024),
                "vcpus": vcpus,
                "ram": ram,
                "disk": disk,
                "swap": 0,
                "OS-FLV-EXT-DATA:ephemeral": 0,
                "OS-FLV-DISABLED:disabled": False,
                "os-flavor-access:is_public": True,
                "rxtx_factor": 1.0,
                "description": None,
                "extra_specs": specs,
                "links": [{"rel": "self", "href": "http://nova/flavors/%s" % flavor_id}],
            }
        )
    return flavors


@dataclass(frozen=True)
class Cloud:
    """API payloads of one synthetic cloud, as decoded JSON."""

    images: list[dict]  # Glance v2 list entries
    servers: list[dict]  # Nova servers/detail entries
    flavors: list[dict]  # Nova flavors/detail entries
    volumes: list[dict]  # Cinder volumes/detail entries (boot-from-volume roots)


def server_images(specs: list[ImageSpec], count: int, *, seed: int = 0) -> list[str | None]:
    """Which image key each of ``count`` servers runs: recent builds mostly, some old ones;
    None: boot from volume, "deleted": an image that no longer exists."""
    rng = random.Random(seed or count)
    newest = [
        spec.key
        for spec, following in zip(specs, specs[1:] + [None], strict=True)
        if following is None or following.key.split("-")[0] != spec.key.split("-")[0]
    ]
    keys = [spec.key for spec in specs]
    choices: list[str | None] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            choices.append(None)
        elif roll < 0.08:
            choices.append("deleted")
        elif roll < 0.6:
            choices.append(rng.choice(newest))
        else:
            choices.append(rng.choice(keys))
    return choices


def synthetic_cloud(
    image_count: int, *, server_count: int | None = None, projects: int = PROJECTS
) -> Cloud:
    """A cloud of ``image_count`` images and (by default 5x as many) servers over ``projects``
    projects named "1", "2", ... ("1" is Horizon's test project)."""
    specs = image_specs(image_count)
    images = [glance_image(spec) for spec in specs]
    flavors = nova_flavors()
    if server_count is None:
        server_count = image_count * SERVERS_PER_IMAGE
    rng = random.Random(image_count + 1)
    servers, volumes = [], []
    for index, key in enumerate(server_images(specs, server_count)):
        server_id = _uuid("server", index)
        flavor = flavors[rng.randrange(len(flavors))]
        project = str(index % projects + 1)
        attached = []
        if key is None:
            volume_id = _uuid("volume", index)
            attached = [{"id": volume_id, "delete_on_termination": False}]
            image_ref = ""
            volumes.append(
                {
                    "id": volume_id,
                    "name": "",
                    "status": "in-use",
                    "size": 20,
                    "bootable": "true",
                    "attachments": [
                        {
                            "id": volume_id,
                            "volume_id": volume_id,
                            "server_id": server_id,
                            "attachment_id": _uuid("attachment", index),
                            "device": "/dev/vda",
                            "host_name": None,
                        }
                    ],
                    "volume_image_metadata": {
                        "image_id": _uuid("image", rng.choice(specs).key),
                        "image_name": "",
                    },
                }
            )
        elif key == "deleted":
            image_ref = {"id": _uuid("gone", index), "links": []}
        else:
            image_ref = {
                "id": _uuid("image", key),
                "links": [{"rel": "bookmark", "href": "http://nova/images/x"}],
            }
        servers.append(_nova_server(server_id, index, project, image_ref, flavor, attached))
    return Cloud(images=images, servers=servers, flavors=flavors, volumes=volumes)


def _nova_server(server_id, index, project, image_ref, flavor, attached) -> dict:
    created = _stamp(NOW - timedelta(days=index % 300))
    return {
        "id": server_id,
        "name": "app-%d" % index,
        "status": "ACTIVE",
        "tenant_id": project,
        "user_id": "user-%d" % (index % 7),
        "metadata": {},
        "hostId": _checksum(project)[:24],
        "image": image_ref,
        "flavor": {"id": flavor["id"], "links": []},
        "created": created,
        "updated": created,
        "addresses": {
            "private": [
                {
                    "version": 4,
                    "addr": "10.%d.%d.%d" % (index >> 16 & 255, index >> 8 & 255, index & 255),
                    "OS-EXT-IPS:type": "fixed",
                    "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:%02x:%02x"
                    % (index >> 8 & 255, index & 255),
                }
            ]
        },
        "accessIPv4": "",
        "accessIPv6": "",
        "links": [{"rel": "self", "href": "http://nova/v2.1/servers/%s" % server_id}],
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 0,
        "OS-EXT-AZ:availability_zone": "nova",
        "config_drive": "",
        "key_name": None,
        "OS-SRV-USG:launched_at": created.replace("Z", ".000000"),
        "OS-SRV-USG:terminated_at": None,
        "OS-EXT-SRV-ATTR:host": "compute-%d" % (index % 40),
        "OS-EXT-SRV-ATTR:instance_name": "instance-%08x" % index,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": "compute-%d" % (index % 40),
        "OS-EXT-STS:task_state": None,
        "OS-EXT-STS:vm_state": "active",
        "OS-EXT-STS:power_state": 1,
        "os-extended-volumes:volumes_attached": attached,
        "locked": False,
        "security_groups": [{"name": "default"}],
        "tags": [],
        "description": None,
    }
