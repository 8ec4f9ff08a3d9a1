"""Admin > Compute > Image Lifecycle in Chromium against the development cloud: an admin
deprecates an image through the dialog and its state badge changes."""

import time
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.devcloud import browser_login, credentials
from tests.integration.test_image_lifecycle import _seed_module

pytestmark = pytest.mark.browser

PANEL = "/admin/image_lifecycle/"


@pytest.fixture(scope="module")
def cloud():
    return credentials()


@pytest.fixture
def builds(cloud):
    """Two builds of a fresh family (old, new), made for this test and deleted after it."""
    import openstack

    user = cloud["users"]["admin"]
    conn = openstack.connect(
        auth_url=cloud["keystone_url"],
        username=user["username"],
        password=user["password"],
        project_name=user["project"],
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=cloud["region"],
        identity_api_version="3",
    )
    glance = _seed_module().Images(conn)
    label = "pd-browser-%s" % uuid.uuid4().hex[:8]
    common = {"image_name": label, "os_purpose": "generic", "replace_frequency": "monthly"}
    created = []
    try:
        created.append(
            glance.create("%s 20240101" % label, {**common, "image_build_date": "2024-01-01"})
        )
        today = time.strftime("%Y-%m-%d", time.gmtime())
        created.append(glance.create(label, {**common, "image_build_date": today}))
        yield {"label": label, "old": created[0], "new": created[1]}
    finally:
        for image_id in created:
            glance.delete(image_id)
        conn.close()


def badge_of(browser, image_id):
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % image_id)
    return row.find_element(By.CSS_SELECTOR, ".patch-state")


def test_admin_deprecates_through_the_dialog(cloud, browser, screenshot, builds):
    wait = WebDriverWait(browser, 60)
    browser_login(browser, cloud, "admin")
    # Refresh: the builds were made around the dashboard a moment ago.
    browser.get(cloud["horizon_url"] + PANEL + "?refresh=1&family=image_name:" + builds["label"])
    wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % builds["old"])
    )
    assert badge_of(browser, builds["old"]).get_attribute("data-patch-state") == "superseded"
    assert badge_of(browser, builds["new"]).get_attribute("data-patch-state") == "current"

    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % builds["old"])
    row.find_element(By.CSS_SELECTOR, "a[id$='__action_deprecate']").click()
    modal = wait.until(
        expected_conditions.visibility_of_element_located((By.ID, "deprecate_image_modal"))
    )
    # The dialog gives each image its family's newest build and shows the impact before
    # anything is written.
    replacement = modal.find_element(By.ID, "id_replacement")
    assert replacement.get_attribute("value") == "own-family"
    selected = modal.find_element(By.ID, "patch-lifecycle-selected").text
    assert selected == "%s 20240101: replaced by %s" % (builds["label"], builds["label"])
    assert (
        "No instance runs these images." in modal.find_element(By.ID, "patch-lifecycle-impact").text
    )
    modal.find_element(By.ID, "id_reason").send_keys("CVE-2024-6387 (browser test)")
    screenshot("image_lifecycle_deprecate_dialog")
    modal.find_element(By.CSS_SELECTOR, "input.btn-primary[type=submit]").click()

    # Horizon reloads the panel after the dialog; the row now carries the deprecated badge.
    wait.until(expected_conditions.staleness_of(row))
    wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % builds["old"])
    )
    badge = badge_of(browser, builds["old"])
    assert badge.get_attribute("data-patch-state") == "deprecated"
    assert badge.text == "Deprecated"
    assert "label-danger" in badge.get_attribute("class")
    assert "Deprecated image: %s 20240101." % builds["label"] in browser.page_source
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", badge)
    screenshot("image_lifecycle_deprecated")
