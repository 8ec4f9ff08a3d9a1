"""Glance: every image the user can see, as lifecycle records."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from openstack_dashboard import api
from openstack_dashboard.contrib.developer.profiler import api as profiler

from patch_dashboard import conf
from patch_dashboard.api import progress
from patch_dashboard.lifecycle import ImageRecord, parse_image


def image_payload(image: Any) -> Mapping[str, Any]:
    """The flat Glance v2 dict behind Horizon's Image wrapper."""
    resource = getattr(image, "_apiresource", image)
    if isinstance(resource, Mapping):
        return resource
    return image.to_dict()


def _list_pages(request, filters: Mapping[str, Any]) -> list[Any]:
    """All images matching ``filters``, paged through.

    Horizon's image_list_detailed stops after API_RESULT_LIMIT images; a full batch means
    there may be more, so ask again from the last id.
    """
    limit = settings.API_RESULT_LIMIT
    images: list[Any] = []
    marker = None
    while True:
        batch, _more, _prev = api.glance.image_list_detailed(
            request, marker=marker, filters=dict(filters), paginate=False
        )
        images.extend(batch)
        progress.read(request, "images", len(batch))
        if len(batch) < limit or not batch:
            return images
        marker = batch[-1].id


@profiler.trace
def list_images(request, *, updated_since: str | None = None) -> list[ImageRecord]:
    """Every image the user may see, hidden ones included when configured (the default);
    with ``updated_since`` (ISO 8601), those changed since then (Glance's ``updated_at``
    filter; a deleted image is not listed at all), for an index's incremental refresh."""
    filters = {"updated_at": "gte:" + updated_since} if updated_since else {}
    wrapped = _list_pages(request, filters)
    if conf.include_hidden_images():
        wrapped += _list_pages(request, {**filters, "os_hidden": True})
    seen: set[str] = set()
    records = []
    for image in wrapped:
        record = parse_image(image_payload(image))
        if record.id not in seen:
            seen.add(record.id)
            records.append(record)
    return records
