"""The simulated cloud's HTTP server: Nova compute v2.1 and Glance v2 on one loopback port.

Routes (``<project>`` is the token's project id, put into the URL by Keystone's catalog
template ``$(project_id)s``: the simulator validates no token, it reads the scope from there):

- ``/compute/v2.1[/<project>]/...``: version document, ``servers`` and ``servers/detail``
  (limit/marker with a ``next`` link, ``all_tenants``, ``project_id``/``tenant_id``,
  ``changes-since`` (deleted servers come back as ``DELETED``), ``status``, ``image``,
  ``flavor``, ``name``, ``sort_key``/``sort_dir``), ``servers/<id>``, ``flavors[/detail]``,
  ``flavors/<id>[/os-extra_specs]``, ``limits``, ``os-quota-sets``,
  ``os-availability-zone``, ``extensions``, ``os-server-groups``, ``os-keypairs``, ``os-services``.
  The JSON follows the microversion asked for (``X-OpenStack-Nova-API-Version`` or
  ``OpenStack-API-Version: compute X``): flavor embedded from 2.47, extra_specs in flavor
  lists from 2.61, ``locked`` from 2.9, ``description`` 2.19, ``tags`` 2.26.
- ``/image/<project>/...``: versions, ``v2/images`` (limit/marker with ``next``, ``visibility``,
  ``member_status``, ``os_hidden``, ``created_at``/``updated_at`` with ``gt:``/``gte:``/
  ``eq:``/``neq:``/``lt:``/``lte:``, ``id=in:``, ``name`` (``in:``), ``status``, ``owner``,
  ``tag``, any other key as a property filter, ``sort_key``/``sort_dir``), ``v2/images/<id>``,
  ``v2/images/<id>/members``, ``v2/schemas/image(s)``, ``v2/metadefs/namespaces``.
- ``/_sim/stats`` (GET: request counts per route, sizes, RSS; POST ``/_sim/stats/reset``),
  ``/_sim/changes?n=N`` (POST: N servers created, deleted or changed now, see
  :meth:`SimCloud.change`).

Anything else answers 404 and is printed to stderr (a request log of the real pages shows
what is missing).

    python -m tools.simcloud.server [--port 0] [--latency FILE] [--project 0=<id>] ...
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from tools import bench_data
from tools.simcloud import data
from tools.simcloud.data import DELETED, SimCloud
from tools.simcloud.latency import LatencyModel

NOVA_MAX_MICROVERSION = "2.96"
NOVA_MAX_LIMIT = 1000
# servers.py index_query_v275 (all of Nova's list filters; the simulator applies some)
NOVA_SERVER_FILTERS = frozenset(
    (
        "all_tenants access_ip_v4 access_ip_v6 auto_disk_config availability_zone "
        "changes-before changes-since config_drive created_at deleted description "
        "display_description display_name flavor host hostname image image_ref ip ip6 "
        "kernel_id key_name launch_index launched_at limit locked locked_by marker name "
        "node not-tags not-tags-any power_state progress project_id ramdisk_id "
        "reservation_id root_device_name sort_dir sort_key status tags tags-any task_state "
        "tenant_id terminated_at user_id uuid vm_state"
    ).split()
)
GLANCE_DEFAULT_LIMIT = 25
GLANCE_MAX_LIMIT = 1000
_PROJECT_SEGMENT = re.compile(r"^[0-9a-f]{32}$|^sim-[a-z0-9-]+$")
_TIME_OPERATORS = ("gt", "gte", "eq", "neq", "lt", "lte")
_GLANCE_RESERVED = frozenset(
    {
        "limit",
        "marker",
        "sort_key",
        "sort_dir",
        "sort",
        "visibility",
        "member_status",
        "os_hidden",
        "created_at",
        "updated_at",
        "id",
        "name",
        "status",
        "owner",
        "tag",
        "size_min",
        "size_max",
        "protected",
    }
)


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("0", "false", "no", "off")


def _microversion(headers) -> tuple[int, int]:
    text = headers.get("OpenStack-API-Version", "")
    text = text.split()[-1] if text.lower().startswith("compute") else ""
    text = text or headers.get("X-OpenStack-Nova-API-Version", "") or "2.1"
    if text == "latest":
        text = NOVA_MAX_MICROVERSION
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


class Simulator:
    """Answers requests from one :class:`SimCloud`; the HTTP part is :class:`_Handler`."""

    def __init__(self, cloud: SimCloud, latency: LatencyModel, *, admin_projects=()) -> None:
        self.cloud = cloud
        self.latency = latency
        self.admin_projects = set(admin_projects) | {cloud.admin_project}
        self.requests: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.unknown: Counter[str] = Counter()
        self.counter_lock = threading.Lock()

    def is_admin(self, project: str) -> bool:
        return project in self.admin_projects

    def count(self, route: str, items: int = 0) -> None:
        with self.counter_lock:
            self.requests[route] += 1
            self.items[route] += items

    # -- dispatch ------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers, base: str):
        """-> (status, body, service, items) for the latency model."""
        parts = [part for part in path.split("/") if part]
        if parts[:1] == ["_sim"]:
            return self._sim(method, parts[1:], query)
        if parts[:1] == ["compute"]:
            return self._nova(method, parts[1:], query, headers, base)
        if parts[:1] == ["image"]:
            return self._glance(method, parts[1:], query, base)
        raise ApiError(404, "no such service")

    # -- the simulator's own API -----------------------------------------------------------

    def _sim(self, method, parts, query):
        if parts == ["stats"] and method == "GET":
            return 200, self.stats(), None, 0
        if parts == ["stats", "reset"] and method == "POST":
            with self.counter_lock:
                self.requests.clear()
                self.items.clear()
            return 200, {"reset": True}, None, 0
        if parts == ["changes"] and method == "POST":
            count = int(query.get("n", ["100"])[0])
            return 200, self.cloud.change(count), None, 0
        raise ApiError(404, "no such simulator route")

    def stats(self) -> dict:
        with self.counter_lock:
            requests = dict(self.requests)
            items = dict(self.items)
            unknown = dict(self.unknown)
        with self.cloud.lock:
            servers = len(self.cloud.ids)
            deleted = sum(1 for status in self.cloud.status if status == DELETED)
        return {
            "requests": requests,
            "items": items,
            "unknown": unknown,
            "servers": servers,
            "servers_deleted": deleted,
            "images": len(self.cloud.images),
            "projects": len(self.cloud.projects),
            "big_project": {
                "id": self.cloud.projects[0],
                "name": data.BIG_PROJECT_NAME,
                "servers": self.cloud.live_servers(0),
            },
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_mib": _rss_mib(),
            "latency": self.latency.describe(),
        }

    # -- Nova ------------------------------------------------------------------------------

    def _nova(self, method, parts, query, headers, base):
        if parts and parts[0] in ("v2.1", "v2"):
            version_root = base + "/compute/" + parts[0]
            parts = parts[1:]
        else:
            if method == "GET" and not parts:
                return 200, {"versions": [self._nova_version(base + "/compute/v2.1")]}, "nova", 0
            raise ApiError(404, "unknown compute version")
        project = self.cloud.admin_project
        if parts and _PROJECT_SEGMENT.match(parts[0]) and parts[0] not in ("servers", "flavors"):
            project = parts[0]
            version_root += "/" + project
            parts = parts[1:]
        if method != "GET":
            raise ApiError(405, "the simulator is read-only (POST /_sim/changes changes it)")
        mv = _microversion(headers)
        if not parts:
            body = {"version": self._nova_version(version_root)}
            return 200, body, "nova", 0, "nova version"
        head = parts[0]
        if head == "servers":
            if len(parts) == 1 or parts[1:] == ["detail"]:
                servers, more = self._server_page(query, project, mv)
                detailed = parts[1:] == ["detail"]
                body = {
                    "servers": [
                        self._server(index, mv, version_root, project, detailed)
                        for index in servers
                    ]
                }
                if more:
                    params = {k: v[-1] for k, v in query.items() if k != "marker"}
                    params["marker"] = self.cloud.ids[servers[-1]]
                    href = "%s/servers%s?%s" % (
                        version_root,
                        "/detail" if detailed else "",
                        urlencode(params),
                    )
                    body["servers_links"] = [{"rel": "next", "href": href}]
                route = "nova servers/detail" if detailed else "nova servers"
                return 200, body, "nova", len(servers), route
            if len(parts) == 2:
                index = self.cloud.id_index.get(parts[1])
                if index is None or self.cloud.status[index] == DELETED:
                    raise ApiError(404, "Instance %s could not be found." % parts[1])
                if (
                    not self.is_admin(project)
                    and self.cloud.projects[self.cloud.project[index]] != project
                ):
                    raise ApiError(404, "Instance %s could not be found." % parts[1])
                body = {"server": self._server(index, mv, version_root, project, True)}
                return 200, body, "nova", 1, "nova servers/<id>"
            if parts[2:] in (["os-interface"], ["os-volume_attachments"]):
                key = "interfaceAttachments" if parts[2] == "os-interface" else "volumeAttachments"
                return 200, {key: []}, "nova", 0, "nova servers/<id>/" + parts[2]
        if head == "flavors":
            return self._flavors(parts[1:], mv, version_root)
        if head == "limits":
            return 200, {"limits": {"rate": [], "absolute": self._absolute_limits()}}, "nova", 0
        if head == "os-quota-sets":
            quota = {"id": parts[1] if len(parts) > 1 else project, **self._quota()}
            if parts[2:] == ["detail"]:
                quota = {
                    key: {"limit": value, "in_use": 0, "reserved": 0} if key != "id" else value
                    for key, value in quota.items()
                }
            return 200, {"quota_set": quota}, "nova", 0, "nova os-quota-sets"
        if head == "os-availability-zone":
            zone = {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}
            return 200, {"availabilityZoneInfo": [zone]}, "nova", 0
        if head == "extensions":
            return 200, {"extensions": []}, "nova", 0
        if head == "os-server-groups":
            return 200, {"server_groups": []}, "nova", 0
        if head == "os-keypairs":
            return 200, {"keypairs": []}, "nova", 0
        if head == "os-services":
            return 200, {"services": []}, "nova", 0
        raise ApiError(404, "unknown compute resource")

    @staticmethod
    def _nova_version(href: str) -> dict:
        return {
            "id": "v2.1",
            "status": "CURRENT",
            "version": NOVA_MAX_MICROVERSION,
            "min_version": "2.1",
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": href + "/"}],
            "media-types": [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.compute+json;version=2.1",
                }
            ],
        }

    def _server_page(self, query, project: str, mv=(2, 1)) -> tuple[list[int], bool]:
        """Server indexes of one page (Nova's rules) and whether there may be more."""
        cloud = self.cloud
        if mv >= (2, 75) and set(query) - NOVA_SERVER_FILTERS:
            # Nova 2.75+: unknown query parameters are an error, not ignored
            unknown = ", ".join(sorted(set(query) - NOVA_SERVER_FILTERS))
            raise ApiError(400, "Additional properties are not allowed (%s)" % unknown)
        get = lambda key: query.get(key, [None])[-1]  # noqa: E731
        limit = min(int(get("limit") or NOVA_MAX_LIMIT), NOVA_MAX_LIMIT)
        if limit < 0:
            raise ApiError(400, "limit must be >= 0")
        wanted_project: int | None
        if _flag(get("all_tenants")):
            if not self.is_admin(project):
                raise ApiError(403, "Policy doesn't allow compute:servers:index:get_all_tenants")
            scope = get("project_id") or get("tenant_id")
            wanted_project = cloud.project_index.get(scope, -1) if scope else None
        else:
            wanted_project = cloud.project_index.get(project, -1)
        since = get("changes-since")
        since_time = data.parse_time(since) if since else None
        before = get("changes-before")
        before_time = data.parse_time(before) if before else None
        status = (get("status") or "").upper() or None
        image = get("image")
        flavor = get("flavor")
        name = re.compile(get("name")) if get("name") else None
        keys = query.get("sort_key") or ["created_at"]
        dirs = query.get("sort_dir") or ["desc"]
        with cloud.lock:
            order, positions = cloud.order(keys[0], dirs[0] == "desc")
            start = 0
            marker = get("marker")
            if marker:
                if marker not in cloud.id_index:
                    raise ApiError(400, "marker [%s] not found" % marker)
                start = positions[cloud.id_index[marker]] + 1
            flavor_index = cloud.flavor_index.get(flavor, -1) if flavor else None
            found: list[int] = []
            for position in range(start, len(order)):
                index = order[position]
                if wanted_project is not None and cloud.project[index] != wanted_project:
                    continue
                state = cloud.status[index]
                if since_time is not None or before_time is not None:
                    # Nova: changes-since/-before list deleted servers too (as DELETED)
                    if since_time is not None and cloud.updated[index] < since_time:
                        continue
                    if before_time is not None and cloud.updated[index] > before_time:
                        continue
                elif state == DELETED:
                    continue
                if status and data.STATUS[state] != status:
                    continue
                if image and cloud.server_image_id(index) != image:
                    continue
                if flavor_index is not None and cloud.flavor[index] != flavor_index:
                    continue
                if name and not name.search(cloud.server_name(index)):
                    continue
                found.append(index)
                if len(found) == limit:
                    break
        return found, len(found) == limit and limit > 0

    def _server(self, index: int, mv, root: str, project: str, detailed: bool) -> dict:
        cloud = self.cloud
        server_id = cloud.ids[index]
        links = [
            {"rel": "self", "href": "%s/servers/%s" % (root, server_id)},
            {"rel": "bookmark", "href": "%s/servers/%s" % (root, server_id)},
        ]
        if not detailed:
            return {"id": server_id, "name": cloud.server_name(index), "links": links}
        state = cloud.status[index]
        owner = cloud.projects[cloud.project[index]]
        image_id = cloud.server_image_id(index)
        image = (
            ""
            if image_id is None
            else {
                "id": image_id,
                "links": [{"rel": "bookmark", "href": "%s/images/%s" % (root, image_id)}],
            }
        )
        flavor = cloud.flavors[cloud.flavor[index]]
        if mv >= (2, 47):
            flavor_ref = {
                "vcpus": flavor["vcpus"],
                "ram": flavor["ram"],
                "disk": flavor["disk"],
                "ephemeral": 0,
                "swap": 0,
                "original_name": flavor["name"],
                "extra_specs": dict(flavor["extra_specs"]),
            }
        else:
            flavor_ref = {
                "id": flavor["id"],
                "links": [{"rel": "bookmark", "href": "%s/flavors/%s" % (root, flavor["id"])}],
            }
        created = data.stamp(cloud.created[index])
        volumes = []
        if image_id is None:
            volumes = [{"id": cloud.volume_id(index), "delete_on_termination": False}]
        # the core benchmark's server JSON, with this cloud's values and microversion
        server = bench_data._nova_server(server_id, index, owner, image, flavor, volumes)
        server.update(
            {
                "name": cloud.server_name(index),
                "status": data.STATUS[state],
                "user_id": "sim-user-%d" % (index % 13),
                "flavor": flavor_ref,
                "created": created,
                "updated": data.stamp(cloud.updated[index]),
                "links": links,
                "OS-SRV-USG:launched_at": created.replace("Z", ".000000"),
                "OS-EXT-STS:vm_state": data.VM_STATE[state],
                "OS-EXT-STS:power_state": data.POWER_STATE[state],
            }
        )
        if not self.is_admin(project):
            for key in [key for key in server if key.startswith("OS-EXT-SRV-ATTR:")]:
                del server[key]
        elif mv >= (2, 3):
            server.update(
                {
                    "OS-EXT-SRV-ATTR:reservation_id": "r-%08x" % index,
                    "OS-EXT-SRV-ATTR:launch_index": 0,
                    "OS-EXT-SRV-ATTR:hostname": cloud.server_name(index),
                    "OS-EXT-SRV-ATTR:kernel_id": "",
                    "OS-EXT-SRV-ATTR:ramdisk_id": "",
                    "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                    "host_status": "UP" if mv >= (2, 16) else None,
                }
            )
            if mv < (2, 16):
                del server["host_status"]
        for key, since in (("locked", (2, 9)), ("description", (2, 19)), ("tags", (2, 26))):
            if mv < since:
                del server[key]
        if mv >= (2, 73):
            server["locked_reason"] = None
        return server

    def _flavors(self, parts, mv, root):
        def render(flavor: dict, detailed: bool) -> dict:
            links = [{"rel": "self", "href": "%s/flavors/%s" % (root, flavor["id"])}]
            if not detailed:
                return {"id": flavor["id"], "name": flavor["name"], "links": links}
            body = {key: value for key, value in flavor.items() if key != "extra_specs"}
            body["links"] = links
            if mv >= (2, 61):
                body["extra_specs"] = dict(flavor["extra_specs"])
            return body

        flavors = self.cloud.flavors
        if not parts or parts == ["detail"]:
            body = {"flavors": [render(flavor, bool(parts)) for flavor in flavors]}
            return 200, body, "nova", len(flavors), "nova flavors"
        index = self.cloud.flavor_index.get(parts[0])
        if index is None:
            raise ApiError(404, "Flavor %s could not be found." % parts[0])
        flavor = flavors[index]
        if len(parts) == 1:
            return 200, {"flavor": render(flavor, True)}, "nova", 1, "nova flavors/<id>"
        if parts[1:] == ["os-extra_specs"]:
            body = {"extra_specs": dict(flavor["extra_specs"])}
            return 200, body, "nova", 0, "nova flavors/<id>/os-extra_specs"
        if parts[1:] == ["os-flavor-access"]:
            return 200, {"flavor_access": []}, "nova", 0, "nova flavors/<id>/os-flavor-access"
        raise ApiError(404, "unknown flavor resource")

    @staticmethod
    def _quota() -> dict:
        return {
            "instances": -1,
            "cores": -1,
            "ram": -1,
            "key_pairs": 100,
            "metadata_items": 128,
            "server_groups": 10,
            "server_group_members": 10,
            "injected_files": 5,
            "injected_file_content_bytes": 10240,
            "injected_file_path_bytes": 255,
        }

    @staticmethod
    def _absolute_limits() -> dict:
        return {
            "maxTotalInstances": -1,
            "maxTotalCores": -1,
            "maxTotalRAMSize": -1,
            "maxTotalKeypairs": 100,
            "maxServerMeta": 128,
            "maxServerGroups": 10,
            "maxServerGroupMembers": 10,
            "maxPersonality": 5,
            "maxPersonalitySize": 10240,
            "totalInstancesUsed": 0,
            "totalCoresUsed": 0,
            "totalRAMUsed": 0,
            "totalServerGroupsUsed": 0,
        }

    # -- Glance ----------------------------------------------------------------------------

    def _glance(self, method, parts, query, base):
        project = self.cloud.admin_project
        root = base + "/image"
        if parts and not parts[0].startswith("v") and parts[0] != "versions":
            project = parts[0]
            root += "/" + project
            parts = parts[1:]
        if method != "GET":
            raise ApiError(405, "the simulator is read-only (POST /_sim/changes changes it)")
        if not parts or parts == ["versions"]:
            versions = [
                {
                    "id": "v2.%d" % minor,
                    "status": "CURRENT" if minor == 17 else "SUPPORTED",
                    "links": [{"rel": "self", "href": root + "/v2/"}],
                }
                for minor in range(17, -1, -1)
            ]
            return 300 if not parts else 200, {"versions": versions}, "glance", 0
        if parts[0] != "v2":
            raise ApiError(404, "unknown image API version")
        parts = parts[1:]
        admin = self.is_admin(project)
        if parts == ["images"]:
            images, more = self._image_page(query, project, admin)
            body = {
                "images": [_public_image(image) for image in images],
                "first": "/v2/images",
                "schema": "/v2/schemas/images",
            }
            if more:
                params = {k: v[-1] for k, v in query.items() if k != "marker"}
                params["marker"] = images[-1]["id"]
                body["next"] = "/v2/images?" + urlencode(params)
            return 200, body, "glance", len(images), "glance images"
        if len(parts) >= 2 and parts[0] == "images":
            index = self.cloud.image_index.get(parts[1])
            image = None if index is None else self.cloud.images[index]
            if image is None or not self.cloud.image_visible(image, project, admin=admin):
                raise ApiError(404, "No image found with ID %s" % parts[1])
            if len(parts) == 2:
                return 200, _public_image(image), "glance", 1, "glance images/<id>"
            if parts[2:] == ["members"]:
                members = [
                    {
                        "image_id": image["id"],
                        "member_id": member,
                        "status": status,
                        "created_at": image["created_at"],
                        "updated_at": image["updated_at"],
                        "schema": "/v2/schemas/member",
                    }
                    for member, status in image["_members"].items()
                ]
                return 200, {"members": members, "schema": "/v2/schemas/members"}, "glance", 0
        if parts[:1] == ["schemas"]:
            return 200, _image_schema(parts[1:]), "glance", 0, "glance schemas"
        if parts[:2] == ["metadefs", "namespaces"]:
            return (
                200,
                {
                    "namespaces": [],
                    "first": "/v2/metadefs/namespaces",
                    "schema": "/v2/schemas/metadefs/namespaces",
                },
                "glance",
                0,
            )
        raise ApiError(404, "unknown image resource")

    def _image_page(self, query, project: str, admin: bool) -> tuple[list[dict], bool]:
        cloud = self.cloud
        get = lambda key: query.get(key, [None])[-1]  # noqa: E731
        limit = min(int(get("limit") or GLANCE_DEFAULT_LIMIT), GLANCE_MAX_LIMIT)
        visibility = get("visibility")
        if visibility not in (None, "public", "private", "shared", "community", "all"):
            raise ApiError(400, "Invalid visibility value: %s" % visibility)
        member_status = get("member_status") or "accepted"
        hidden = _flag(get("os_hidden"))
        checks: list[Callable[[dict], bool]] = []
        for key in ("created_at", "updated_at"):
            for value in query.get(key, []):
                checks.append(_time_check(key, value))
        ids = get("id")
        if ids:
            wanted_ids = set(ids[3:].split(",")) if ids.startswith("in:") else {ids}
            checks.append(lambda image: image["id"] in wanted_ids)
        name = get("name")
        if name:
            operator, _, value = name.partition(":")
            if not value:
                checks.append(lambda image: image["name"] == name)
            elif operator == "in":
                names = set(value.split(","))
                checks.append(lambda image: image["name"] in names)
            elif operator == "eq":
                checks.append(lambda image: image["name"] == value)
            else:
                raise ApiError(400, "Unable to filter on a unknown operator.")
        for key in ("status", "owner"):
            if get(key):
                wanted = get(key)
                checks.append(lambda image, key=key, wanted=wanted: image[key] == wanted)
        for tag in query.get("tag", []):
            checks.append(lambda image, tag=tag: tag in image["tags"])
        for key, values in query.items():
            if key not in _GLANCE_RESERVED:
                wanted = values[-1]
                checks.append(
                    lambda image, key=key, wanted=wanted: (
                        key in image and str(image[key]).lower() == wanted.lower()
                    )
                )
        sort_key = get("sort_key") or "created_at"
        sort_dir = get("sort_dir") or "desc"
        if get("sort"):
            sort_key, _, sort_dir = get("sort").split(",")[0].partition(":")
            sort_dir = sort_dir or "desc"

        def visible(image: dict) -> bool:
            kind = image["visibility"]
            if visibility == "community":
                return kind == "community"
            if visibility == "public":
                return kind == "public"
            if visibility == "private":
                return kind == "private" and (admin or image["owner"] == project)
            if visibility == "shared":
                if kind != "shared":
                    return False
                status = cloud.image_member_status(image, project)
                return (image["owner"] == project and member_status in ("all", "accepted")) or (
                    status is not None and member_status in ("all", status)
                )
            if admin:  # Glance: an admin's listing has every project's images
                return True
            if kind == "public" or image["owner"] == project:
                return visibility == "all" or kind != "community" or image["owner"] == project
            if kind == "shared":
                status = cloud.image_member_status(image, project)
                return status is not None and member_status in ("all", status)
            return visibility == "all" and kind == "community"

        def wanted(image: dict) -> bool:
            return (
                bool(image["os_hidden"]) == hidden
                and visible(image)
                and all(check(image) for check in checks)
            )

        marker = get("marker")
        with cloud.lock:
            if sort_key == "created_at" and sort_dir == "desc":
                candidates = cloud.iter_images(project=project, admin=admin, marker=marker)
                found = []
                for image in candidates:
                    if wanted(image):
                        found.append(image)
                        if len(found) == limit:
                            break
            else:
                if sort_key not in ("created_at", "updated_at", "name", "id", "size", "status"):
                    raise ApiError(400, "Invalid sort key: %s" % sort_key)
                every = sorted(
                    (image for image in cloud.images if wanted(image)),
                    key=lambda image: (str(image[sort_key]), image["id"]),
                    reverse=sort_dir == "desc",
                )
                start = 0
                if marker:
                    ids_in_order = [image["id"] for image in every]
                    if marker not in ids_in_order:
                        raise ApiError(400, "marker %s not found" % marker)
                    start = ids_in_order.index(marker) + 1
                found = every[start : start + limit]
        return found, len(found) == limit and limit > 0


def _time_check(key: str, value: str) -> Callable[[dict], bool]:
    operator, _, moment = value.partition(":")
    if operator not in _TIME_OPERATORS or not moment:
        operator, moment = "eq", value
    try:
        when = data.parse_time(moment)
    except ValueError:
        raise ApiError(400, "Unable to filter on a invalid date: %s" % value) from None
    stored = "_created" if key == "created_at" else "_updated"
    compare = {
        "gt": lambda t: t > when,
        "gte": lambda t: t >= when,
        "eq": lambda t: t == when,
        "neq": lambda t: t != when,
        "lt": lambda t: t < when,
        "lte": lambda t: t <= when,
    }[operator]
    return lambda image: compare(image[stored])


def _public_image(image: dict) -> dict:
    return {key: value for key, value in image.items() if not key.startswith("_")}


def _image_schema(parts: list[str]) -> dict:
    """A permissive image schema: glanceclient builds its model from it."""
    image = {
        "name": "image",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": ["null", "string"]},
            "status": {"type": "string"},
            "visibility": {"type": "string"},
            "os_hidden": {"type": "boolean"},
            "protected": {"type": "boolean"},
            "owner": {"type": ["null", "string"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
            "size": {"type": ["null", "integer"]},
            "virtual_size": {"type": ["null", "integer"]},
            "min_ram": {"type": "integer"},
            "min_disk": {"type": "integer"},
            "checksum": {"type": ["null", "string"]},
            "container_format": {"type": ["null", "string"]},
            "disk_format": {"type": ["null", "string"]},
            "self": {"type": "string"},
            "file": {"type": "string"},
            "schema": {"type": "string"},
            "locations": {"type": "array"},
        },
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }
    if parts == ["images"]:
        return {
            "name": "images",
            "properties": {"images": {"type": "array", "items": image}},
            "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"}],
        }
    if parts == ["image"]:
        return image
    return {
        "name": parts[-1] if parts else "schema",
        "properties": {},
        "additionalProperties": True,
    }


def _rss_mib() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    simulator: Simulator  # set on the class made by serve()

    def log_message(self, format, *args):  # noqa: A002 - the quiet default: no access log
        pass

    def _answer(self, method: str) -> None:
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        base = "http://%s" % (self.headers.get("Host") or "%s:%d" % self.server.server_address[:2])
        service = None
        items = 0
        simulator = self.simulator
        try:
            result = simulator.handle(method, url.path, query, self.headers, base)
            status, body, service, items = result[:4]
            route = result[4] if len(result) > 4 else _route_name(url.path)
            if service:
                simulator.count(route, items)
        except ApiError as error:
            status, body = error.code, {"error": {"code": error.code, "message": str(error)}}
            if error.code == 404:
                with simulator.counter_lock:
                    simulator.unknown["%s %s" % (method, url.path)] += 1
                print("simcloud: 404 %s %s" % (method, self.path), file=sys.stderr, flush=True)
        except (ValueError, re.error) as error:
            status, body = 400, {"error": {"code": 400, "message": str(error)}}
        payload = json.dumps(body).encode()
        if service:
            delay = simulator.latency.seconds(service, items) - (time.perf_counter() - started)
            if delay > 0:
                time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if service == "nova":
            self.send_header("OpenStack-API-Version", "compute " + NOVA_MAX_MICROVERSION)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):  # noqa: N802 - http.server's name
        self._answer("GET")

    def do_POST(self):  # noqa: N802
        self._answer("POST")

    def do_PUT(self):  # noqa: N802
        self._answer("PUT")

    def do_DELETE(self):  # noqa: N802
        self._answer("DELETE")


def _route_name(path: str) -> str:
    parts = [part for part in path.split("/") if part and not _PROJECT_SEGMENT.match(part)]
    return " ".join(parts[:1] + parts[2:4] if parts[:1] == ["compute"] else parts[:4])


class SimServer:
    """A running simulator: ``url``, ``compute_url(project)``, ``image_url(project)``, close()."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"simulator": simulator})
        self.simulator = simulator
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://%s:%d" % (host, self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def compute_url(self, project: str) -> str:
        return "%s/compute/v2.1/%s" % (self.url, project)

    def image_url(self, project: str) -> str:
        return "%s/image/%s" % (self.url, project)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def serve(
    cloud: SimCloud,
    latency: LatencyModel | None = None,
    *,
    admin_projects=(),
    host: str = "127.0.0.1",
    port: int = 0,
) -> SimServer:
    """Serve ``cloud`` on a free loopback port (no delay unless a ``latency`` model is given)."""
    simulator = Simulator(cloud, latency or LatencyModel(), admin_projects=admin_projects)
    return SimServer(simulator, host=host, port=port)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the simulated cloud on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    parser.add_argument("--servers", type=int, default=data.Counts.servers)
    parser.add_argument("--images", type=int, default=data.Counts.images)
    parser.add_argument("--projects", type=int, default=data.Counts.projects)
    parser.add_argument("--big-servers", type=int, default=data.Counts.big_servers)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epoch", help="the data's 'now' (ISO date); default: today 00:00 UTC")
    parser.add_argument("--latency", help="a LatencyModel as JSON (latency.py --json)")
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="INDEX=ID",
        help="use ID for project INDEX (0 is sim-big), e.g. a Keystone project's id",
    )
    parser.add_argument(
        "--admin-project",
        action="append",
        default=[],
        metavar="ID",
        help="a project whose tokens are admin (all_tenants, every image)",
    )
    args = parser.parse_args()
    epoch = (
        dt.datetime.fromisoformat(args.epoch).replace(tzinfo=data.UTC)
        if args.epoch
        else dt.datetime.combine(dt.date.today(), dt.time(), data.UTC)
    )
    project_ids = {int(k): v for k, _, v in (item.partition("=") for item in args.project)}
    started = time.perf_counter()
    cloud = SimCloud(
        data.Counts(args.servers, args.images, args.projects, args.big_servers),
        seed=args.seed,
        epoch=epoch,
        project_ids=project_ids,
        admin_project=args.admin_project[0] if args.admin_project else data.ADMIN_PROJECT,
    )
    latency = LatencyModel.from_json(open(args.latency).read()) if args.latency else LatencyModel()
    server = serve(cloud, latency, admin_projects=args.admin_project, port=args.port)
    print(
        json.dumps(
            {
                "url": server.url,
                "pid": __import__("os").getpid(),
                "build_seconds": round(time.perf_counter() - started, 2),
                "rss_mib": round(_rss_mib(), 1),
                "big_project": cloud.projects[0],
            }
        ),
        flush=True,
    )
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()
