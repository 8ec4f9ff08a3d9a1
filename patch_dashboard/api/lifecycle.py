"""Glance writes of the admin actions, with the logged-in user's token.

Each write is one JSON patch holding only the keys the action owns (one ``add`` or
``remove`` per key), sent as ``PATCH /v2/images/{id}``: never a whole-image replace, so a
concurrent edit of any other property is kept. Glance decides: its policy and property
protections apply, a 403 comes back as ``glanceclient.exc.HTTPForbidden``.

Why not ``glanceclient``'s ``images.update``: it reads the image, diffs it against the
edited copy, and adds ``{"op": "replace", "path": "/tags", ...}`` whenever the image has tags,
so a tag added by someone else between its read and its write would be lost.

Why a lock as well: Glance (33) carries out a PATCH as read, modify, write of every property
with no row lock, so two PATCHes of one image at the same moment can lose the first one's
keys. ``update_image`` holds a short per-image lock in Django's cache around read, plan and
write, so saves made through the dashboard follow one another. It spans Horizon's workers
when the cache does (memcached, as production Horizon runs); writes from other clients
(the CLI, scripts) are outside it.
"""

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator

from django.core import signing
from django.core.cache import cache
from openstack_dashboard import api
from openstack_dashboard.contrib.developer.profiler import api as profiler

from patch_dashboard.api import epoch
from patch_dashboard.api.images import image_payload
from patch_dashboard.lifecycle import ImageRecord, parse_image
from patch_dashboard.lifecycle.actions import RECORD_SALT, PropertyPatch

JSON_PATCH = "application/openstack-images-v2.1-json-patch"
LOG = logging.getLogger(__name__)

LOCK_TTL = 60  # seconds a write may hold the lock; a dead worker's lock expires after it
LOCK_WAIT = 30  # seconds a save waits for another save of the same image


def record_signer() -> signing.Signer:
    """Signs and checks ``patch_dashboard_applied`` with Horizon's ``SECRET_KEY`` (and
    ``SECRET_KEY_FALLBACKS`` while a key is rotated): every Horizon server of a deployment
    shares it, so a record written by one is honoured by all, and by nobody else. Restore
    acts only on records this deployment signed (see lifecycle/actions.py); the salt keeps
    these signatures apart from every other use of SECRET_KEY."""
    return signing.Signer(salt=RECORD_SALT)


@contextlib.contextmanager
def image_write_lock(image_id: str, *, wait: float = LOCK_WAIT) -> Iterator[bool]:
    """Hold the dashboard's write lock of one image; yields whether it was got.

    A save that cannot get it within ``wait`` (a stuck holder), or whose cache is down,
    goes ahead without it and says so in the log: a lost race is Glance's old behaviour,
    a refused save would lose the admin's input.
    """
    key = "patch_dashboard:image-write:%s" % image_id
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    delay = 0.02
    held = False
    while True:
        try:
            held = cache.add(key, token, LOCK_TTL)
        except Exception:
            LOG.warning("cache unavailable: writing image %s without the lock", image_id)
            break
        if held or time.monotonic() >= deadline:
            break
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
    if not held:
        LOG.warning("writing image %s without the lock (another save holds it)", image_id)
    try:
        yield held
    finally:
        if held:
            try:
                if cache.get(key) == token:
                    cache.delete(key)
            except Exception:
                LOG.warning("could not release the write lock of image %s", image_id)


def update_image(
    request, image_id: str, plan: Callable[[ImageRecord], PropertyPatch]
) -> tuple[ImageRecord, PropertyPatch]:
    """Read the image, plan the change from what Glance holds now, and write it, under the
    image's write lock; returns the image as read and the patch that was carried out."""
    with image_write_lock(image_id):
        image = get_image(request, image_id)
        patch = plan(image)
        apply_patch(request, image_id, patch)
    return image, patch


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
    try:
        client.http_client.patch(
            "/v2/images/%s" % image_id,
            headers={"Content-Type": JSON_PATCH},
            data=json.dumps(operations),
        )
    finally:
        epoch.bump(request)  # even a failed patch may have been applied


@profiler.trace
def apply_patch(request, image_id: str, patch: PropertyPatch) -> None:
    """Carry out one planned change, all of it or nothing.

    Restore reactivates before its record is removed, so a half-done restore is safe to
    repeat. Obsolete deactivates first: when Glance refuses, nothing has been written; when
    the properties then fail, the image is reactivated and stays as it was.
    """
    if patch.reactivate:
        api.glance.image_reactivate(request, image_id)
        epoch.bump(request)
    if not patch.deactivate:
        patch_properties(request, image_id, patch.operations())
        return
    api.glance.image_deactivate(request, image_id)
    epoch.bump(request)
    try:
        patch_properties(request, image_id, patch.operations())
    except Exception:
        try:
            api.glance.image_reactivate(request, image_id)
        except Exception:
            LOG.exception("image %s left deactivated after a failed obsolete", image_id)
        raise
