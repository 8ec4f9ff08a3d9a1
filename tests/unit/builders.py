"""Small builders for unit tests: records come from payloads, as in production."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from patch_dashboard.lifecycle import (
    FlavorRecord,
    ImageRecord,
    ServerRecord,
    parse_flavor,
    parse_image,
    parse_server,
)

# Every test runs at this moment: Saturday 2024-06-15, noon UTC.
NOW = datetime(2024, 6, 15, 12, 0, tzinfo=timezone.utc)


def image(image_id: str, name: str | None = None, **properties: Any) -> ImageRecord:
    """A public, active Glance image; keyword arguments are its (custom) properties."""
    raw: dict[str, Any] = {
        "id": image_id,
        "name": image_id if name is None else name,
        "status": "active",
        "visibility": "public",
        "owner": "admin-project",
        "created_at": "2024-01-01T00:00:00Z",
    }
    raw.update(properties)
    return parse_image(raw)


def server(
    server_id: str,
    image_id: str | None,
    *,
    project: str = "p1",
    flavor_id: str | None = "m1.small",
    **extra: Any,
) -> ServerRecord:
    """A Nova server booted from ``image_id`` ("" for boot-from-volume)."""
    raw: dict[str, Any] = {
        "id": server_id,
        "name": server_id,
        "status": "ACTIVE",
        "tenant_id": project,
        "image": {"id": image_id} if image_id else "",
        "flavor": {"id": flavor_id} if flavor_id else {},
    }
    volume_image_ids = extra.pop("volume_image_ids", None)
    raw.update(extra)
    return parse_server(raw, volume_image_ids=volume_image_ids)


def flavor(
    flavor_id: str,
    *,
    vcpus: int = 1,
    ram: int = 2048,
    disk: int = 20,
    public: bool = True,
    **specs: str,
) -> FlavorRecord:
    """A flavor (public unless told); other keyword arguments are extra specs with ``:``
    written as ``__``."""
    return parse_flavor(
        {
            "id": flavor_id,
            "name": flavor_id,
            "vcpus": vcpus,
            "ram": ram,
            "disk": disk,
            "os-flavor-access:is_public": public,
            "extra_specs": {key.replace("__", ":"): value for key, value in specs.items()},
        }
    )
