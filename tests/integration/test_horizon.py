"""Horizon of the development cloud, through real logins (form + CSRF), as a browser does."""

import html
import re

import pytest

pytestmark = pytest.mark.integration

PANEL = "/project/image_patch_status/"
AJAX = {"X-Requested-With": "XMLHttpRequest"}


def _get(session, cloud, path, **kwargs):
    response = session.get(cloud["horizon_url"].rstrip("/") + path, timeout=60, **kwargs)
    return response


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment, lower-cased, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()).lower()


def _row_of(page: str, image_id: str, name: str) -> str:
    """Visible text of the table row of one image (Horizon's DataTable rows carry
    data-object-id); the row must show the image's name."""
    match = re.search(
        r'<tr[^>]*data-object-id="%s"[^>]*>(.*?)</tr>' % re.escape(image_id), page, re.S
    )
    assert match, "no table row for %s (%s)" % (name, image_id)
    row = _text(match.group(1))
    assert name.lower() in row, "row of %s does not show its name: %s" % (image_id, row)
    return row


@pytest.mark.parametrize("who", ["admin", "alpha", "beta"])
def test_login_through_the_form(horizon, cloud, who):
    session = horizon(who)
    response = _get(session, cloud, "/project/")
    assert response.status_code == 200
    assert cloud["users"][who]["username"] in response.text


def test_wrong_password_is_refused(cloud):
    import requests

    session = requests.Session()
    url = cloud["horizon_url"].rstrip("/") + "/auth/login/"
    page = session.get(url, timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        url,
        data={
            "csrfmiddlewaretoken": token,
            "region": "default",
            "domain": "Default",
            "username": "alpha-member",
            "password": "wrong",
        },
        headers={"Referer": url},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 200  # the form again, with an error
    assert "sessionid" not in session.cookies or "Invalid" in response.text


def test_launch_wizard_security_groups_do_not_fail(horizon, cloud):
    """No network service: the wizard's security-group call answers an empty list,
    not an error (the "Unable to retrieve the security groups" toast)."""
    response = _get(horizon("alpha"), cloud, "/api/network/securitygroups/", headers=AJAX)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["items"] == []


def test_horizon_images_api_respects_projects(horizon, cloud):
    images = cloud["images"]
    for who, own, other in (
        ("alpha", "alpha-private", "beta-private"),
        ("beta", "beta-private", "alpha-private"),
    ):
        response = _get(horizon(who), cloud, "/api/glance/images/", headers=AJAX)
        assert response.status_code == 200
        ids = {item["id"] for item in response.json()["items"]}
        assert images[own] in ids
        assert images[other] not in ids


def test_horizon_servers_api_respects_projects(horizon, cloud, seed):
    for who in ("alpha", "beta"):
        response = _get(horizon(who), cloud, "/api/nova/servers/", headers=AJAX)
        assert response.status_code == 200
        names = {item["name"] for item in response.json()["items"]}
        expected = {n for n, s in seed["servers"].items() if s["project"] == who}
        other = {n for n, s in seed["servers"].items() if s["project"] != who}
        assert expected <= names
        assert not names & other


def test_instances_page(horizon, cloud, seed):
    response = _get(horizon("alpha"), cloud, "/project/instances/")
    assert response.status_code == 200
    for name, spec in seed["servers"].items():
        if spec["project"] == "alpha":
            assert name in response.text
        else:
            assert name not in response.text


# ---------------------------------------------------------------- the plugin's panel
@pytest.fixture(scope="module")
def panel_page(horizon, cloud):
    def fetch(who):
        response = _get(horizon(who), cloud, PANEL)
        assert response.status_code == 200, "%s answered %s" % (PANEL, response.status_code)
        return response.text

    return fetch


@pytest.mark.parametrize(
    "label, state",
    [
        ("ubuntu-2404", "current"),
        ("ubuntu-2404-prev", "superseded"),
        ("ubuntu-2404-old", "superseded"),
        ("debian-12-deprecated", "deprecated"),
        ("debian-12", "current"),
        ("centos-stream-9-stale", "stale"),
        ("ubuntu-2004-eol", "end-of-life"),
        ("fedora-40-obsolete", "obsolete"),
        ("rocky-9", "current"),
        ("rocky-9-prev", "superseded"),
        ("alpha-private", "current"),
    ],
)
def test_panel_shows_seeded_states(panel_page, seed, label, state):
    image = seed["images"][label]
    row = _row_of(panel_page("alpha"), image["id"], image["name"])
    label_text = {"end-of-life": "end of life|end-of-life"}.get(state, state)
    assert re.search(label_text, row), "row of %s lacks state %r: %s" % (label, state, row)


def test_panel_broken_metadata_does_not_break_the_page(panel_page, seed):
    image = seed["images"]["alpine-broken"]
    row = _row_of(panel_page("alpha"), image["id"], image["name"])
    assert "unknown" in row  # the unparsable build date is shown as unknown


def test_panel_never_shows_other_projects_private_images(panel_page, seed):
    alpha_page = panel_page("alpha")
    beta_page = panel_page("beta")
    assert seed["images"]["beta-private"]["name"] not in alpha_page
    assert seed["images"]["alpha-web-2-snapshot"]["name"] not in beta_page
    assert seed["images"]["alpha-private"]["name"] not in beta_page
    assert seed["images"]["beta-private"]["name"] in beta_page
    for name, spec in seed["servers"].items():
        if spec["project"] == "beta":
            assert name not in alpha_page, name
