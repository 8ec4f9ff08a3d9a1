"""Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium.

Screenshots go to artifacts/screenshots/ in the checkout, for a person to look at.
"""

import contextlib
import os
import pathlib
import shutil
import tempfile
import types

import pytest

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = CHECKOUT / "artifacts" / "screenshots"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not os.path.exists(CHROMEDRIVER):
        pytest.fail("chromedriver not installed: run `make system-deps` (Debian chromium-driver)")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # we run as root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    # An explicit driver path keeps Selenium Manager from going online.
    service = Service(executable_path=CHROMEDRIVER, log_output=os.devnull)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot(browser):
    def save(name: str) -> pathlib.Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        browser.save_screenshot(str(path))
        return path

    return save


@contextlib.contextmanager
def viewport(driver, width: int, height: int):
    """The page area (window.innerWidth x innerHeight, what a screenshot shows) at width x
    height for the block; the session's window size is restored after it."""
    before = driver.get_window_size()
    extra_width, extra_height = driver.execute_script(
        "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]"
    )
    driver.set_window_size(width + extra_width, height + extra_height)
    try:
        yield
    finally:
        driver.set_window_size(before["width"], before["height"])


def use_theme(driver, theme: str) -> None:
    """Horizon's theme for the pages loaded next: the cookie its theme picker sets."""
    driver.add_cookie({"name": "theme", "value": theme, "path": "/"})


@contextlib.contextmanager
def logged_in_without_network(monkeypatch, *, admin: bool = False):
    """Horizon's test user logged in to the live server, panels' own API probes mocked, and
    every connection off loopback refused and reported (a real API call slipping past the
    mocks fails the test). Yields Horizon's test data (tenants, ...)."""
    from django.conf import settings
    from openstack_auth import user as auth_user
    from openstack_auth import utils as auth_utils
    from openstack_dashboard.test import helpers as horizon_helpers
    from openstack_dashboard.test.test_data import utils as test_data_utils
    from urllib3.connection import HTTPConnection

    test_data = types.SimpleNamespace()
    test_data_utils.load_test_data(test_data)
    roles = [{"id": "2", "name": "member"}]
    if admin:
        roles.append({"id": "1", "name": "admin"})

    def get_user(request):
        return auth_user.User(
            id=test_data.user.id,
            token=test_data.token,
            user=test_data.user.name,
            tenant_id=test_data.tenant.id,
            tenant_name=test_data.tenant.name,
            service_catalog=test_data.service_catalog,
            roles=roles,
            authorized_tenants=test_data.tenants.list(),
            endpoint=settings.OPENSTACK_KEYSTONE_URL,
            enabled=True,
        )

    monkeypatch.setattr(auth_utils, "get_user", get_user)
    patchers = horizon_helpers._apply_panel_mocks()
    real_connect = HTTPConnection.connect
    stray = []

    def guarded_connect(self):
        if self.host in ("127.0.0.1", "localhost", "::1"):
            return real_connect(self)
        stray.append(f"{self.host}:{self.port}")
        raise ConnectionRefusedError(f"unmocked call to {self.host}:{self.port}")

    monkeypatch.setattr(HTTPConnection, "connect", guarded_connect)
    try:
        yield test_data
    finally:
        for patcher in patchers.values():
            patcher.stop()
    assert stray == [], f"unmocked API calls: {stray}"
