"""Every OpenStack call the CLI makes, through the user's openstacksdk connection.

The same listings as the dashboard's ``patch_dashboard.api`` and the same payloads, so the
core sees exactly what it sees there: Glance's and Nova's own JSON (paged through, one
listing per service, never a call per row), flavors as openstacksdk's ``Flavor`` (what
Horizon lists too). Images and servers are read as raw JSON through the SDK's authenticated
adapters rather than as SDK resources: those convert values to types (an unreadable
``hw_cpu_cores`` would become 0), and every value must reach the core's tolerant parser as
Glance stored it.

Writes are the dashboard's: one JSON patch (``application/openstack-images-v2.1-json-patch``)
holding only the keys a plan names, Glance's deactivate and reactivate. Glance's policy and
property protections decide; a refusal raises :class:`ServiceError` with Glance's message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from patch_dashboard.lifecycle import (
    FlavorRecord,
    ImageRecord,
    ServerRecord,
    parse_flavor,
    parse_image,
    parse_server,
)
from patch_dashboard.lifecycle.actions import PropertyPatch

JSON_PATCH = "application/openstack-images-v2.1-json-patch"
GLANCE_PAGE = 1000  # Glance's default api_limit_max
NOVA_PAGE = 1000  # Nova's default [api] max_limit
MESSAGE_LIMIT = 300  # of a service's error text, repeated to the user
_TITLE = re.compile(r"<title>.*?</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]{0,200}>")


class ServiceError(Exception):
    """A service answered with an error: ``status`` (HTTP code) and its message."""

    def __init__(self, service: str, action: str, status: int | None, message: str):
        self.service = service
        self.action = action
        self.status = status
        self.message = message
        super().__init__(self.describe())

    @property
    def forbidden(self) -> bool:
        return self.status == 403

    def describe(self) -> str:
        code = " (HTTP %s)" % self.status if self.status else ""
        return "%s refused to %s%s: %s" % (self.service, self.action, code, self.message)


def _message(response: Any) -> str:
    """The error text of a response: Glance's and Nova's JSON, or the start of its body."""
    try:
        body = response.json()
    except Exception:
        body = None
    text = ""
    if isinstance(body, Mapping):
        for value in body.values():
            if isinstance(value, Mapping) and isinstance(value.get("message"), str):
                text = value["message"]
                break
        else:
            text = str(body.get("message") or body.get("title") or "")
    if not text:
        text = str(getattr(response, "text", "") or getattr(response, "reason", "") or "")
        # Glance answers a refusal as a small HTML page: its words, without the markup.
        text = _TAGS.sub(" ", _TITLE.sub(" ", text[:10_000]))
    text = " ".join(text.split())
    return text[:MESSAGE_LIMIT] + ("…" if len(text) > MESSAGE_LIMIT else "")


def _checked(response: Any, service: str, action: str) -> Any:
    status = getattr(response, "status_code", None)
    if status is None or status >= 400:
        raise ServiceError(service, action, status, _message(response))
    return response


def _relative(link: str, prefix: str) -> str:
    """A next-page link as a path for the service's adapter (its endpoint ends in /v2)."""
    if "://" in link:
        link = "/" + link.split("://", 1)[1].split("/", 1)[1]
    return link[len(prefix) :] if link.startswith(prefix + "/") else link


class Cloud:
    """The listings and writes of the CLI over one openstacksdk ``Connection``."""

    def __init__(self, connection: Any):
        self.connection = connection

    # ---------------------------------------------------------------- who

    @property
    def user_id(self) -> str | None:
        return getattr(self.connection, "current_user_id", None)

    @property
    def project_id(self) -> str | None:
        return getattr(self.connection, "current_project_id", None)

    def is_admin(self) -> bool:
        """Whether the token carries the admin role (Horizon's ``is_superuser``)."""
        session = self.connection.session
        access = session.auth.get_access(session)
        return "admin" in {name.lower() for name in access.role_names or ()}

    # ---------------------------------------------------------------- Glance

    def _image_pages(self, query: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        images: list[Mapping[str, Any]] = []
        path: str | None = "/images?" + urlencode({"limit": GLANCE_PAGE, **query})
        while path:
            body = _checked(self.connection.image.get(path), "Glance", "list images").json()
            images.extend(body.get("images") or [])
            following = body.get("next")
            path = _relative(following, "/v2") if following else None
        return images

    def list_images(self) -> list[ImageRecord]:
        """Every image the user may see, hidden ones too (two Glance listings, as the
        dashboard's default ``PATCH_DASHBOARD_INCLUDE_HIDDEN_IMAGES``)."""
        seen: set[str] = set()
        records = []
        for payload in self._image_pages({}) + self._image_pages({"os_hidden": "true"}):
            record = parse_image(payload)
            if record.id not in seen:
                seen.add(record.id)
                records.append(record)
        return records

    def get_image(self, image_id: str) -> ImageRecord:
        """The image as Glance holds it now (a write plans from this, not from a listing)."""
        response = _checked(
            self.connection.image.get("/images/%s" % image_id), "Glance", "show the image"
        )
        return parse_image(response.json())

    def patch_image(self, image_id: str, operations: list[dict[str, object]]) -> None:
        if not operations:
            return
        _checked(
            self.connection.image.patch(
                "/images/%s" % image_id,
                data=json.dumps(operations),
                headers={"Content-Type": JSON_PATCH},
            ),
            "Glance",
            "change the properties of image %s" % image_id,
        )

    def _image_action(self, image_id: str, action: str) -> None:
        _checked(
            self.connection.image.post("/images/%s/actions/%s" % (image_id, action)),
            "Glance",
            "%s image %s" % (action, image_id),
        )

    def apply(self, image_id: str, patch: PropertyPatch) -> None:
        """Carry out one plan, all of it or nothing (the dashboard's order): restore
        reactivates before its record goes; obsolete deactivates first, and reactivates
        again when the properties are then refused."""
        if patch.reactivate:
            self._image_action(image_id, "reactivate")
        if not patch.deactivate:
            self.patch_image(image_id, patch.operations())
            return
        self._image_action(image_id, "deactivate")
        try:
            self.patch_image(image_id, patch.operations())
        except Exception:
            try:
                self._image_action(image_id, "reactivate")
            except ServiceError:
                pass  # the first error is the one to report
            raise

    # ---------------------------------------------------------------- Nova, Cinder

    def _server_pages(self, query: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        servers: list[Mapping[str, Any]] = []
        marker = None
        while True:
            page = {"limit": NOVA_PAGE, **query}
            if marker:
                page["marker"] = marker
            response = self.connection.compute.get("/servers/detail?" + urlencode(page))
            batch = _checked(response, "Nova", "list servers").json().get("servers") or []
            servers.extend(batch)
            if len(batch) < NOVA_PAGE or not batch:
                return servers
            marker = batch[-1].get("id")

    def _volume_image_ids(self, *, all_projects: bool) -> dict[str, str]:
        """Root-volume id -> image id, for boot-from-volume servers (one Cinder listing)."""
        if not self.connection.has_service("block-storage"):
            return {}
        query = "?all_tenants=1" if all_projects else ""
        response = self.connection.block_storage.get("/volumes/detail" + query)
        mapping = {}
        for volume in _checked(response, "Cinder", "list volumes").json().get("volumes") or []:
            metadata = volume.get("volume_image_metadata") or {}
            image_id = metadata.get("image_id") if isinstance(metadata, Mapping) else None
            if image_id and volume.get("id"):
                mapping[str(volume["id"])] = str(image_id)
        return mapping

    def list_servers(
        self, *, all_projects: bool = False, project_id: str | None = None
    ) -> list[ServerRecord]:
        """The project's servers; every project's (admins) with ``all_projects``, one
        project's with ``project_id``."""
        query: dict[str, Any] = {}
        if all_projects or project_id:
            query["all_tenants"] = 1
        if project_id:
            query["project_id"] = project_id
        payloads = self._server_pages(query)
        volume_image_ids: dict[str, str] = {}
        if any(not payload.get("image") for payload in payloads):
            volume_image_ids = self._volume_image_ids(all_projects=bool(query))
        return [parse_server(payload, volume_image_ids=volume_image_ids) for payload in payloads]

    def list_flavors(self) -> list[FlavorRecord]:
        """Public flavors and the private ones Nova lists to this user (Horizon's call)."""
        return [
            parse_flavor(flavor)
            for flavor in self.connection.compute.flavors(is_public=None, get_extra_specs=False)
        ]

    # ---------------------------------------------------------------- Keystone

    def project_names(self) -> dict[str, str]:
        """Project id -> name (one Keystone listing; empty when Keystone refuses)."""
        try:
            return {project.id: project.name for project in self.connection.identity.projects()}
        except Exception:
            return {}

    def find_project(self, name_or_id: str) -> str:
        """A project's id from its name or id."""
        project = self.connection.identity.find_project(name_or_id, ignore_missing=True)
        if project is None:
            raise ServiceError("Keystone", "find the project", 404, "no project %s" % name_or_id)
        return str(project.id)
