"""Mocks at Horizon's API boundary, the way Horizon's own view tests do it."""

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


class TestCase(CloudMocks, helpers.TestCase):
    pass


class AdminTestCase(CloudMocks, helpers.BaseAdminViewTests):
    pass
