"""``manage.py patch_dashboard_refresh``: keep the cloud-wide index warm (issue 13, item 4).

The admin panels (Patch Compliance, Image Lifecycle) read the cloud's index from Horizon's
cache; without this command a page view of an admin rebuilds it once it is
``PATCH_DASHBOARD_INDEX_SECONDS`` old. Run by a systemd timer (``--once``) or service
(``--interval``), this command rebuilds it with the token of a Keystone application
credential, so an admin's view never waits for the first build after a quiet night.

It asks Keystone for a token with the credential and nothing else, makes the request
Horizon would make for that token's user (the same user object, session, Keystone endpoint
and region, hence the same cache keys), refuses unless that user passes the admin panels'
own checks, and calls the build the pages call (:func:`patch_dashboard.api.indexed.build`),
under the same single-flight lock. docs/refresh-command.md has the unit files.
"""

import argparse
import enum
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import HttpRequest
from django.test import RequestFactory
from keystoneauth1 import access
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from openstack_auth import user as auth_user
from openstack_auth import utils as auth_utils

from patch_dashboard import conf
from patch_dashboard.api import epoch, indexed
from patch_dashboard.api.index import Index

ID_VARIABLE = "OS_APPLICATION_CREDENTIAL_ID"
SECRET_VARIABLE = "OS_APPLICATION_CREDENTIAL_SECRET"  # noqa: S105 - a variable's name
SCOPE = "cloud"
# A token this close to its expiry is replaced before a build (a large cloud's build takes
# minutes; keystoneauth alone renews it 2 minutes before the end only).
TOKEN_MARGIN_SECONDS = 600
KEYSTONE_TIMEOUT = 60


class Exit(enum.IntEnum):
    """The command's exit codes (docs/refresh-command.md)."""

    BUILT = 0
    USAGE = 2  # no credential, a bad option, the index switched off
    SKIPPED = 3  # another Horizon worker or refresh was building the index
    BUILD_FAILED = 4  # Nova, Glance or the core failed: the last index stays
    CACHE_DOWN = 5  # the index cache does not answer
    KEYSTONE_DOWN = 6  # Keystone unreachable or failing (5xx)
    CREDENTIAL_REFUSED = 7  # Keystone refused the credential (wrong, expired, deleted)
    NOT_ADMIN = 8  # the credential's token does not open the admin panels


# Backends whose entries no other process reads.
PROCESS_OWN_CACHES = ("LocMemCache", "DummyCache")
# Faults that retrying cannot mend: a service (--interval) ends on them.
PERMANENT = (Exit.USAGE, Exit.CREDENTIAL_REFUSED, Exit.NOT_ADMIN)


class Refused(CommandError):
    """A refresh that did not happen, with the exit code that says why."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message, returncode=int(code))
        self.code = code


@dataclass(frozen=True)
class Credential:
    """An application credential; the secret is never shown (not even in a repr)."""

    id: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Refreshed:
    index: Index
    seconds: float
    warnings: tuple[str, ...]


class Login:
    """A token for the credential, kept across refreshes and replaced before it expires."""

    def __init__(self, *, keystone_url: str, credential: Credential) -> None:
        self.keystone_url, _fixed = auth_utils.fix_auth_url_version_prefix(keystone_url)
        self.plugin = v3.ApplicationCredential(
            auth_url=self.keystone_url,
            application_credential_id=credential.id,
            application_credential_secret=credential.secret,
        )
        # Horizon's own session: its OPENSTACK_SSL_CACERT and OPENSTACK_SSL_NO_VERIFY.
        self.session: ks_session.Session = auth_utils.get_session(timeout=KEYSTONE_TIMEOUT)

    def token(self) -> access.AccessInfoV3:
        try:
            auth_ref = self.plugin.get_access(self.session)
            if auth_ref.will_expire_soon(stale_duration=TOKEN_MARGIN_SECONDS):
                self.plugin.invalidate()
                auth_ref = self.plugin.get_access(self.session)
        except (ks_exceptions.ConnectionError, ks_exceptions.HttpServerError) as error:
            raise Refused(
                Exit.KEYSTONE_DOWN,
                "Keystone at %s does not answer (%s); nothing was refreshed."
                % (self.keystone_url, type(error).__name__),
            ) from error
        except ks_exceptions.HttpError as error:
            raise Refused(
                Exit.CREDENTIAL_REFUSED,
                "Keystone at %s refused the application credential (HTTP %s): check its id "
                "and secret, and that it is neither expired nor deleted."
                % (self.keystone_url, error.http_status),
            ) from error
        except ks_exceptions.ClientException as error:
            raise Refused(
                Exit.KEYSTONE_DOWN,
                "No token from Keystone at %s (%s)." % (self.keystone_url, type(error).__name__),
            ) from error
        if not isinstance(auth_ref, access.AccessInfoV3) or not auth_ref.project_id:
            raise Refused(
                Exit.NOT_ADMIN,
                "The application credential's token is not scoped to a project: the admin "
                "panels need a project-scoped admin token.",
            )
        return auth_ref


def login_region(auth_ref: access.AccessInfoV3, keystone_url: str) -> str | None:
    """The region Horizon's login picks: that of the identity endpoint it logged in to."""
    endpoints = auth_ref.service_catalog.get_endpoints(service_type="identity")
    for endpoint in endpoints.get("identity") or []:
        if endpoint and keystone_url in endpoint.values():
            return str(endpoint["region"])
    return None


def horizon_request(
    auth_ref: access.AccessInfoV3, *, keystone_url: str, region: str | None
) -> HttpRequest:
    """The request Horizon makes for the token's user after a login: the same user object,
    session keys, Keystone endpoint (the catalog's identity URL of the login region, as
    openstack_auth's backend finds it) and services region, hence the same index keys."""
    found = login_region(auth_ref, keystone_url)
    interface = settings.OPENSTACK_KEYSTONE_ENDPOINT_TYPE or settings.OPENSTACK_ENDPOINT_TYPE
    endpoint = auth_ref.service_catalog.url_for(
        service_type="identity", interface=interface, region_name=found
    )
    request = RequestFactory().get("/admin/")
    request.session = {}
    user = auth_user.create_user_from_token(
        request, auth_user.Token(auth_ref), endpoint, services_region=region or found
    )
    auth_user.set_session_from_user(request, user)
    # As django.contrib.auth.login leaves it: policy checks read the user from the session.
    request.session[auth.SESSION_KEY] = user.id
    request.session[auth.BACKEND_SESSION_KEY] = "openstack_auth.backend.KeystoneBackend"
    request._messages = CookieStorage(request)
    return request


@contextmanager
def nova_with_the_token_as_is() -> Iterator[None]:
    """Horizon's Nova client (novaclient) re-scopes the request's token through Keystone
    (``POST /v3/auth/tokens``, token method), which Keystone refuses for an application
    credential's token ("Using a delegated token to create another token is not
    allowed"). Meanwhile, in this process, it sends the token as it is to the catalog's Nova
    endpoint, as Horizon's own SDK and Keystone clients already do (keystoneauth's
    ``token_endpoint``): the same token, the same scope, nothing else asked of Keystone."""
    from keystoneauth1 import token_endpoint
    from novaclient import client as nova_client
    from openstack_dashboard.api import _nova, base

    horizons = _nova.cached_novaclient

    def novaclient(request: HttpRequest, version: str | None = None) -> Any:
        token_id, nova_url = request.user.token.id, base.url_for(request, "compute")
        if version is None:
            version = _nova.VERSIONS.get_active_version()["version"]
        session = auth_utils.get_session(
            auth=token_endpoint.Token(endpoint=nova_url, token=token_id)
        )
        return nova_client.Client(
            version, session=session, endpoint_override=nova_url, http_log_debug=settings.DEBUG
        )

    _nova.cached_novaclient = novaclient
    try:
        yield
    finally:
        _nova.cached_novaclient = horizons


def refuse_unless_admin(request: HttpRequest) -> None:
    """The checks Horizon makes before it shows an admin panel that reads the cloud's index:
    an index built with a token that fails them would be shown as the whole cloud while
    holding only what that token may list."""
    from patch_dashboard.content.image_lifecycle.panel import ImageLifecycle
    from patch_dashboard.content.patch_compliance.panel import PatchCompliance

    user: Any = request.user
    for panel in (PatchCompliance(), ImageLifecycle()):
        if not (user.has_perms(panel.permissions) and panel.can_access({"request": request})):
            raise Refused(
                Exit.NOT_ADMIN,
                "The application credential's user %s (project %s, roles: %s) may not open "
                "Admin > %s: the cloud-wide index is built only with a token of an admin. "
                "Create the credential as an admin, with the admin role."
                % (
                    user.username,
                    user.project_name,
                    ", ".join(sorted(role["name"] for role in user.roles)) or "none",
                    panel.name,
                ),
            )


def refresh(request: HttpRequest) -> Refreshed:
    """One build of the cloud's index with the request's token, as a page view starts it."""
    if not epoch.cache_works(request):
        raise Refused(
            Exit.CACHE_DOWN,
            "The index cache (CACHES[%r]) does not answer; nothing was refreshed."
            % conf.get("PATCH_DASHBOARD_INDEX_CACHE"),
        )
    store = indexed.store_for(request, SCOPE)
    skipped = skipped_builds(store)
    started = time.monotonic()
    if not indexed.build(request, store, SCOPE, all_projects=True):
        if not epoch.cache_works(request):
            raise Refused(Exit.CACHE_DOWN, "The index cache stopped answering during the build.")
        if skipped_builds(store) > skipped:
            raise Refused(
                Exit.SKIPPED,
                "Another Horizon worker or refresh is building the cloud's index now; this "
                "refresh left it to that one.",
            )
        raise Refused(
            Exit.BUILD_FAILED,
            "The build of the cloud's index ended without an index (see the warning above); "
            "the last index stays as it was.",
        )
    seconds = time.monotonic() - started
    status: Any = store.read("status") or {}
    index = Index.open(store)
    if status.get("failed") or index is None:
        raise Refused(
            Exit.BUILD_FAILED,
            "The build of the cloud's index failed (%s); the last index stays as it was."
            % (status.get("error") or "see the log"),
        )
    # What Horizon would have shown beside the page (an enrichment that failed: volumes).
    messages = request._messages
    return Refreshed(index=index, seconds=seconds, warnings=tuple(str(m) for m in messages))


def skipped_builds(store: Any) -> int:
    """How many builds of the scope found it locked (counted by :func:`indexed.build`): a
    build that returns False either found it locked or failed before it could start."""
    try:
        return int(store.cache.get(store.key + ":skipped") or 0)
    except Exception:
        return 0


def credential_from(options: dict[str, Any]) -> Credential:
    credential_id = options.get("application_credential_id") or os.environ.get(ID_VARIABLE)
    secret = options.get("application_credential_secret") or os.environ.get(SECRET_VARIABLE)
    if not credential_id or not secret:
        raise Refused(
            Exit.USAGE,
            "No application credential: set %s and %s (or --application-credential-id and "
            "--application-credential-secret)." % (ID_VARIABLE, SECRET_VARIABLE),
        )
    return Credential(id=credential_id, secret=secret)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError("a number of seconds above 0, not %r" % text)
    return value


class Command(BaseCommand):
    help = (
        "Rebuild the cloud-wide index of patch-dashboard's admin panels with a Keystone "
        "application credential of an admin (%s, %s). Exit codes: %s."
        % (
            ID_VARIABLE,
            SECRET_VARIABLE,
            ", ".join("%d %s" % (code, code.name.lower()) for code in Exit),
        )
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--once",
            action="store_true",
            help="One refresh, then exit (the default; for a systemd timer).",
        )
        mode.add_argument(
            "--interval",
            type=positive_seconds,
            metavar="SECONDS",
            help="Refresh every SECONDS until SIGTERM (for a systemd service); keep it below "
            "PATCH_DASHBOARD_INDEX_SECONDS so page views never rebuild the index themselves.",
        )
        parser.add_argument(
            "--application-credential-id", help="Default: $%s." % ID_VARIABLE, metavar="ID"
        )
        parser.add_argument(
            "--application-credential-secret",
            metavar="SECRET",
            help="Default: $%s (preferred: a command line is visible to every local user)."
            % SECRET_VARIABLE,
        )
        parser.add_argument(
            "--keystone-url",
            help="Default: Horizon's OPENSTACK_KEYSTONE_URL (%(default)s).",
            default=getattr(settings, "OPENSTACK_KEYSTONE_URL", None),
        )
        parser.add_argument(
            "--region",
            help="The services region whose index to refresh, as chosen at Horizon's login "
            "(default: the region of the Keystone endpoint, as a login picks it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if conf.index_seconds() <= 0:
            raise Refused(
                Exit.USAGE,
                "PATCH_DASHBOARD_INDEX_SECONDS is 0: the panels list the cloud live and read "
                "no index, so there is nothing to refresh.",
            )
        cache = conf.get("PATCH_DASHBOARD_INDEX_CACHE")
        backend = caches[cache].__class__.__name__
        if backend in PROCESS_OWN_CACHES:
            raise Refused(
                Exit.USAGE,
                "CACHES[%r] is a %s: an index built here would stay in this process, unseen "
                "by Horizon's workers. Give the index a shared cache (memcached, Redis)."
                % (cache, backend),
            )
        if not options.get("keystone_url"):
            raise Refused(Exit.USAGE, "No Keystone URL: set OPENSTACK_KEYSTONE_URL.")
        login = Login(keystone_url=options["keystone_url"], credential=credential_from(options))
        interval = options.get("interval")
        with nova_with_the_token_as_is():
            if interval is None:
                self.refresh_once(login, options.get("region"))
                return
            if interval >= conf.index_seconds():
                self.stderr.write(
                    "Note: --interval %g is not below PATCH_DASHBOARD_INDEX_SECONDS (%g): page "
                    "views will rebuild the index too." % (interval, conf.index_seconds())
                )
            self.serve(login, options.get("region"), interval)

    def refresh_once(self, login: Login, region: str | None) -> None:
        auth_ref = login.token()
        request = horizon_request(auth_ref, keystone_url=login.keystone_url, region=region)
        refuse_unless_admin(request)
        done = refresh(request)
        meta = done.index.meta
        user: Any = request.user
        for warning in done.warnings:
            self.stderr.write("Warning: %s" % warning)
        self.stdout.write(
            "Built the cloud's index for %s (region %s) as %s: %d instances, %d images, "
            "as of %s, in %.1f s%s."
            % (
                user.endpoint,
                user.services_region,
                user.username,
                meta.servers,
                meta.images,
                meta.built_at.isoformat(timespec="seconds"),
                done.seconds,
                "" if meta.complete else " (some services did not answer: figures incomplete)",
            )
        )

    def serve(self, login: Login, region: str | None, interval: float) -> None:
        """Refresh every ``interval`` seconds (from the start of one to the next) until
        SIGTERM or SIGINT; a build under way finishes first. Transient faults are reported
        and retried next time; a refused credential or a non-admin token ends the loop."""
        stop = threading.Event()

        def stop_on(signum: int, frame: object) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, stop_on) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    self.refresh_once(login, region)
                except Refused as refused:
                    if refused.code in PERMANENT:
                        raise
                    self.stderr.write(str(refused))
                    # A new token next time: a revoked one (its credential deleted) fails
                    # every call until it would have expired, and Keystone then says why.
                    login.plugin.invalidate()
                stop.wait(max(0.0, interval - (time.monotonic() - started)))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped.")
