"""The scope index's status line in Chromium against the development cloud (issue 13,
"Browser" must-show): the cold-start progress bar, then the filled page; the "as of" line
and Refresh.

- Cold start: project alpha's index dropped (only that scope's ``meta``: the scope reads as
  never built) and nova-api paused (SIGSTOP of its process group, a few seconds, always
  resumed: the build cannot finish). Outdated Instances shows the progress bar and the rows
  read, no table rows; the page then reloads itself, once Nova answers again, into the
  table of the seeded instances.
- A later visit of Image Patch Status shows "As of HH:MM:SS (N s ago)." and Refresh; an
  image made around the dashboard (Glance, as the admin) shows after a click on Refresh, at
  a later "as of" time.
- Refresh on a page that Refresh opened (``?refresh=1``) does nothing (Horizon's Angular
  takes the click on a link to the page's own URL): an expected failure until the template
  is mended, strict, so the mend is noticed.

Other engineers use the cloud meanwhile: Nova is paused only while the cold page loads
(PATCH_DASHBOARD_INDEX_WAIT, 2 s, and the checks of that page); a process of its own resumes
it after PAUSE_LIMIT seconds should this test be killed meanwhile.
"""

import contextlib
import datetime as dt
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest
from django.core.cache.backends.memcached import PyMemcacheCache
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from patch_dashboard.api.index_store import IndexStore, scope_key
from tests.devcloud import browser_login, credentials, state_dir
from tests.integration.conftest import cloud, scratch_image, sdk  # noqa: F401 (fixtures)
from tests.integration.test_index_devcloud import INDEX_CACHE

pytestmark = pytest.mark.browser

WHO = "alpha"
WAIT = 60
PAUSE_LIMIT = 15  # s: nova-api is resumed by then whatever happens to this test
AS_OF = re.compile(r"As of (\d\d:\d\d:\d\d) \((\d+) s ago\)\.")
ROWS = "#%s tbody tr[data-object-id]"


@pytest.fixture(scope="module", autouse=True)
def horizon_answers():
    credentials()  # skips locally, fails in CI, when Horizon does not answer


def project_store(cloud) -> IndexStore:  # noqa: F811
    """The index of the member's project, in the index's memcached, as Horizon keys it."""
    cache = PyMemcacheCache(INDEX_CACHE, {"KEY_PREFIX": "devcloud-horizon"})
    scope = "project:%s" % cloud["projects"][WHO]
    return IndexStore(cache, scope_key(cloud["keystone_url"], cloud["region"], scope))


def drop_index(store: IndexStore) -> None:
    """The scope as if never built: a ``meta`` that is no index (the next build switches to
    its own; the old generation's items stay until the cache evicts them, as after a
    lost ``meta``)."""
    store.write("meta", None)


def nova_api_pid() -> int:
    """The nova-api gunicorn master of the development cloud (its process group), checked
    against the start time in its pid file as devcloud/cloud.sh checks it."""
    pid, start = (state_dir() / "run" / "nova-api.pid").read_text().split()
    stat = pathlib.Path("/proc/%s/stat" % pid).read_text().rsplit(")", 1)[1].split()
    assert stat[19] == start, "nova-api.pid names another process: is the cloud up?"
    return int(pid)


@contextlib.contextmanager
def nova_paused():
    """nova-api stopped (SIGSTOP to its process group) for the block, then resumed; a
    detached watchdog resumes it after PAUSE_LIMIT seconds should this process die."""
    group = nova_api_pid()
    watchdog = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, signal, time; time.sleep(%d); os.killpg(%d, signal.SIGCONT)"
            % (PAUSE_LIMIT, group),
        ],
        start_new_session=True,  # outlives a test run interrupted meanwhile
    )
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)
        watchdog.terminate()
        watchdog.wait()


def row_ids(browser, table: str) -> set[str]:
    return {
        row.get_attribute("data-object-id")
        for row in browser.find_elements(By.CSS_SELECTOR, ROWS % table)
    }


def filled(browser, table: str):
    """The page shown once it holds an index and is not building it: its status line's
    text, or False (for WebDriverWait)."""
    try:
        status = browser.find_element(By.ID, "patch-index-status")
        if status.get_attribute("data-building") == "true":
            return False
        text = status.text
    except (NoSuchElementException, StaleElementReferenceException):  # reloading
        return False
    return text if AS_OF.search(text) and browser.find_elements(By.ID, table) else False


def as_of(text: str) -> dt.datetime:
    """The time of the "as of" line (today's, in UTC: the development cloud's TIME_ZONE)."""
    clock = dt.time.fromisoformat(AS_OF.search(text).group(1))
    now = dt.datetime.now(dt.timezone.utc)
    shown = dt.datetime.combine(now.date(), clock, dt.timezone.utc)
    return shown - dt.timedelta(days=1) if shown > now + dt.timedelta(minutes=5) else shown


def click_refresh(browser) -> None:
    """Click the status line's Refresh and wait for the page it opens. A click that does
    not leave the page fails at once (the browser's beforeunload, recorded in the tab's
    sessionStorage, says whether the click started a navigation)."""
    status = browser.find_element(By.ID, "patch-index-status")
    browser.execute_script(
        "sessionStorage.removeItem('pd-left');"
        "window.addEventListener('beforeunload', function () {"
        " sessionStorage.setItem('pd-left', '1'); });"
    )
    browser.find_element(By.ID, "patch-index-refresh").click()
    left = browser.execute_script("return sessionStorage.getItem('pd-left')")
    assert left == "1", "Refresh did not leave %s" % browser.current_url
    WebDriverWait(browser, WAIT).until(EC.staleness_of(status))


def settled(browser, url: str, table: str) -> str:
    """The page once filled and not refreshing in the background (a user reloads it until
    then); its status line's text."""
    deadline = time.monotonic() + WAIT
    while not (text := filled(browser, table)):
        assert time.monotonic() < deadline, "the index of %s was not built" % url
        time.sleep(1)
        browser.get(url)
    return text


def test_cold_start_shows_progress_then_fills_itself(browser, screenshot, cloud):  # noqa: F811
    seeded = cloud["seed"]
    outdated = {
        server["id"]
        for server in seeded["servers"].values()
        if server["project"] == WHO
        and seeded["images"][server["image"]]["expected_state"] not in (None, "current")
    }
    others = {server["id"] for server in seeded["servers"].values() if server["project"] != WHO}
    assert outdated and others
    url = cloud["horizon_url"] + "/project/outdated_instances/"
    browser_login(browser, cloud, WHO)
    store = project_store(cloud)
    with nova_paused():
        drop_index(store)
        browser.get(url)
        screenshot("index_status_cold_start")
        status = browser.find_element(By.ID, "patch-index-status")
        text = status.text
        assert status.get_attribute("data-cold") == "true", (
            "not cold after the index was dropped (Horizon keys it otherwise when it runs "
            "other code than this checkout: bash devcloud/cloud.sh restart-horizon)",
            text,
        )
        assert "Reading the cloud's instances and images for the first time" in text
        bar = status.find_element(By.CSS_SELECTOR, ".progress .progress-bar[role=progressbar]")
        assert bar.is_displayed() and bar.size["width"] > 0
        read = re.search(r"Instances read: (\d+)\. Images read: (\d+)\.", text)
        assert read, text
        assert read.group(1) == "0", "Nova is paused: no instance can have been read"
        assert row_ids(browser, "outdated_instances") == set()
    # Nobody touches the page: it reloads itself until the build is done.
    WebDriverWait(browser, WAIT).until(lambda d: filled(d, "outdated_instances"))
    assert EC.staleness_of(status)(browser), "the cold page was not reloaded"
    shown = row_ids(browser, "outdated_instances")
    screenshot("index_status_filled")
    assert outdated <= shown, "seeded outdated instances of %s missing" % WHO
    assert not shown & others, "another project's instances listed"


def test_refresh_shows_a_change_made_around_the_dashboard(
    browser,
    screenshot,
    cloud,  # noqa: F811
    sdk,  # noqa: F811
    scratch_image,  # noqa: F811
):
    url = cloud["horizon_url"] + "/project/image_patch_status/"
    browser_login(browser, cloud, WHO)
    browser.get(url)
    before = settled(browser, url, "image_patch_status")
    assert browser.find_element(By.ID, "patch-index-refresh").text == "Refresh"

    # Around the dashboard: a public image made in Glance by the admin.
    image_id = scratch_image("pd-index-status")
    time.sleep(1)  # the line shows whole seconds: the refreshed index is a second later
    click_refresh(browser)
    assert browser.current_url == url + "?refresh=1"
    after = settled(browser, url, "image_patch_status")
    screenshot("index_status_refreshed")
    assert as_of(after) > as_of(before), (before, after)
    assert image_id in row_ids(browser, "image_patch_status")

    # Deleted around the dashboard: Refresh lists Glance's images whole, the row goes.
    sdk("admin").image.delete_image(image_id)
    time.sleep(1)
    click_refresh(browser)
    settled(browser, url, "image_patch_status")
    assert image_id not in row_ids(browser, "image_patch_status")


def test_refresh_again_on_a_refreshed_page(browser, cloud):  # noqa: F811
    url = cloud["horizon_url"] + "/project/image_patch_status/"
    browser_login(browser, cloud, WHO)
    browser.get(url + "?refresh=1")
    before = settled(browser, url + "?refresh=1", "image_patch_status")
    time.sleep(1)  # whole seconds, as above
    click_refresh(browser)
    assert as_of(settled(browser, url, "image_patch_status")) > as_of(before)
