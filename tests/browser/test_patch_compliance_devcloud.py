"""Admin > Compute > Patch Compliance in Chromium against the development cloud."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.devcloud import browser_login, credentials

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cloud():
    return credentials()


def test_admin_compliance_chart(cloud, browser, screenshot):
    browser_login(browser, cloud, "admin")
    browser.get(cloud["horizon_url"] + "/admin/patch_compliance/")
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "patch-compliance-chart"))
    chart = browser.find_element(By.ID, "patch-compliance-chart")
    bars = chart.find_elements(By.CSS_SELECTOR, ".patch-bar")
    projects = {cloud["projects"]["alpha"], cloud["projects"]["beta"]}
    drawn = {bar.get_attribute("data-project") for bar in bars}
    assert projects <= drawn
    # Bootstrap progress bars: the two parts of each fill its track.
    for bar in bars:
        track = bar.find_element(By.CSS_SELECTOR, ".progress").size["width"]
        current = bar.find_element(By.CSS_SELECTOR, ".progress-bar.patch-bar-current")
        outdated = bar.find_element(By.CSS_SELECTOR, ".progress-bar.patch-bar-outdated")
        assert track > 0
        assert abs(current.size["width"] + outdated.size["width"] - track) <= 2
    # The theme's colours are served: outdated and current differ, neither is transparent.
    danger = chart.find_element(By.CSS_SELECTOR, ".patch-bar-outdated")
    success = chart.find_element(By.CSS_SELECTOR, ".patch-bar-current")
    colour = danger.value_of_css_property("background-color")
    assert colour != success.value_of_css_property("background-color")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    rows = browser.find_elements(By.CSS_SELECTOR, "#patch_compliance tbody tr[data-object-id]")
    assert len(rows) >= 10
    screenshot("patch_compliance_devcloud")


def test_member_outdated_instances(cloud, browser, screenshot):
    browser_login(browser, cloud, "alpha")
    browser.get(cloud["horizon_url"] + "/project/outdated_instances/")
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "outdated_instances"))
    text = browser.find_element(By.ID, "outdated_instances").text
    assert "alpha-db-1" in text
    assert "beta-" not in text
    badge = browser.find_element(By.CSS_SELECTOR, "#outdated_instances .patch-state-deprecated")
    assert badge.text == "Deprecated"
    screenshot("outdated_instances_devcloud")
