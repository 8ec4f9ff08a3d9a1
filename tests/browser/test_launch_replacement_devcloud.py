"""Outdated Instances > Launch Replacement in Chromium against the development cloud: the
wizard opens on the recommended build (Source) with the flavor the row recommends allocated
and marked as recommended (Flavor).

Each test owns an image family of two builds and an instance of project alpha on the older
one, running m1.medium: it fits the new build, so the row recommends keeping it, where the
wizard on its own would mark the smallest flavor that fits (m1.tiny). Everything is deleted
after.
"""

import datetime as dt
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from tests.browser.test_launch_wizard import (
    go_to_step,
    login,
    name_of,
    row_named,
    rows_of,
    transfer_sections,
    wait,
    wait_row,
)
from tests.integration.conftest import cloud, scratch_image, sdk  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

WHO = "alpha"
FLAVOR = "m1.medium"  # the instance's flavor: fits the new build, and is not the smallest


@pytest.fixture
def outdated_instance(cloud, sdk, scratch_image):  # noqa: F811
    """An instance of alpha on the older of two builds of a new family; deleted after."""
    admin = sdk("admin")
    member = sdk(WHO)
    family = "pd-handoff-%s" % uuid.uuid4().hex[:8]
    today = dt.datetime.now(dt.timezone.utc).date()

    def build(days_ago):
        image_id = scratch_image(
            family,
            os_distro=family,
            os_version="1",
            architecture="x86_64",
            os_purpose="generic",
            image_build_date=(today - dt.timedelta(days=days_ago)).isoformat(),
            replace_frequency="quarterly",
        )
        return admin.image.get_image(image_id)

    old = build(60)
    new = build(5)
    project = cloud["projects"][WHO]
    quota = admin.compute.get_quota_set(project, usage=True)
    used = quota.usage.get("instances", 0) if quota.usage else 0
    if quota.instances != -1 and quota.instances < used + 2:
        admin.compute.update_quota_set(project, instances=used + 3)
    server = member.compute.create_server(
        name="%s-vm" % family,
        image_id=old.id,
        flavor_id=member.compute.find_flavor(FLAVOR).id,
        networks="none",
    )
    try:
        member.compute.wait_for_server(server, status="ACTIVE", wait=600)
        yield {"server": server, "old": old, "new": new}
    finally:
        member.compute.delete_server(server.id, ignore_missing=True)
        member.compute.wait_for_delete(server, wait=300)


def test_launch_replacement_allocates_the_recommended_image_and_flavor(
    browser,
    screenshot,
    cloud,  # noqa: F811
    outdated_instance,
):
    server = outdated_instance["server"]
    new = outdated_instance["new"]
    login(browser, cloud)
    browser.add_cookie({"name": "API_RESULT_PAGE_SIZE", "value": "1000", "path": "/"})
    # Refresh: the instance was booted around the dashboard a moment ago.
    browser.get(cloud["horizon_url"] + "/project/outdated_instances/?refresh=1")
    row = wait(
        browser,
        EC.presence_of_element_located(
            (By.CSS_SELECTOR, "#outdated_instances tr[data-object-id='%s']" % server.id)
        ),
    )
    # The row: superseded, the new build and the flavor it runs on now.
    assert new.name in row.text
    assert FLAVOR in row.text
    launch = row.find_element(
        By.ID, "outdated_instances__row_%s__action_launch_replacement" % server.id
    )
    wait(browser, EC.element_to_be_clickable(launch)).click()
    wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, ".ng-wizard")))

    # Source: the recommended build, allocated.
    step = go_to_step(browser, "Source")
    wait_row(browser, step, new.name, available=False)
    allocated, _available = transfer_sections(step)
    assert [name_of(each) for each in rows_of(allocated)] == [new.name]

    # Flavor: the row's flavor, allocated and marked as recommended, kept because it fits.
    step = go_to_step(browser, "Flavor")
    chosen = wait_row(browser, step, FLAVOR, available=False)
    marker = wait(
        browser,
        lambda b: chosen.find_element(By.CSS_SELECTOR, ".patch-dashboard-flavor-recommended"),
    )
    wait(browser, lambda b: "Your current flavor, and it fits the image." in marker.text)
    allocated, available = transfer_sections(step)
    assert [name_of(each) for each in rows_of(allocated)] == [FLAVOR]
    # Allocated as if the user had: its row offers to remove it (the arrow down).
    arrow = chosen.find_element(By.CSS_SELECTOR, "td.actions_column button")
    assert "fa-arrow-down" in arrow.get_attribute("class").split()
    # The smallest that fits is not what the wizard marks here.
    tiny = row_named(available, "m1.tiny")
    assert not tiny.find_elements(By.CSS_SELECTOR, ".patch-dashboard-flavor-recommended")
    marked = [
        each
        for each in step.find_elements(By.CSS_SELECTOR, ".patch-dashboard-flavor-recommended")
        if each.is_displayed()
    ]
    assert len(marked) == 1
    screenshot("launch_replacement_flavor")

    browser.find_element(By.CSS_SELECTOR, ".ng-wizard .modal-footer .btn.pull-left").click()
    wait(browser, EC.invisibility_of_element_located((By.CSS_SELECTOR, ".ng-wizard")))
