"""Mocks at Horizon's API boundary, the way Horizon's own view tests do it."""

import json
from unittest import mock

from django.contrib.messages.storage import cookie as cookie_storage
from openstack_dashboard.api.rest import utils as rest_utils
from openstack_dashboard.test import helpers

from tests.views import data


class CloudMocks:
    """Glance, Nova and Cinder answering with tests.views.data (or failing on request)."""

    def glance_images(self, image_list):
        """Feed image_list_detailed: visible images by default, hidden ones for os_hidden."""

        def answer(request, marker=None, filters=None, paginate=False, **kwargs):
            hidden = bool((filters or {}).get("os_hidden"))
            selected = [image for image in image_list if bool(image.os_hidden) == hidden]
            if marker:
                ids = [image.id for image in selected]
                selected = selected[ids.index(marker) + 1 :]
            from django.conf import settings

            return selected[: settings.API_RESULT_LIMIT], False, False

        self.mock_image_list_detailed.side_effect = answer

    def mock_cloud(self, *, image_list=None, server_list=None, volume_list=None, flavor_list=None):
        self.glance_images(list(data.images().values()) if image_list is None else image_list)
        if hasattr(self, "mock_server_list"):
            self.mock_server_list.return_value = (
                data.servers() if server_list is None else server_list,
                False,
            )
        if hasattr(self, "mock_volume_list"):
            self.mock_volume_list.return_value = (
                data.volumes() if volume_list is None else volume_list
            )
        if hasattr(self, "mock_flavor_list"):
            self.mock_flavor_list.return_value = (
                data.flavors() if flavor_list is None else flavor_list
            )


class PageReading:
    """What a user gets from a page or a JSON endpoint."""

    def messages_shown(self, response):
        """The texts of the messages the page shows (Horizon renders them from the context),
        or, after a redirect, those the next page will show (the messages cookie)."""
        if response.context is not None and "messages" in response.context:
            return [str(message.message) for message in response.context["messages"]]
        cookie = response.cookies.get("messages")
        if cookie is None or not cookie.value:
            return []
        decoded = cookie_storage.CookieStorage(None)._decode(cookie.value)
        return [str(message.message) for message in decoded or ()]

    def get_api(self, url, params=None):
        """A JSON endpoint as the wizard's JavaScript calls it: (status, decoded body)."""
        # Horizon's JSONResponse has a read-only ``json`` property, which Django's test client
        # overwrites on every response: hidden while calling (the body is decoded here).
        with mock.patch.object(rest_utils._RestResponse, "json", None):
            response = self.client.get(url, params or {}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        self.assertEqual(response["Content-Type"], "application/json", response.content[:200])
        return response.status_code, json.loads(response.content)


class TestCase(PageReading, CloudMocks, helpers.TestCase):
    pass


class AdminTestCase(PageReading, CloudMocks, helpers.BaseAdminViewTests):
    pass
