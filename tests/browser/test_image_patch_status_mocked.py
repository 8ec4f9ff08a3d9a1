"""The Image Patch Status panel in Chromium, served by pytest-django's live_server with
Horizon's API mocked (no real network call is allowed)."""

from unittest import mock

import pytest
from openstack_dashboard import api
from selenium.webdriver.common.by import By

from tests.browser.conftest import logged_in_without_network
from tests.views import data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=False)]


@pytest.fixture
def mocked_horizon(live_server, browser, monkeypatch):
    """A logged-in member, Glance/Nova/Cinder answering from tests.views.data."""
    images = list(data.images().values())

    def image_list(request, marker=None, filters=None, paginate=False, **kwargs):
        hidden = bool((filters or {}).get("os_hidden"))
        return [i for i in images if bool(i.os_hidden) == hidden], False, False

    with (
        logged_in_without_network(monkeypatch),
        mock.patch.object(api.glance, "image_list_detailed", side_effect=image_list),
        mock.patch.object(api.nova, "server_list", return_value=(data.servers(), False)),
        mock.patch.object(api.cinder, "volume_list", return_value=data.volumes()),
    ):
        yield live_server


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


def test_next_and_prev_keep_the_filter(mocked_horizon, browser, settings):
    """Two rows a page: the three superseded builds take two pages, and the links keep the
    state filter both ways."""
    settings.PATCH_DASHBOARD_PAGE_SIZE = 2
    browser.get(mocked_horizon.url + "/project/image_patch_status/?state=superseded")

    def shown():
        rows = browser.find_elements(
            By.CSS_SELECTOR, "#image_patch_status tbody tr[data-object-id]"
        )
        return [row.find_element(By.CSS_SELECTOR, ".patch-state").text for row in rows]

    first = shown()
    assert first == ["Superseded", "Superseded"]
    browser.find_element(By.PARTIAL_LINK_TEXT, "Next").click()
    assert shown() == ["Superseded"]
    assert "state=superseded" in browser.current_url
    assert not browser.find_elements(By.PARTIAL_LINK_TEXT, "Next")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Prev").click()
    assert shown() == first
    assert "state=superseded" in browser.current_url
