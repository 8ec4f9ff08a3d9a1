"""Nova (and Cinder for boot-from-volume): servers and flavors as lifecycle records."""

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from openstack_dashboard import api
from openstack_dashboard.api import base
from openstack_dashboard.contrib.developer.profiler import api as profiler

from patch_dashboard import conf
from patch_dashboard.api import epoch, progress
from patch_dashboard.lifecycle import FlavorRecord, ServerRecord, parse_flavor, parse_server


def _payload(resource: Any) -> Mapping[str, Any]:
    """The API's dict behind Horizon's wrapper, read only (never modified): novaclient's
    ``_info``, not its to_dict(), which deep-copies the whole server (~0.2 ms each)."""
    inner = getattr(resource, "_apiresource", resource)
    return inner if isinstance(inner, Mapping) else inner._info


def _server_batches(
    request, *, all_projects: bool, changes_since: str | None = None
) -> Iterator[list[Any]]:
    """All servers, a Nova page at a time (Horizon's server_list returns one page). With
    ``changes_since`` (ISO 8601), those changed since then, deleted ones included."""
    page_size = conf.nova_page_size()
    marker = None
    while True:
        search_opts: dict[str, Any] = {"limit": page_size}
        if all_projects:
            search_opts["all_tenants"] = True
        if changes_since:
            search_opts["changes-since"] = changes_since
        if marker:
            search_opts["marker"] = marker
        batch, _more = api.nova.server_list(request, search_opts=search_opts)
        progress.read(request, "servers", len(batch))
        yield batch
        if len(batch) < page_size or not batch:
            return
        marker = batch[-1].id


def _volume_image_ids(request, *, all_projects: bool) -> dict[str, str]:
    """Root-volume id -> image id, for boot-from-volume servers (one Cinder list)."""
    if not base.is_service_enabled(request, "volumev3"):
        return {}
    search_opts = {"all_tenants": True} if all_projects else None
    volumes = api.cinder.volume_list(request, search_opts=search_opts)
    mapping = {}
    for volume in volumes:
        metadata = getattr(volume, "volume_image_metadata", None) or {}
        image_id = metadata.get("image_id") if isinstance(metadata, Mapping) else None
        if image_id:
            mapping[volume.id] = image_id
    return mapping


@profiler.trace
def list_servers(
    request,
    *,
    all_projects: bool = False,
    changes_since: str | None = None,
    known_volume_images: Mapping[str, str | None] | None = None,
) -> list[ServerRecord]:
    """The project's servers (every project's with ``all_projects``, for admins); with
    ``changes_since`` (ISO 8601) only those changed since then, deleted ones with status
    ``DELETED`` (Nova's ``changes-since``), for an index's incremental refresh, which passes
    ``known_volume_images`` (server id -> its root volume's image, of the boot-from-volume
    servers it knows): Cinder is then asked only for a server it does not know."""
    # Each page is parsed as it arrives and let go: 100,000 of Nova's server documents held
    # at once cost hundreds of MiB. A boot-from-volume server waits (in its place) for the
    # one Cinder listing that says which image its volume came from.
    records: list[ServerRecord | Mapping[str, Any]] = []
    waiting = False
    batches = _server_batches(request, all_projects=all_projects, changes_since=changes_since)
    known = known_volume_images or {}
    for batch in batches:
        for server in batch:
            payload = _payload(server)
            if payload.get("image"):
                records.append(parse_server(payload))
            elif payload.get("id") in known or str(payload.get("status")).upper() == "DELETED":
                # Known, or gone: no need to ask Cinder which image its volume holds.
                record = parse_server(payload)
                image_id = known.get(record.id)
                records.append(dataclasses.replace(record, volume_image_id=image_id))
            else:
                records.append(payload)
                waiting = True
    if not waiting:
        return records  # type: ignore[return-value]  # every one parsed
    volume_image_ids = _volume_image_ids(request, all_projects=all_projects)
    return [
        record
        if isinstance(record, ServerRecord)
        else parse_server(record, volume_image_ids=volume_image_ids)
        for record in records
    ]


def private_flavors_usable(request) -> bool:
    """Whether the private flavors Nova lists to this user are the project's own.

    Nova's ``is_public=None`` lists a member the project's private flavors, and a cloud
    admin (Nova's ``context_is_admin``: the admin role, as Horizon's ``is_superuser``)
    every project's.
    """
    return not request.user.is_superuser


@profiler.trace
def list_flavors(request) -> list[FlavorRecord]:
    """Flavors the project can use: public ones and private ones shared with it.

    Nova (microversion >= 2.61) returns extra specs in the list itself; they are not fetched
    one flavor at a time, except where the list has none (below).
    """
    return [
        parse_flavor(_with_extra_specs(request, flavor, _payload(flavor)))
        for flavor in api.nova.flavor_list(request, None)
    ]


def _with_extra_specs(request, flavor: Any, payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The flavor with its extra specs. Horizon 25 (2025.1) lists flavors through novaclient
    at microversion 2.0, which carries no ``extra_specs`` at all (not even empty ones): they
    are asked for one flavor at a time, as Horizon's own launch wizard does there, rather than
    read as "no restriction" (docs/releases.md)."""
    if "extra_specs" in payload:
        return payload
    extra_specs = api.nova.flavor_get_extras(request, flavor.id, raw=True, flavor=flavor)
    return {**payload, "extra_specs": extra_specs}


@profiler.trace
def rebuild_server(request, server_id: str, image_id: str) -> None:
    """Rebuild one server from ``image_id`` (its root disk is replaced), with the user's token."""
    try:
        api.nova.server_rebuild(request, server_id, image_id)
    finally:
        epoch.bump(request)
