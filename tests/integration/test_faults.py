"""Faults on the development cloud: a service down, a write refused, a token revoked.

nova-api, then Glance, is stopped (by the pid in .devcloud/run/<service>.pid, the whole
process group as ``cloud.sh stop`` does, and the port waited on until it is closed); every
plugin page is loaded and must answer 200 with Horizon's error message and what the other
services could still give. ``cloud.sh up`` brings the service back in the fixture's teardown,
whatever happened, and the test waits until ``cloud.sh status`` is green.

Other engineers run integration and browser tests against the same cloud: before stopping
anything the fixture waits (polling, up to 10 minutes) until no other pytest run that may use
the cloud is alive, and the outage lasts only as long as the page loads (~10-30 s).
"""

import contextlib
import os
import pathlib
import re
import shlex
import signal
import socket
import subprocess
import time

import pytest
import requests

from tests.integration.conftest import horizon_login

pytestmark = pytest.mark.integration

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
CLOUD_SH = CHECKOUT / "devcloud" / "cloud.sh"
PORTS = {"nova-api": 8774, "glance": 9292, "memcached-index": 21212}
QUIET_WAIT = 600  # s to wait for other cloud-using test runs to finish
AJAX = {"X-Requested-With": "XMLHttpRequest"}
CLOUD_FREE_TIERS = ("tests/unit", "tests/views", "tests/packaging")


def state_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PATCH_DASHBOARD_DEVCLOUD_DIR") or CHECKOUT / ".devcloud")


def port_open(port: int) -> bool:
    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def own_ancestry() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return pids


def other_cloud_runs() -> list[str]:
    """Command lines of other pytest processes that may be using the development cloud."""
    found = subprocess.run(["pgrep", "-af", "pytest"], capture_output=True, text=True).stdout
    mine = own_ancestry()
    busy = []
    for line in found.splitlines():
        pid, _, command = line.partition(" ")
        if int(pid) in mine or "pgrep" in command:
            continue
        args = shlex.split(command) if command.count('"') % 2 == 0 else command.split()
        paths = [arg for arg in args if arg.startswith("tests/")]
        if paths and all(path.startswith(CLOUD_FREE_TIERS) for path in paths):
            continue
        if "not integration" in command and "not browser" in command:
            continue
        busy.append(command)
    return busy


def wait_until_quiet() -> None:
    deadline = time.monotonic() + QUIET_WAIT
    while busy := other_cloud_runs():
        if time.monotonic() > deadline:
            pytest.skip("other integration/browser runs kept the cloud busy: %s" % busy)
        time.sleep(10)


def cloud_status_ok() -> bool:
    return subprocess.run(["bash", str(CLOUD_SH), "status"], capture_output=True).returncode == 0


@contextlib.contextmanager
def service_down(service: str):
    """Stop one service of the development cloud; always start it again afterwards."""
    wait_until_quiet()
    pid = int((state_dir() / "run" / f"{service}.pid").read_text().split()[0])
    port = PORTS[service]
    try:
        try:
            os.killpg(pid, signal.SIGTERM)  # gunicorn master and workers: one session each
        except ProcessLookupError:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while port_open(port):
            assert time.monotonic() < deadline, f"{service} still listens on {port}"
            time.sleep(0.5)
        # gunicorn closes its socket before its master exits; `up` takes a live pid for a
        # running service, so wait for the whole process group to be gone.
        while group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        if group_alive(pid):
            os.killpg(pid, signal.SIGKILL)
        yield
    finally:
        deadline = time.monotonic() + 300
        while True:
            subprocess.run(["bash", str(CLOUD_SH), "up"], capture_output=True, timeout=600)
            if cloud_status_ok():
                break
            assert time.monotonic() < deadline, f"{service} did not come back"
            time.sleep(5)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture
def admin_session(cloud, sdk):
    """A fresh admin login of its own (a revoked or failed session spoils no other test)."""
    user = cloud["users"]["admin"]
    session = horizon_login(
        cloud["horizon_url"],
        user["username"],
        user["password"],
        project_id=sdk("admin").current_project_id,
    )
    yield session
    session.close()


def url(cloud, path):
    return cloud["horizon_url"].rstrip("/") + path


def page(session, cloud, path):
    response = session.get(url(cloud, path), timeout=120)
    assert response.status_code == 200, (path, response.status_code, response.text[-500:])
    return response.text


def error_messages(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()
        for block in re.findall(r'alert-danger[^"]*">(.*?)</div>', html, re.S)
    ]


def assert_error(html: str, text: str, path: str) -> None:
    messages = error_messages(html)
    assert any(text in message for message in messages), (path, messages)


# The list panels read their scope's index (PATCH_DASHBOARD_INDEX_SECONDS in the development
# cloud): during an outage a refresh fails, the last index stays on the page with its age and
# the error; the other pages and the JSON endpoints list live and say what failed.
INDEXED = (
    "/project/image_patch_status/",
    "/project/outdated_instances/",
    "/admin/image_lifecycle/",
    "/admin/patch_compliance/",
)
INDEXED_EXPORTS = ("/project/outdated_instances/export.csv", "/admin/patch_compliance/export.csv")


def index_error(html: str) -> str:
    match = re.search(r'id="patch-index-error">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else ""


def refreshed_page(session, cloud, path: str, limit: float = 600) -> str:
    """``path`` refreshed (``?refresh=1``), then read again until that refresh is done: a
    page waits a few seconds for it (PATCH_DASHBOARD_INDEX_WAIT), a refresh of a cloud with
    make bench's large project seeded takes longer."""
    html = page(session, cloud, path + "?refresh=1")
    deadline = time.monotonic() + limit
    while 'data-building="true"' in html and time.monotonic() < deadline:
        time.sleep(2)
        html = page(session, cloud, path)
    return html


def assert_last_index_shown(session, cloud, failed: str) -> None:
    """Each indexed panel, refreshed during the outage: the last index with its age, and
    why the refresh failed."""
    for path in INDEXED:
        html = refreshed_page(session, cloud, path)
        assert 'id="patch-index-status"' in html and " s ago" in html, path
        assert failed in index_error(html), (path, index_error(html))
        if "compliance" in path:
            assert "alpha-db-1" in html, path  # every project's instances, as last read
        elif "image" in path:
            assert 'data-patch-state="deprecated"' in html, path
    for path in INDEXED_EXPORTS:
        response = session.get(url(cloud, path), timeout=120, allow_redirects=False)
        # The last complete index, as the page shows it (never a CSV that reads "none").
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/csv"), path
    compliance = session.get(url(cloud, INDEXED_EXPORTS[1]), timeout=120).text
    assert "alpha-db-1" in compliance


def fresh_indexes(session, cloud) -> None:
    """Every indexed panel refreshed and without an error: the outage starts from there."""
    for path in INDEXED:
        html = refreshed_page(session, cloud, path)
        assert not index_error(html) and 'data-building="false"' in html, path


def test_pages_while_nova_api_is_down(cloud, admin_session):
    ubuntu = cloud["images"]["ubuntu-2404"]
    fresh_indexes(admin_session, cloud)
    with service_down("nova-api"):
        assert_last_index_shown(admin_session, cloud, "Unable to retrieve instances.")
        # An image's page counts its instances from the project's index: Nova is not asked.
        html = page(admin_session, cloud, f"/project/image_patch_status/{ubuntu}/")
        assert "Unable to retrieve instances." not in html
        assert 'id="patch-image-state"' in html
        # The JSON endpoints: Glance alone is enough for the image states; the rest is 503.
        states = admin_session.get(
            url(cloud, "/api/patch_dashboard/images/states/"), headers=AJAX, timeout=120
        )
        assert states.status_code == 200 and ubuntu in states.json()["images"]
        for path in (
            "/api/patch_dashboard/instances/",
            f"/api/patch_dashboard/images/{ubuntu}/guidance/",
        ):
            response = admin_session.get(url(cloud, path), headers=AJAX, timeout=120)
            assert response.status_code == 503, (path, response.status_code)
    # Back: a refresh works again and the error is gone.
    fresh_indexes(admin_session, cloud)


def test_pages_while_glance_is_down(cloud, admin_session):
    ubuntu = cloud["images"]["ubuntu-2404"]
    fresh_indexes(admin_session, cloud)
    with service_down("glance"):
        assert_last_index_shown(admin_session, cloud, "Unable to retrieve images.")
        html = page(admin_session, cloud, f"/project/image_patch_status/{ubuntu}/")
        assert_error(html, "Unable to retrieve images.", "detail")
        for path in ("/api/patch_dashboard/instances/", "/api/patch_dashboard/images/states/"):
            response = admin_session.get(url(cloud, path), headers=AJAX, timeout=120)
            assert response.status_code == 503, (path, response.status_code)
    fresh_indexes(admin_session, cloud)


# ---------------------------------------------------------------- nothing half-written


@pytest.fixture
def own_image(scratch_image):
    return scratch_image(
        "pd-faults",
        os_distro="pdfaults",
        os_version="1",
        architecture="x86_64",
        image_build_date="2024-01-01",
        replace_frequency="monthly",
        patchlevel="1",
    )


def form_fields(html):
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))
    fields.update({k: v for v, k in re.findall(r'value="([^"]*)" name="([^"]+)"', html)})
    return fields


def test_admin_actions_while_glance_is_down_change_nothing(
    cloud, admin_session, sdk, own_image, glance_view
):
    before = glance_view(own_image)
    forms = {}
    for action, path in (
        ("deprecate", f"/admin/image_lifecycle/deprecate/?image={own_image}"),
        ("obsolete", f"/admin/image_lifecycle/obsolete/?image={own_image}"),
        ("metadata", f"/admin/image_lifecycle/{own_image}/metadata/"),
    ):
        forms[action] = (path, form_fields(page(admin_session, cloud, path)))
    posts = {
        "deprecate": {"images": own_image, "reason": "fault test", "replacement": ""},
        "obsolete": {"images": own_image, "reason": "fault test", "replacement": ""},
        "metadata": {"patchlevel": "2", "image_build_date": "2024-01-01"},
    }
    with service_down("glance"):
        for action, (path, fields) in forms.items():
            target = path.split("?")[0]
            data = {
                "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
                "previewed_replacement": "",
                "replace_frequency": "monthly",
                **posts[action],
            }
            response = admin_session.post(
                url(cloud, target),
                data=data,
                headers={"Referer": url(cloud, path)},
                timeout=120,
            )
            # Horizon shows the error (form again, or the index after a redirect): no 500.
            assert response.status_code == 200, (action, response.status_code)
            assert error_messages(response.text) or "error" in response.text, action
    assert glance_view(own_image) == before


# ---------------------------------------------------------------- token expiry


def test_revoked_token_sends_the_user_to_log_in(cloud, sdk):
    """Keystone revokes the session's token (as at expiry or logout elsewhere): the next
    plugin page sends the user to the login page instead of failing.

    The token is revoked before any service has seen it: Glance's and Nova's
    keystonemiddleware cache a validated token for up to 5 minutes and would accept it.
    """
    user = cloud["users"]["alpha"]
    session = horizon_login(
        cloud["horizon_url"],
        user["username"],
        user["password"],
        project_id=sdk("alpha").current_project_id,
    )
    try:
        token = horizon_token(session, cloud)
        response = sdk("admin").identity.delete("/auth/tokens", headers={"X-Subject-Token": token})
        assert response.status_code == 204, response.status_code
        for path in (
            "/project/outdated_instances/",
            "/project/image_patch_status/",
            "/api/patch_dashboard/instances/",
        ):
            is_api = path.startswith("/api/")
            response = session.get(
                url(cloud, path),
                timeout=120,
                allow_redirects=False,
                headers=AJAX if is_api else {},
            )
            if is_api:
                assert response.status_code == 401, (path, response.status_code)
            else:
                assert response.status_code == 302, (path, response.status_code)
                assert "/auth/login" in response.headers["Location"], response.headers
    finally:
        session.close()
    # A new login works at once.
    again = horizon_login(
        cloud["horizon_url"],
        user["username"],
        user["password"],
        project_id=sdk("alpha").current_project_id,
    )
    assert "alpha-db-1" in page(again, cloud, "/project/outdated_instances/?show=all")
    again.close()


def horizon_token(session, cloud) -> str:
    """The Keystone token Horizon holds for this session, read from Horizon's own API."""
    response = session.get(url(cloud, "/api/keystone/user-session/"), headers=AJAX, timeout=60)
    assert response.status_code == 200, response.status_code
    body = response.json()
    token = body.get("token")
    if not token:
        pytest.fail("Horizon's user-session API did not expose the token: %s" % sorted(body))
    return token


def test_keystone_answers_after_the_faults(cloud):
    requests.get(cloud["keystone_url"], timeout=10).raise_for_status()
    assert cloud_status_ok()
