"""Saves of one image through the dashboard follow one another.

Glance (33) carries out a PATCH as read, modify, write of every property, so two PATCHes
at the same moment can lose the first one's keys. The fake Glance here does the same (it
reads, waits, writes): the dashboard's save path with its lock taken out loses one edit.
``update_image`` holds the image's write lock in Django's cache around read, plan and
write, so both admins' edits survive.
"""

import contextlib
import json
import logging
import threading
import time
from unittest import mock

from django.core.cache import cache
from openstack_dashboard import api
from openstack_dashboard.test import helpers
from openstack_dashboard.test.test_data.glance_data import APIResourceV2

from patch_dashboard.api import lifecycle as lifecycle_api
from patch_dashboard.lifecycle.actions import PropertyPatch, plan_metadata
from tests.views import data
from tests.views.helpers import AdminTestCase

MOCKS = {api.glance: ["image_get", "glanceclient"]}


class RacyGlance:
    """One image whose PATCH reads every property, pauses, then writes them all back."""

    def __init__(self, image):
        self.properties = dict(image.to_dict())
        self.lock = threading.Lock()  # guards the dict, not the read-modify-write
        self.patches = 0

    def image_get(self, request, image_id):
        with self.lock:
            return api.glance.Image(APIResourceV2(dict(self.properties)))

    def patch(self, url, headers=None, data=None):
        with self.lock:
            snapshot = dict(self.properties)
        time.sleep(0.2)  # the other PATCH reads meanwhile
        for operation in json.loads(data):
            key = operation["path"][1:]
            if operation["op"] == "add":
                snapshot[key] = operation["value"]
            else:
                snapshot.pop(key, None)
        with self.lock:
            self.properties = snapshot
            self.patches += 1


class WriteLockTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.image = data.images()["ubuntu-new"]
        self.image_id = self.image.id

    def racy_glance(self):
        glance = RacyGlance(self.image)
        self.mock_image_get.side_effect = glance.image_get
        self.mock_glanceclient.return_value.http_client.patch.side_effect = glance.patch
        return glance

    def two_admins(self, save):
        """Admin A sets patchlevel, admin B replace_frequency, at the same moment."""
        barrier = threading.Barrier(2)
        errors = []

        def run(values):
            barrier.wait()
            try:
                save(values)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [
            threading.Thread(target=run, args=({"patchlevel": "set-by-a"},)),
            threading.Thread(target=run, args=({"replace_frequency": "weekly"},)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])

    def save(self, values):
        """One admin's Save in Edit Patch Metadata, as the form carries it out."""
        lifecycle_api.update_image(
            self.request, self.image_id, lambda image: plan_metadata(image, values)
        )

    def edits_kept(self, glance):
        return (
            glance.properties.get("patchlevel") == "set-by-a",
            glance.properties.get("replace_frequency") == "weekly",
        )

    @helpers.create_mocks(MOCKS)
    def test_without_the_lock_the_same_saves_lose_exactly_one_edit(self):
        """The dashboard's own save path with the lock taken out: it is the lock, not the
        fake, that keeps both edits (the fake loses one the way Glance 33 does)."""
        glance = self.racy_glance()

        @contextlib.contextmanager
        def no_lock(image_id, **kwargs):
            yield True

        with mock.patch.object(lifecycle_api, "image_write_lock", no_lock):
            self.two_admins(self.save)
        self.assertEqual(glance.patches, 2)
        self.assertEqual(sorted(self.edits_kept(glance)), [False, True])

    @helpers.create_mocks(MOCKS)
    def test_two_admins_saving_at_once_both_keep_their_edit(self):
        glance = self.racy_glance()
        self.two_admins(self.save)
        self.assertEqual(glance.patches, 2)
        self.assertEqual(self.edits_kept(glance), (True, True))
        # The lock is released: a third save gets it at once.
        with lifecycle_api.image_write_lock(self.image_id, wait=0) as held:
            self.assertTrue(held)

    @helpers.create_mocks(MOCKS)
    def test_a_stuck_lock_delays_a_save_but_never_loses_it(self):
        """A holder that never releases (a killed worker) costs the wait, then the save
        goes ahead and the log says so; the lock expires after LOCK_TTL anyway."""
        glance = self.racy_glance()
        cache.add("patch_dashboard:image-write:%s" % self.image_id, "dead-worker", 60)
        with self.assertLogs(lifecycle_api.LOG, logging.WARNING) as logs:
            with lifecycle_api.image_write_lock(self.image_id, wait=0.3) as held:
                self.assertFalse(held)
                lifecycle_api.apply_patch(
                    self.request, self.image_id, PropertyPatch(set={"patchlevel": "7"})
                )
        self.assertEqual(glance.properties["patchlevel"], "7")
        self.assertIn("without the lock", logs.output[0])
        # Someone else's lock is left alone.
        self.assertEqual(cache.get("patch_dashboard:image-write:%s" % self.image_id), "dead-worker")

    @helpers.create_mocks(MOCKS)
    def test_a_cache_that_is_down_does_not_stop_a_save(self):
        glance = self.racy_glance()
        with (
            mock.patch.object(lifecycle_api.cache, "add", side_effect=ConnectionError("down")),
            self.assertLogs(lifecycle_api.LOG, logging.WARNING),
        ):
            image, patch = lifecycle_api.update_image(
                self.request,
                self.image_id,
                lambda image: plan_metadata(image, {"patchlevel": "8"}),
            )
        self.assertEqual(patch.set, {"patchlevel": "8"})
        self.assertEqual(glance.properties["patchlevel"], "8")
