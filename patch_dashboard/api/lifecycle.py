"""Glance writes of the admin actions, with the logged-in user's token.

Each write is one JSON patch holding only the keys the action owns (one ``add`` or
``remove`` per key), sent as ``PATCH /v2/images/{id}``: never a whole-image replace, so a
concurrent edit of any other property is kept. Glance decides: its policy and property
protections apply, a 403 comes back as ``glanceclient.exc.HTTPForbidden``.

Why not ``glanceclient``'s ``images.update``: it reads the image, diffs it against the
edited copy, and adds ``{"op": "replace", "path": "/tags", ...}`` whenever the image has tags,
so a tag added by someone else between its read and its write would be lost.
"""

import json
import logging

from openstack_dashboard import api
from openstack_dashboard.contrib.developer.profiler import api as profiler

from patch_dashboard.api.images import image_payload
from patch_dashboard.lifecycle import ImageRecord, parse_image
from patch_dashboard.lifecycle.actions import PropertyPatch

JSON_PATCH = "application/openstack-images-v2.1-json-patch"
LOG = logging.getLogger(__name__)


@profiler.trace
def get_image(request, image_id: str) -> ImageRecord:
    """The image as Glance holds it now (actions plan from this, not from a listing)."""
    return parse_image(image_payload(api.glance.image_get(request, image_id)))


@profiler.trace
def patch_properties(request, image_id: str, operations: list[dict]) -> None:
    """Send one JSON patch to Glance (nothing when there is nothing to change)."""
    if not operations:
        return
    client = api.glance.glanceclient(request)
    client.http_client.patch(
        "/v2/images/%s" % image_id,
        headers={"Content-Type": JSON_PATCH},
        data=json.dumps(operations),
    )


@profiler.trace
def apply_patch(request, image_id: str, patch: PropertyPatch) -> None:
    """Carry out one planned change, all of it or nothing.

    Restore reactivates before its record is removed, so a half-done restore is safe to
    repeat. Obsolete deactivates first: when Glance refuses, nothing has been written; when
    the properties then fail, the image is reactivated and stays as it was.
    """
    if patch.reactivate:
        api.glance.image_reactivate(request, image_id)
    if not patch.deactivate:
        patch_properties(request, image_id, patch.operations())
        return
    api.glance.image_deactivate(request, image_id)
    try:
        patch_properties(request, image_id, patch.operations())
    except Exception:
        try:
            api.glance.image_reactivate(request, image_id)
        except Exception:
            LOG.exception("image %s left deactivated after a failed obsolete", image_id)
        raise
