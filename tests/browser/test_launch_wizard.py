"""Launch guidance in Horizon's Launch Instance wizard, in Chromium, against the development
cloud (devcloud/cloud.sh up): a member picks a deprecated image, is warned, switches to the
latest build in one click, sees the recommended flavor marked, launches, and Nova runs the
new instance on the recommended image.

The seeded deprecated Debian build is hidden (as the plugin's deprecate action leaves it), and
the wizard lists only visible images; so each test owns a still-listed deprecated build in the
member's project (deprecated by metadata alone, as other tools write it) and deletes it after.

Launching needs a Horizon that can create a server without a network service (Nova >= 2.37
wants nics="none", which the wizard cannot send): set PATCH_DASHBOARD_HORIZON_URL to run these
tests against another Horizon in front of the same cloud.
"""

import datetime as dt
import os
import time
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration.conftest import cloud, sdk, seed  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

WHO = "alpha"
WAIT = 60
# Nova's fake driver boots in about a second, but the shared development cloud may be busy
# booting other tests' servers one after the other.
ACTIVE_WAIT = 600
REASON = "CVE-2025-4802 (glibc static setuid LD_LIBRARY_PATH): rebuilt as Debian 12"
PLUGIN_API = "*/api/patch_dashboard/*"


def horizon_url(cloud):  # noqa: F811
    # PATCH_DASHBOARD_HORIZON_URL: another Horizon in front of the same cloud (e.g. with a shim).
    return os.environ.get("PATCH_DASHBOARD_HORIZON_URL") or cloud["horizon_url"]


# ---------------------------------------------------------------- cloud side


def _qcow2():
    from devcloud.seed import qcow2_image  # a valid empty qcow2 v3 image, as the seed uploads

    return qcow2_image()


@pytest.fixture
def deprecated_build(cloud, sdk):  # noqa: F811
    """A listed, deprecated Debian 12 build private to the member's project; deleted after."""
    conn = sdk(WHO)
    now = dt.datetime.now(dt.timezone.utc)
    built = (now - dt.timedelta(days=60)).date()
    name = "Debian 12 %s (launch test %s)" % (built.strftime("%Y%m%d"), uuid.uuid4().hex[:6])
    body = {
        "name": name,
        "disk_format": "qcow2",
        "container_format": "bare",
        "visibility": "private",
        "os_distro": "debian",
        "os_version": "12",
        "architecture": "x86_64",
        "os_purpose": "generic",
    }
    # Glance's property protections (the development cloud runs docs/security.md's file)
    # leave the pipeline and lifecycle keys to the admin, as an image pipeline would set them.
    protected = {
        "image_build_date": built.isoformat(),
        "replace_frequency": "quarterly",
        "deprecation_state": "deprecated",
        "deprecated_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "replaced_by": cloud["images"]["debian-12"],
        "deprecation_reason": REASON,
    }
    response = conn.image.post("/images", json=body)
    assert response.status_code == 201, response.text
    image_id = response.json()["id"]
    try:
        completed = sdk("admin").image.patch(
            "/images/%s" % image_id,
            json=[
                {"op": "add", "path": "/" + key, "value": value} for key, value in protected.items()
            ],
            headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
        )
        assert completed.status_code == 200, completed.text
        upload = conn.image.put(
            "/images/%s/file" % image_id,
            data=_qcow2(),
            headers={"Content-Type": "application/octet-stream"},
        )
        assert upload.status_code == 204, upload.text
        yield {"id": image_id, "name": name}
    finally:
        conn.image.delete("/images/%s" % image_id)


@pytest.fixture
def servers_to_delete(cloud, sdk):  # noqa: F811
    """Names of servers a test launches; each is deleted afterwards, whatever happened.

    The seed fills most of the member's instance quota and other integration tests launch
    servers too: make sure the project has room for one more, or the wizard's Launch button
    is disabled ("Quota exceeded").
    """
    admin = sdk("admin")
    project = cloud["projects"][WHO]
    quota = admin.compute.get_quota_set(project, usage=True)
    used = quota.usage.get("instances", 0) if quota.usage else 0
    if quota.instances != -1 and quota.instances < used + 3:
        admin.compute.update_quota_set(project, instances=used + 5)
    names = []
    yield names
    conn = sdk(WHO)
    for name in names:
        for server in conn.compute.servers(name="^%s$" % name):
            conn.compute.delete_server(server)


def wait_active(conn, name):
    """The server launched under ``name``, once ACTIVE (fails on ERROR or after a while)."""
    deadline = time.monotonic() + ACTIVE_WAIT
    while time.monotonic() < deadline:
        found = list(conn.compute.servers(name="^%s$" % name))
        if found:
            server = conn.compute.get_server(found[0].id)
            assert server.status != "ERROR", server.fault
            if server.status == "ACTIVE":
                return server
        time.sleep(1)
    raise AssertionError("server %s did not become ACTIVE in %s s" % (name, ACTIVE_WAIT))


# ---------------------------------------------------------------- browser side


def wait(browser, condition, timeout=WAIT):
    return WebDriverWait(browser, timeout).until(condition)


def login(browser, cloud):  # noqa: F811
    user = cloud["users"][WHO]
    browser.delete_all_cookies()
    browser.get(horizon_url(cloud) + "/auth/login/")
    wait(browser, EC.visibility_of_element_located((By.ID, "id_username")))
    browser.find_element(By.ID, "id_username").send_keys(user["username"])
    browser.find_element(By.ID, "id_password").send_keys(user["password"])
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser, lambda b: "/auth/login" not in b.current_url)


def open_wizard(browser, cloud, instance_name):  # noqa: F811
    browser.get(horizon_url(cloud) + "/project/instances/")
    wait(browser, EC.element_to_be_clickable((By.ID, "instances__action_launch-ng"))).click()
    wizard = wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, ".ng-wizard")))
    name = wait(browser, EC.visibility_of_element_located((By.ID, "name")))
    name.send_keys(instance_name)
    return wizard


def go_to_step(browser, title):
    for link in browser.find_elements(By.CSS_SELECTOR, ".wizard-nav li a"):
        if link.text.strip() == title:
            link.click()
            return wait(
                browser,
                lambda b: next(
                    (
                        s
                        for s in b.find_elements(By.CSS_SELECTOR, ".wizard-steps .step")
                        if s.is_displayed()
                    ),
                    None,
                ),
            )
    raise AssertionError("no wizard step %r" % title)


def transfer_sections(step):
    """(allocated, available) tables of the step's transfer table."""
    tables = step.find_elements(By.CSS_SELECTOR, "transfer-table table.table")
    assert len(tables) >= 2, "transfer table not drawn"
    return tables[0], tables[1]


def rows_of(table):
    return [
        row
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr[ng-repeat-start]")
        if row.is_displayed()
    ]


def name_of(row):
    # Cells: selection (hidden), expander, then the name.
    return row.find_element(By.CSS_SELECTOR, "td:nth-child(3)").text.strip()


def row_named(table, name):
    return next((row for row in rows_of(table) if name_of(row) == name), None)


def wait_row(browser, step, name, available=True):
    def find(_):
        allocated, free = transfer_sections(step)
        return row_named(free if available else allocated, name)

    return wait(browser, find)


def allocate(row):
    row.find_element(By.CSS_SELECTOR, "td.actions_column button").click()


def finish(browser):
    button = browser.find_element(By.CSS_SELECTOR, ".ng-wizard .modal-footer .btn.finish")
    wait(browser, lambda b: button.is_enabled())
    button.click()
    wait(browser, EC.invisibility_of_element_located((By.CSS_SELECTOR, ".ng-wizard")))


def block_plugin_endpoints(browser):
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [PLUGIN_API]})


def unblock(browser):
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})


# ---------------------------------------------------------------- tests


def test_deprecated_image_warned_swapped_and_launched_on_latest_build(
    browser,
    screenshot,
    cloud,  # noqa: F811
    sdk,  # noqa: F811
    deprecated_build,
    servers_to_delete,
):
    latest_id = cloud["images"]["debian-12"]
    instance = "launch-guidance-%s" % uuid.uuid4().hex[:6]
    servers_to_delete.append(instance)
    login(browser, cloud)
    open_wizard(browser, cloud, instance)

    # Source step: badges on every image row, the recommended build ahead of the deprecated.
    step = go_to_step(browser, "Source")
    old_row = wait_row(browser, step, deprecated_build["name"])
    badge = wait(browser, lambda b: old_row.find_element(By.CSS_SELECTOR, ".patch-state"))
    assert badge.text == "Deprecated"
    _allocated, available = transfer_sections(step)
    names = [name_of(row) for row in rows_of(available)]
    assert names.index("Debian 12") < names.index(deprecated_build["name"]), names
    current = row_named(available, "Debian 12").find_element(By.CSS_SELECTOR, ".patch-state")
    assert current.text == "Current"

    # Picking the deprecated build: the warning with the reason and a one-click switch.
    allocate(old_row)
    warning = wait(
        browser,
        EC.visibility_of_element_located((By.CSS_SELECTOR, ".patch-dashboard-image-warning")),
    )
    assert "Deprecated since" in warning.text
    assert REASON in warning.text
    use_latest = warning.find_element(By.CSS_SELECTOR, ".patch-dashboard-use-latest")
    assert use_latest.text.strip() == "Use Debian 12"
    assert use_latest.get_attribute("data-image-id") == latest_id
    screenshot("launch_wizard_deprecated_warning")

    use_latest.click()
    wait_row(browser, step, "Debian 12", available=False)
    wait(
        browser,
        EC.invisibility_of_element_located((By.CSS_SELECTOR, ".patch-dashboard-image-warning")),
    )
    allocated, available = transfer_sections(step)
    assert [name_of(row) for row in rows_of(allocated)] == ["Debian 12"]
    # The swapped-out build is offered again among the available images.
    assert row_named(available, deprecated_build["name"]) is not None

    # Flavor step: the recommended flavor is marked, with why it fits.
    step = go_to_step(browser, "Flavor")
    marker = wait(
        browser,
        EC.visibility_of_element_located((By.CSS_SELECTOR, ".patch-dashboard-flavor-recommended")),
    )
    recommended_row = marker.find_element(By.XPATH, "./ancestor::tr[1]")
    assert name_of(recommended_row) == "m1.tiny"
    assert "The smallest flavor that fits the image." in marker.text
    assert "the image sets no minimum" in marker.text
    assert "hw_disk_bus, hw_qemu_guest_agent, hw_scsi_model: the flavor does not" in marker.text
    screenshot("launch_wizard_recommended_flavor")
    allocate(recommended_row)
    wait_row(browser, step, "m1.tiny", available=False)

    finish(browser)
    server = wait_active(sdk(WHO), instance)
    assert server.image.id == latest_id
    assert server.flavor.name == "m1.tiny"


def test_flavors_that_cannot_boot_the_image_say_why(
    browser,
    screenshot,
    cloud,  # noqa: F811
):
    login(browser, cloud)
    open_wizard(browser, cloud, "never-launched")
    step = go_to_step(browser, "Source")
    allocate(wait_row(browser, step, "openSUSE Leap 15.6"))  # min_ram 2048, min_disk 20
    step = go_to_step(browser, "Flavor")
    tiny = wait_row(browser, step, "m1.tiny")
    misfit = wait(
        browser, lambda b: tiny.find_element(By.CSS_SELECTOR, ".patch-dashboard-flavor-misfit")
    )
    assert "The image needs at least 2048 MB of RAM; this flavor has 512 MB." in misfit.text
    assert "The image needs a root disk of at least 20 GB; this flavor has 1 GB." in misfit.text
    marker = step.find_element(By.CSS_SELECTOR, ".patch-dashboard-flavor-recommended")
    row = marker.find_element(By.XPATH, "./ancestor::tr[1]")
    assert name_of(row) == "m1.small"
    assert "at least the 2048 MB the image needs" in marker.text
    screenshot("launch_wizard_flavor_reasons")


def test_wizard_launches_unchanged_when_the_plugin_endpoints_fail(
    browser,
    cloud,  # noqa: F811
    sdk,  # noqa: F811
    deprecated_build,
    servers_to_delete,
):
    instance = "launch-unguided-%s" % uuid.uuid4().hex[:6]
    servers_to_delete.append(instance)
    login(browser, cloud)
    block_plugin_endpoints(browser)
    try:
        open_wizard(browser, cloud, instance)
        step = go_to_step(browser, "Source")
        allocate(wait_row(browser, step, deprecated_build["name"]))
        wait_row(browser, step, deprecated_build["name"], available=False)
        step = go_to_step(browser, "Flavor")
        allocate(wait_row(browser, step, "m1.tiny"))
        wait_row(browser, step, "m1.tiny", available=False)
        # No guidance at all, and no error either.
        wizard = browser.find_element(By.CSS_SELECTOR, ".ng-wizard")
        for selector in (
            ".patch-dashboard-image-warning",
            ".patch-dashboard-image-state",
            ".patch-dashboard-flavor-recommended",
        ):
            assert not [
                e for e in wizard.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()
            ]
        assert not browser.find_elements(By.CSS_SELECTOR, ".toast-error, .alert-danger.toast")
        finish(browser)
    finally:
        unblock(browser)
    server = wait_active(sdk(WHO), instance)
    assert server.image.id == deprecated_build["id"]
