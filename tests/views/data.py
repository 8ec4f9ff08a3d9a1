"""A realistic small cloud for view tests, as Glance, Nova and Cinder return it.

Dates are relative to today, so states do not drift as the calendar moves: the newest
Ubuntu build is 10 days old with a monthly replace_frequency, so it stays current.
"""

import uuid
from datetime import datetime, timedelta, timezone

from novaclient.v2 import servers as nova_servers
from openstack.compute.v2 import flavor as sdk_flavor
from openstack_dashboard import api
from openstack_dashboard.test.test_data.glance_data import APIResourceV2

NOW = datetime.now(timezone.utc)
PROJECT_ID = "1"  # Horizon's test tenant


def days_ago(days: int) -> str:
    return (NOW - timedelta(days=days)).date().isoformat()


def timestamp(days: int) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"patch-dashboard-test/{label}"))


def glance_image(label: str, name: str, *, created_days: int = 100, **properties):
    """A Glance v2 image dict, wrapped the way api.glance.image_list_detailed returns it."""
    payload = {
        "id": _id(label),
        "name": name,
        "status": "active",
        "visibility": "public",
        "os_hidden": False,
        "owner": "admin-project",
        "protected": False,
        "container_format": "bare",
        "disk_format": "qcow2",
        "size": 1024,
        "min_ram": 0,
        "min_disk": 0,
        "created_at": timestamp(created_days),
        "updated_at": timestamp(1),
        "tags": [],
    }
    payload.update(properties)
    return api.glance.Image(APIResourceV2(payload))


UBUNTU = {
    "os_distro": "ubuntu",
    "os_version": "24.04",
    "architecture": "x86_64",
    "os_purpose": "generic",
    "replace_frequency": "monthly",
}


def images():
    ubuntu_new = glance_image(
        "ubuntu-new",
        "Ubuntu 24.04",
        created_days=10,
        image_build_date=days_ago(10),
        patchlevel="2024-11-20",
        **UBUNTU,
    )
    debian_new = glance_image(
        "debian-new",
        "Debian 12",
        created_days=3,
        image_build_date=days_ago(3),
        os_distro="debian",
        os_version="12",
        architecture="x86_64",
        os_purpose="generic",
        replace_frequency="quarterly",
    )
    return {
        "ubuntu-old": glance_image(
            "ubuntu-old",
            "Ubuntu 24.04 20240901",
            created_days=70,
            image_build_date=days_ago(70),
            **UBUNTU,
        ),
        "ubuntu-mid": glance_image(
            "ubuntu-mid",
            "Ubuntu 24.04 20241001",
            created_days=40,
            image_build_date=days_ago(40),
            **UBUNTU,
        ),
        "ubuntu-new": ubuntu_new,
        "debian-old": glance_image(
            "debian-old",
            "Debian 12 20240801",
            created_days=90,
            image_build_date=days_ago(90),
            os_distro="debian",
            os_version="12",
            architecture="x86_64",
            os_purpose="oldgeneric",
            replace_frequency="quarterly",
            deprecation_state="deprecated",
            deprecated_at=timestamp(5),
            replaced_by=debian_new.id,
            os_hidden=True,
            deprecation_reason="CVE-2024-6387 (regreSSHion) in openssh-server",
        ),
        "debian-new": debian_new,
        "centos-stale": glance_image(
            "centos-stale",
            "CentOS Stream 9",
            created_days=200,
            image_build_date=days_ago(200),
            os_distro="centos",
            os_version="9",
            architecture="x86_64",
            replace_frequency="quarterly",
        ),
        "fedora-eol": glance_image(
            "fedora-eol",
            "Fedora 38",
            created_days=400,
            image_build_date=days_ago(400),
            os_distro="fedora",
            os_version="38",
            architecture="x86_64",
            replace_frequency="never",
            provided_until=days_ago(30),
        ),
        "focal-obsolete": glance_image(
            "focal-obsolete",
            "Ubuntu 20.04",
            created_days=900,
            status="deactivated",
            image_build_date=days_ago(900),
            os_distro="ubuntu",
            os_version="20.04",
            architecture="x86_64",
            deprecation_state="obsolete",
            os_hidden=True,
        ),
        "rocky-new": glance_image(
            "rocky-new",
            "Rocky 9",
            created_days=8,
            image_name="Rocky 9",
            internal_version="20241101",
            image_build_date=days_ago(8),
            replace_frequency="monthly",
        ),
        "rocky-old": glance_image(
            "rocky-old",
            "Rocky 9 (20241001)",
            created_days=38,
            image_name="Rocky 9",
            internal_version="20241001",
            image_build_date=days_ago(38),
            replace_frequency="monthly",
        ),
        "broken": glance_image(
            "broken",
            "Broken Metadata",
            image_build_date="last tuesday",
            replace_frequency="fortnightly",
        ),
    }


def image_id(label: str) -> str:
    return _id(label)


def nova_server(
    name: str,
    *,
    image_label: str | None = None,
    image_uuid: str | None = None,
    flavor_id: str = "flavor-small",
    volumes=(),
    project_id: str = PROJECT_ID,
):
    if image_label is not None:
        image = {"id": _id(image_label), "links": []}
    elif image_uuid is not None:
        image = {"id": image_uuid, "links": []}
    else:
        image = ""  # boot from volume
    payload = {
        "id": _id(f"server/{name}"),
        "name": name,
        "status": "ACTIVE",
        "tenant_id": project_id,
        "user_id": "1",
        "image": image,
        "flavor": {"id": flavor_id, "links": []},
        "created": timestamp(20),
        "os-extended-volumes:volumes_attached": [{"id": vid} for vid in volumes],
        "OS-EXT-STS:locked": False,
    }
    return api.nova.Server(nova_servers.Server(nova_servers.ServerManager(None), payload), None)


def servers():
    return [
        nova_server("web-1", image_label="ubuntu-new"),
        nova_server("web-2", image_label="ubuntu-old"),
        nova_server("db-1", image_label="debian-old"),
        nova_server("ghost", image_uuid=_id("long-gone")),
        nova_server("vol-1", volumes=["vol-1-root"]),
    ]


class Volume:
    """The part of a Cinder volume the plugin reads."""

    def __init__(self, volume_id, image_label):
        self.id = volume_id
        self.volume_image_metadata = {"image_id": _id(image_label)}


def volumes():
    return [Volume("vol-1-root", "debian-new")]


def flavor(flavor_id, name, vcpus, ram, disk, *, is_public=True, **extra_specs):
    """A flavor (public unless told) as Nova (microversion >= 2.61) lists it, extra specs
    inline."""
    return sdk_flavor.Flavor(
        id=flavor_id,
        name=name,
        vcpus=vcpus,
        ram=ram,
        disk=disk,
        swap=0,
        ephemeral=0,
        is_public=is_public,
        extra_specs=extra_specs,
    )


def flavors():

    return [
        flavor("flavor-tiny", "m1.tiny", 1, 512, 1),
        flavor("flavor-small", "m1.small", 1, 2048, 20),
        flavor("flavor-medium", "m1.medium", 2, 4096, 40),
    ]
