"""The Image Patch Status panel in Chromium, served by pytest-django's live_server with
Horizon's API mocked (no real network call is allowed)."""

from unittest import mock

import pytest
from django.conf import settings
from openstack_auth import user as auth_user
from openstack_auth import utils as auth_utils
from openstack_dashboard import api
from openstack_dashboard.test import helpers as horizon_helpers
from openstack_dashboard.test.test_data import utils as test_data_utils
from selenium.webdriver.common.by import By
from urllib3.connection import HTTPConnection

from tests.views import data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=False)]


class _TestData:
    pass


@pytest.fixture
def mocked_horizon(live_server, browser, monkeypatch):
    """A logged-in member, Glance/Nova/Cinder answering from tests.views.data."""
    test_data = _TestData()
    test_data_utils.load_test_data(test_data)

    def get_user(request):
        return auth_user.User(
            id=test_data.user.id,
            token=test_data.token,
            user=test_data.user.name,
            tenant_id=test_data.tenant.id,
            tenant_name=test_data.tenant.name,
            service_catalog=test_data.service_catalog,
            roles=[{"id": "2", "name": "member"}],
            authorized_tenants=test_data.tenants.list(),
            endpoint=settings.OPENSTACK_KEYSTONE_URL,
            enabled=True,
        )

    monkeypatch.setattr(auth_utils, "get_user", get_user)
    patchers = horizon_helpers._apply_panel_mocks()

    images = list(data.images().values())

    def image_list(request, marker=None, filters=None, paginate=False, **kwargs):
        hidden = bool((filters or {}).get("os_hidden"))
        return [i for i in images if bool(i.os_hidden) == hidden], False, False

    # Only the browser's driver (and the live server) may be reached; any other
    # connection would be a real API call slipping past the mocks.
    real_connect = HTTPConnection.connect
    stray = []

    def guarded_connect(self):
        if self.host in ("127.0.0.1", "localhost", "::1"):
            return real_connect(self)
        stray.append(f"{self.host}:{self.port}")
        raise ConnectionRefusedError(f"unmocked call to {self.host}:{self.port}")

    monkeypatch.setattr(HTTPConnection, "connect", guarded_connect)
    with (
        mock.patch.object(api.glance, "image_list_detailed", side_effect=image_list),
        mock.patch.object(api.nova, "server_list", return_value=(data.servers(), False)),
        mock.patch.object(api.cinder, "volume_list", return_value=data.volumes()),
    ):
        yield live_server
    for patcher in patchers.values():
        patcher.stop()
    assert stray == [], f"unmocked API calls: {stray}"


def test_panel_shows_states_with_coloured_badges(mocked_horizon, browser, screenshot):
    browser.get(mocked_horizon.url + "/project/image_patch_status/")
    screenshot("image_patch_status_mocked")
    table = browser.find_element(By.ID, "image_patch_status")
    badges = {
        row.find_element(By.CSS_SELECTOR, "td a").text: row.find_element(
            By.CSS_SELECTOR, ".patch-state"
        )
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr[data-object-id]")
    }
    assert badges["Debian 12 20240801"].text == "Deprecated"
    assert badges["Ubuntu 24.04"].text == "Current"
    assert badges["Ubuntu 24.04 20240901"].text == "Superseded"
    assert badges["Fedora 38"].text == "End of life"
    # The colours a person sees come from the theme: green for current, red for deprecated.
    current = badges["Ubuntu 24.04"].value_of_css_property("background-color")
    deprecated = badges["Debian 12 20240801"].value_of_css_property("background-color")
    assert current != deprecated
    assert current not in ("rgba(0, 0, 0, 0)", "transparent")


def test_state_filter_link(mocked_horizon, browser):
    browser.get(mocked_horizon.url + "/project/image_patch_status/")
    browser.find_element(By.CSS_SELECTOR, '.patch-state-filter[data-state="superseded"]').click()
    names = [
        element.text
        for element in browser.find_elements(
            By.CSS_SELECTOR, "#image_patch_status tbody tr[data-object-id] td a:first-child"
        )
        if element.text
    ]
    rows = browser.find_elements(By.CSS_SELECTOR, "#image_patch_status tbody tr[data-object-id]")
    assert len(rows) == 3
    assert "Ubuntu 24.04 20240901" in names
