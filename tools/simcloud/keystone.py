"""The simulator in the development cloud's real Keystone: region ``SimRegion``, project sim-big.

Keystone's catalog then lists, besides RegionOne's real Nova and Glance, compute and image
endpoints (public, internal, admin) in ``SimRegion`` pointing at the simulator; the URLs carry
``$(project_id)s``, which Keystone fills in per token, so the simulator knows the scope of a
request without validating its token.

A second region changes Horizon's region menu for everyone who logs in while it is there
(other helpers' browser tests run against the same cloud): :func:`sim_region` keeps it for the
few seconds a login needs and always removes it. A Horizon session keeps the catalog of the
token it logged in with, so it can go on using SimRegion after the region is gone from
Keystone. Project ``sim-big`` (admin is a member) exists for the measurement only: the project
Instances page needs a token scoped to it. The other 999 simulated projects are not created:
Horizon's admin Instances page shows their servers' project as empty (the name comes from
Keystone's project list); creating 1,000 projects would flood every admin's project list on the
shared cloud.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
from collections.abc import Iterator

import requests

from tools.simcloud.latency import CREDENTIALS, TIMEOUT, admin_token

REGION = "SimRegion"
BIG_PROJECT = "sim-big"
DESCRIPTION = "patch-dashboard simulated cloud (tools/simcloud); removed after each bench run"
INTERFACES = ("public", "internal", "admin")


class Keystone:
    """The few Keystone v3 calls needed, with an admin token."""

    def __init__(self, credentials_path: pathlib.Path = CREDENTIALS) -> None:
        self.credentials = json.loads(credentials_path.read_text())
        self.url = self.credentials["keystone_url"].rstrip("/")
        self.session = requests.Session()
        self.session.headers["X-Auth-Token"] = admin_token(self.credentials)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(method, self.url + path, timeout=TIMEOUT, **kwargs)
        if response.status_code == 404 and method == "DELETE":
            return {}
        response.raise_for_status()
        return response.json() if response.content else {}

    def one(self, collection: str, **filters: str) -> dict | None:
        found = self._call("GET", "/" + collection, params=filters)[collection]
        return found[0] if found else None

    def service_id(self, service_type: str) -> str:
        service = self.one("services", type=service_type)
        if service is None:
            raise LookupError("no %s service in the catalog" % service_type)
        return service["id"]

    # -- region --------------------------------------------------------------------------

    def add_region(self, compute_url: str, image_url: str) -> None:
        if not self._region_exists():
            self._call(
                "POST", "/regions", json={"region": {"id": REGION, "description": DESCRIPTION}}
            )
        for service_type, url in (("compute", compute_url), ("image", image_url)):
            service_id = self.service_id(service_type)
            for interface in INTERFACES:
                endpoint = {
                    "service_id": service_id,
                    "interface": interface,
                    "url": url,
                    "region_id": REGION,
                }
                self._call("POST", "/endpoints", json={"endpoint": endpoint})

    def _region_exists(self) -> bool:
        response = self.session.get(self.url + "/regions/" + REGION, timeout=TIMEOUT)
        return response.status_code == 200

    def remove_region(self) -> int:
        """Every endpoint of SimRegion, then the region; -> how many endpoints went."""
        endpoints = self._call("GET", "/endpoints", params={"region_id": REGION})["endpoints"]
        for endpoint in endpoints:
            if endpoint.get("region_id") == REGION:
                self._call("DELETE", "/endpoints/" + endpoint["id"])
        self._call("DELETE", "/regions/" + REGION)
        return len(endpoints)

    def region_registered(self) -> bool:
        endpoints = self._call("GET", "/endpoints", params={"region_id": REGION})["endpoints"]
        return self._region_exists() or any(e.get("region_id") == REGION for e in endpoints)

    # -- project sim-big -------------------------------------------------------------------

    def project_id(self, name: str) -> str | None:
        project = self.one("projects", name=name)
        return project["id"] if project else None

    def add_big_project(self) -> str:
        """Project sim-big with admin as a member (idempotent) -> its id."""
        project_id = self.project_id(BIG_PROJECT)
        if project_id is None:
            domain = self.one("domains", name="Default") or {"id": "default"}
            project = {"name": BIG_PROJECT, "domain_id": domain["id"], "description": DESCRIPTION}
            project_id = self._call("POST", "/projects", json={"project": project})["project"]["id"]
        user = self.one("users", name=self.credentials["users"]["admin"]["username"])
        role = self.one("roles", name="member") or self.one("roles", name="admin")
        assert user and role, "admin user or member role missing in Keystone"
        self._call("PUT", "/projects/%s/users/%s/roles/%s" % (project_id, user["id"], role["id"]))
        return project_id

    def remove_big_project(self) -> bool:
        project_id = self.project_id(BIG_PROJECT)
        if project_id is None:
            return False
        self._call("PATCH", "/projects/" + project_id, json={"project": {"enabled": False}})
        self._call("DELETE", "/projects/" + project_id)
        return True

    def admin_project_id(self) -> str:
        project_id = self.project_id(self.credentials["users"]["admin"]["project"])
        assert project_id, "admin project missing in Keystone"
        return project_id

    def close(self) -> None:
        self.session.close()


def endpoint_urls(simulator_url: str) -> tuple[str, str]:
    """The catalog templates for the simulator at ``simulator_url``: (compute, image)."""
    base = simulator_url.rstrip("/")
    return base + "/compute/v2.1/$(project_id)s", base + "/image/$(project_id)s"


@contextlib.contextmanager
def sim_region(keystone: Keystone, simulator_url: str) -> Iterator[None]:
    """SimRegion registered for the duration of the ``with`` block, removed always."""
    compute_url, image_url = endpoint_urls(simulator_url)
    try:
        keystone.remove_region()  # what an interrupted run may have left
        keystone.add_region(compute_url, image_url)
        yield
    finally:
        keystone.remove_region()


@contextlib.contextmanager
def big_project(keystone: Keystone) -> Iterator[str]:
    """Project sim-big for the duration of the ``with`` block -> its id; removed always."""
    try:
        yield keystone.add_big_project()
    finally:
        keystone.remove_big_project()


def cleanup(credentials_path: pathlib.Path = CREDENTIALS) -> None:
    """Remove whatever a run left in Keystone (region, endpoints, project sim-big)."""
    keystone = Keystone(credentials_path)
    try:
        print("SimRegion endpoints removed:", keystone.remove_region())
        print("project sim-big removed:", keystone.remove_big_project())
    finally:
        keystone.close()


if __name__ == "__main__":
    cleanup()
