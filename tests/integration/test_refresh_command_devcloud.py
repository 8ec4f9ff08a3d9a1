"""``manage.py patch_dashboard_refresh`` on the development cloud (issue 13, item 4).

The command runs as an operator runs it: a process of its own with the development cloud's
Horizon settings (devcloud/horizon/local_settings.py: its Keystone, its index memcached), an
application credential made in the real Keystone for this module and deleted afterwards.

- An admin's credential builds the cloud's index, and the running Horizon serves Patch
  Compliance from it: the page's "As of" is the time of the command's build.
- As a service (``--interval``) it refreshes again and again, and SIGTERM ends it cleanly.
- A member's credential is refused for the cloud scope, and nothing is built.
- A wrong secret is named as such, with its exit code, and no secret is printed.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from patch_dashboard.api.index import Index
from patch_dashboard.management.commands.patch_dashboard_refresh import Exit
from tests.devcloud import state_dir
from tests.integration.conftest import horizon_login
from tests.integration.test_faults import page, url
from tests.integration.test_index_devcloud import cloud_store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def credentials(cloud, sdk):
    """{"admin": (id, secret), "alpha": (id, secret)}: application credentials of the admin
    (its roles on project admin) and of alpha's member, deleted afterwards."""
    made = {}
    try:
        for who in ("admin", "alpha"):
            conn = sdk(who)
            credential = conn.identity.create_application_credential(
                user=conn.current_user_id,
                name="itest-refresh-%s" % uuid.uuid4().hex[:8],
                description="tests/integration/test_refresh_command_devcloud.py",
            )
            made[who] = (conn, credential)
        yield {who: (c.id, c.secret) for who, (_conn, c) in made.items()}
    finally:
        for conn, credential in made.values():
            conn.identity.delete_application_credential(conn.current_user_id, credential.id)


def command(credential, *args) -> subprocess.Popen:
    """The command in a process of its own, as systemd starts it (docs/refresh-command.md),
    with the credential in its environment."""
    credential_id, secret = credential
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="openstack_dashboard.settings",
        OS_APPLICATION_CREDENTIAL_ID=credential_id,
        OS_APPLICATION_CREDENTIAL_SECRET=secret,
        PYTHONWARNINGS="ignore",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "django", "patch_dashboard_refresh", *args],
        env=env,
        cwd=state_dir() / "horizon",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(credential, *args):
    process = command(credential, *args)
    out, err = process.communicate(timeout=300)
    return process, out, err


def admin_session(cloud, sdk):
    """The admin logged in to Horizon, in project admin (where its admin role is: a login
    picks the first project, and the admin may be a member of others, as of the bench's)."""
    user = cloud["users"]["admin"]
    session = horizon_login(
        cloud["horizon_url"],
        user["username"],
        user["password"],
        project_id=sdk("admin").current_project_id,
    )
    switched = session.get(
        url(cloud, "/auth/switch/%s/" % sdk("admin").current_project_id), timeout=120
    )
    assert switched.status_code == 200, switched.status_code
    return session


def builds_by(store, pid):
    """The builds of the cloud's index made by process ``pid``: (pid, started, finished)."""
    return [entry for entry in store.read("history") or [] if entry[0] == pid]


def test_an_admins_credential_builds_the_index_patch_compliance_shows(cloud, credentials, sdk):
    store = cloud_store(cloud)
    admin = admin_session(cloud, sdk)
    for _attempt in range(3):
        process, out, err = run(credentials["admin"])
        assert process.returncode == Exit.BUILT, (process.returncode, out, err)
        assert (
            "Built the cloud's index for %s (region %s) as admin"
            % (
                cloud["keystone_url"],
                cloud["region"],
            )
            in out
        ), out
        (ours,) = builds_by(store, process.pid)  # the same keys Horizon's pages read
        index = Index.open(store)
        assert index is not None
        built_at = index.meta.built_at
        assert "as of %s" % built_at.isoformat(timespec="seconds") in out
        html = page(admin, cloud, "/admin/patch_compliance/")
        history = store.read("history") or []
        if history[-1] != ours:
            continue  # someone's page view rebuilt it meanwhile (a shared cloud): again
        assert built_at == ours[1]
        assert "As of %s" % built_at.strftime("%H:%M:%S") in html
        assert 'data-building="true"' not in html
        for server in ("alpha-web-1", "beta-app-1"):  # every project's instances
            assert 'data-display="%s"' % server in html
        return
    pytest.fail("the index was rebuilt by a page view after each of 3 refreshes")


def test_as_a_service_it_refreshes_until_sigterm(cloud, credentials):
    store = cloud_store(cloud)
    process = command(credentials["admin"], "--interval", "1")
    try:
        deadline = time.monotonic() + 120
        while len(builds_by(store, process.pid)) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no second refresh within 120 s"
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, (out, err)
    assert out.count("Built the cloud's index") >= 2
    assert out.rstrip().endswith("Stopped.")


def test_a_members_credential_is_refused_for_the_cloud(cloud, credentials):
    store = cloud_store(cloud)
    process, out, err = run(credentials["alpha"])
    assert process.returncode == Exit.NOT_ADMIN, (out, err)
    assert "alpha-member (project alpha" in err
    assert "may not open Admin > Patch Compliance" in err
    assert builds_by(store, process.pid) == []


def test_a_wrong_secret_is_named_and_no_secret_is_printed(cloud, credentials):
    credential_id, secret = credentials["admin"]
    # bcrypt reads the first 72 bytes only: the wrong secret differs at the start
    wrong = ("x" if secret[0] != "x" else "y") + secret[1:]
    process, out, err = run((credential_id, wrong))
    assert process.returncode == Exit.CREDENTIAL_REFUSED, (out, err)
    assert (
        "Keystone at %s refused the application credential (HTTP 401)" % (cloud["keystone_url"])
        in err
    )
    assert wrong not in out + err and secret not in out + err
