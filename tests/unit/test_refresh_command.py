"""``manage.py patch_dashboard_refresh`` without a cloud: its options, its refusals and
their exit codes, and the request it makes for a token (the same user, Keystone endpoint and
region as a Horizon login, hence the same index keys). The real Keystone, Nova, Glance and
the development cloud's Horizon are in tests/integration/test_refresh_command_devcloud.py.
"""

import socket

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from keystoneauth1 import access

from patch_dashboard.api import epoch
from patch_dashboard.management.commands import patch_dashboard_refresh as command
from patch_dashboard.management.commands.patch_dashboard_refresh import Exit

SECRET = "not-a-real-secret-0123456789"
# A cache other processes read (a file-based one: no server to run), as Horizon's must be.
SHARED_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "index": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(settings.TEST_TMP / "refresh-command-cache"),
    },
}
INDEX_ON = {
    "PATCH_DASHBOARD_INDEX_SECONDS": 60,
    "CACHES": SHARED_CACHE,
    "PATCH_DASHBOARD_INDEX_CACHE": "index",
}


def refresh(*args):
    """The command's exit code and message (it raises CommandError for every refusal)."""
    with pytest.raises(CommandError) as raised:
        call_command("patch_dashboard_refresh", *args)
    return raised.value.returncode, str(raised.value)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def credential(monkeypatch):
    monkeypatch.setenv(command.ID_VARIABLE, "0123abcd")
    monkeypatch.setenv(command.SECRET_VARIABLE, SECRET)


@override_settings(**INDEX_ON)
def test_without_a_credential_it_says_which_variables_to_set(monkeypatch):
    monkeypatch.delenv(command.ID_VARIABLE, raising=False)
    monkeypatch.delenv(command.SECRET_VARIABLE, raising=False)
    code, message = refresh()
    assert code == Exit.USAGE == 2
    assert command.ID_VARIABLE in message and command.SECRET_VARIABLE in message


@override_settings(PATCH_DASHBOARD_INDEX_SECONDS=0)
def test_with_the_index_switched_off_there_is_nothing_to_refresh(credential):
    code, message = refresh()
    assert code == Exit.USAGE
    assert "PATCH_DASHBOARD_INDEX_SECONDS is 0" in message


@override_settings(
    PATCH_DASHBOARD_INDEX_SECONDS=60, CACHES=SHARED_CACHE, PATCH_DASHBOARD_INDEX_CACHE="default"
)
def test_an_index_cache_of_the_process_alone_is_refused(credential):
    code, message = refresh()
    assert code == Exit.USAGE
    assert "CACHES['default'] is a LocMemCache" in message


@override_settings(**INDEX_ON)
@pytest.mark.parametrize("interval", ["0", "-5", "soon"])
def test_an_interval_must_be_a_positive_number_of_seconds(credential, interval):
    with pytest.raises(CommandError, match="seconds above 0"):
        call_command("patch_dashboard_refresh", "--interval", interval)


@override_settings(**INDEX_ON)
def test_once_and_interval_exclude_each_other(credential):
    with pytest.raises(CommandError, match="not allowed with"):
        call_command("patch_dashboard_refresh", "--once", "--interval", "30")


@override_settings(**INDEX_ON)
def test_keystone_down_is_named_and_the_secret_is_not(credential):
    url = "http://127.0.0.1:%d/v3" % closed_port()
    code, message = refresh("--keystone-url", url)
    assert code == Exit.KEYSTONE_DOWN
    assert "Keystone at %s does not answer" % url in message
    assert SECRET not in message


def test_a_credential_never_shows_its_secret():
    shown = repr(command.Credential(id="0123abcd", secret=SECRET))
    assert "0123abcd" in shown and SECRET not in shown


def token(*roles: str, services=("identity", "compute", "image")) -> access.AccessInfoV3:
    """A project-scoped token as Keystone issues it for an application credential."""
    urls = {
        "identity": "http://keystone.%s.example:5000/v3",
        "compute": "http://nova.%s.example:8774/v2.1",
        "image": "http://glance.%s.example:9292",
    }
    catalog = [
        {
            "type": service,
            "id": service,
            "endpoints": [
                {
                    "id": "%s-%s-%s" % (service, region, interface),
                    "interface": interface,
                    "region": region,
                    "region_id": region,
                    "url": urls[service] % region.lower(),
                }
                for region in ("RegionOne", "RegionTwo")
                for interface in ("public", "internal", "admin")
            ],
        }
        for service in services
    ]
    domain = {"id": "default", "name": "Default"}
    body = {
        "token": {
            "methods": ["application_credential"],
            "expires_at": "2999-01-01T00:00:00.000000Z",
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "user": {
                "id": "u-1",
                "name": "ops-refresh",
                "domain": domain,
                "password_expires_at": None,
            },
            "project": {"id": "p-admin", "name": "admin", "domain": domain},
            "roles": [{"id": "r-%s" % role, "name": role} for role in roles],
            "catalog": catalog,
            "application_credential": {"id": "0123abcd", "name": "ops", "restricted": True},
        }
    }
    return access.create(body=body, auth_token="token-of-the-credential")


@pytest.mark.parametrize(
    "keystone_url, region, endpoint, services_region",
    [
        # The login region is that of the identity endpoint logged in to, as Horizon's login
        # finds it; --region picks the services region as the login form's region menu does.
        ("http://keystone.regiontwo.example:5000/v3", None, "regiontwo", "RegionTwo"),
        ("http://keystone.regionone.example:5000/v3", None, "regionone", "RegionOne"),
        ("http://keystone.regionone.example:5000/v3", "RegionTwo", "regionone", "RegionTwo"),
    ],
)
def test_the_request_names_the_cloud_as_a_horizon_login_does(
    keystone_url, region, endpoint, services_region
):
    request = command.horizon_request(token("admin"), keystone_url=keystone_url, region=region)
    assert request.user.endpoint == "http://keystone.%s.example:5000/v3" % endpoint
    assert request.user.services_region == services_region
    # the index keys of the cloud: a page of that login reads what the command writes
    assert epoch.cloud_of(request) == (request.user.endpoint, services_region)
    assert request.user.project_id == "p-admin" and request.user.username == "ops-refresh"
    assert request.user.token.id == "token-of-the-credential"


URL_ONE = "http://keystone.regionone.example:5000/v3"


def test_an_admin_token_opens_the_admin_panels():
    request = command.horizon_request(token("admin", "member"), keystone_url=URL_ONE, region=None)
    command.refuse_unless_admin(request)  # no exception


@pytest.mark.parametrize(
    "roles, services, panel",
    [
        (("member", "reader"), ("identity", "compute", "image"), "Patch Compliance"),
        ((), ("identity", "compute", "image"), "Patch Compliance"),
        (("admin",), ("identity", "image"), "Patch Compliance"),  # no Nova in the catalog
    ],
)
def test_a_token_the_admin_panels_refuse_builds_nothing(roles, services, panel):
    request = command.horizon_request(
        token(*roles, services=services), keystone_url=URL_ONE, region=None
    )
    with pytest.raises(command.Refused) as refused:
        command.refuse_unless_admin(request)
    assert refused.value.code == Exit.NOT_ADMIN == refused.value.returncode
    assert "may not open Admin > %s" % panel in str(refused.value)
    assert "ops-refresh" in str(refused.value)
