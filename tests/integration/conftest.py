"""Integration tier: tests against the development cloud (devcloud/cloud.sh up).

The cloud's facts come from ``credentials.json`` in its state directory
($PATCH_DASHBOARD_DEVCLOUD_DIR, default <checkout>/.devcloud), written by
devcloud/seed.py: URLs, logins, and the ids of the seeded images and servers.
Without a running cloud the tier is skipped locally and fails in CI (CI set).
"""

import json
import os
import pathlib
import re
import uuid

import pytest
import requests

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _state_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PATCH_DASHBOARD_DEVCLOUD_DIR") or CHECKOUT / ".devcloud")


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail("development cloud unavailable in CI: " + reason, pytrace=False)
    pytest.skip("development cloud not running (make demo): " + reason)


@pytest.fixture(scope="session")
def cloud() -> dict:
    path = _state_dir() / "credentials.json"
    if not path.is_file():
        _unavailable("%s missing" % path)
    data = json.loads(path.read_text())
    try:
        requests.get(data["keystone_url"], timeout=5).raise_for_status()
    except requests.RequestException as exc:
        _unavailable("Keystone does not answer: %s" % exc)
    return data


@pytest.fixture(scope="session")
def seed(cloud) -> dict:
    return cloud["seed"]


@pytest.fixture(scope="session")
def sdk(cloud):
    """sdk("alpha") -> an openstacksdk connection as that seeded user (cached)."""
    import openstack

    conns = {}

    def connect(who: str):
        if who not in conns:
            user = cloud["users"][who]
            conns[who] = openstack.connect(
                auth_url=cloud["keystone_url"],
                username=user["username"],
                password=user["password"],
                project_name=user["project"],
                user_domain_name="Default",
                project_domain_name="Default",
                region_name=cloud["region"],
                identity_api_version="3",
            )
        return conns[who]

    yield connect
    for conn in conns.values():
        conn.close()


def horizon_login(
    base_url: str,
    username: str,
    password: str,
    *,
    items_per_page: int | None = 1000,
    project_id: str | None = None,
) -> requests.Session:
    """Log in through Horizon's form, as a browser does; returns the session.

    ``items_per_page``: as a user who set Horizon's *Items Per Page* (1000, its largest, by
    default: the pages under test show every seeded row even when ``make bench`` has added
    its 1,000 images and 500 servers); None keeps Horizon's defaults, as deployed.
    ``project_id``: switched to after the login (a user with roles in other projects too,
    such as the admin while ``make bench`` adds project sim-big, may land in any of them)."""
    session = requests.Session()
    login_url = base_url.rstrip("/") + "/auth/login/"
    page = session.get(login_url, timeout=TIMEOUT)
    page.raise_for_status()
    form = {"username": username, "password": password, "domain": "Default"}
    for name in ("csrfmiddlewaretoken", "region"):
        match = re.search(
            r'name="%s"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="%s"' % (name, name),
            page.text,
        )
        if match:
            form[name] = match.group(1) or match.group(2)
    form.setdefault("csrfmiddlewaretoken", session.cookies.get("csrftoken", ""))
    form.setdefault("region", "default")
    response = session.post(
        login_url,
        data=form,
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if items_per_page is not None:
        session.cookies.set("API_RESULT_PAGE_SIZE", str(items_per_page))
    assert response.status_code == 302, "login of %s answered %s, not 302" % (
        username,
        response.status_code,
    )
    assert "/auth/login" not in response.headers.get("Location", ""), "login refused"
    if project_id is not None:
        switched = session.get(
            "%s/auth/switch/%s/" % (base_url.rstrip("/"), project_id),
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert switched.status_code == 302, switched.status_code
    return session


@pytest.fixture(scope="session")
def horizon(cloud, sdk):
    """horizon("alpha") -> a requests.Session logged in to Horizon as that user (cached), in
    the user's seeded project (a user with roles in other projects too, such as the admin
    while ``make bench`` adds project sim-big, may land in any of them at login)."""
    sessions = {}

    def login(who: str) -> requests.Session:
        if who not in sessions:
            user = cloud["users"][who]
            sessions[who] = horizon_login(
                cloud["horizon_url"],
                user["username"],
                user["password"],
                project_id=sdk(who).current_project_id,
            )
        return sessions[who]

    yield login
    for session in sessions.values():
        session.close()


@pytest.fixture(scope="session")
def horizon_request(cloud):
    """horizon_request("alpha") -> a Django request carrying that user's real Keystone token,
    for calling ``patch_dashboard.api`` functions as Horizon views do."""
    from django.test import RequestFactory
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    from openstack_auth import user as auth_user

    def make(who: str):
        user = cloud["users"][who]
        auth = v3.Password(
            auth_url=cloud["keystone_url"],
            username=user["username"],
            password=user["password"],
            project_name=user["project"],
            user_domain_name="Default",
            project_domain_name="Default",
        )
        auth_ref = auth.get_access(ks_session.Session(auth=auth))
        request = RequestFactory().get("/")
        request.session = {}
        request.user = auth_user.create_user_from_token(
            request,
            auth_user.Token(auth_ref),
            cloud["keystone_url"],
            services_region=cloud["region"],
        )
        return request

    return make


@pytest.fixture
def scratch_image(sdk):
    """scratch_image("pd-faults", **properties) -> the id of a public image (valid raw data)
    made by the admin for this test only; every one is deleted afterwards."""
    admin = sdk("admin")
    made = []

    def make(prefix: str, **properties) -> str:
        image = admin.image.create_image(
            name="%s-%s" % (prefix, uuid.uuid4().hex[:8]),
            disk_format="raw",
            container_format="bare",
            visibility="public",
            data=b"\0" * 512,
            allow_duplicates=True,  # no lookup by name (Glance's name filter parses ":")
            **properties,
        )
        made.append(image.id)
        return image.id

    yield make
    for image_id in made:
        admin.image.delete_image(image_id, ignore_missing=True)


@pytest.fixture
def glance_view(sdk):
    """glance_view(image_id) -> the whole image as Glance shows the admin, without the
    ``updated_at`` every write changes: compare two of them to see what a write did."""

    def view(image_id: str) -> dict:
        body = sdk("admin").image.get("/images/%s" % image_id).json()
        body.pop("updated_at", None)
        return body

    return view


# The list panels the development cloud serves from an index of their scope
# (PATCH_DASHBOARD_INDEX_SECONDS): after a change made around the dashboard (openstacksdk,
# Nova itself), a test asks for a refresh, as a user clicks Refresh.
INDEXED_PANELS = (
    "/project/image_patch_status/",
    "/project/outdated_instances/",
    "/admin/image_lifecycle/",
    "/admin/patch_compliance/",
)


def refresh_indexes(session: requests.Session, base_url: str, paths=INDEXED_PANELS) -> None:
    """Each panel of ``paths`` refreshed and rebuilt (its page no longer building)."""
    import time

    for path in paths:
        deadline = time.monotonic() + 120
        query = "?refresh=1"
        while True:
            response = session.get(base_url.rstrip("/") + path + query, timeout=TIMEOUT)
            assert response.status_code == 200, (path, response.status_code)
            if 'data-building="true"' not in response.text:
                break
            assert time.monotonic() < deadline, "the index of %s was not rebuilt" % path
            query = ""
            time.sleep(1)
