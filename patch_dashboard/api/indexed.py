"""Pages served from a scope's index instead of a listing of the whole scope (issue 13).

A page asks :func:`serve` for its scope's index: the cloud-wide one for the admin panels, the
project's for the project panels (the scope comes from the view, never from the URL, so a
member's request cannot name the cloud-wide index). What it gets:

- the last index, when there is one; when it is older than ``PATCH_DASHBOARD_INDEX_SECONDS``
  a rebuild starts in the background and the page still shows the last index, with its age;
  when the user asked for a refresh, or wrote through the plugin since it was built
  (:mod:`patch_dashboard.api.epoch`), the page waits for the rebuild as for a cold scope;
- on a cold scope, the build starts; the page waits for it up to
  ``PATCH_DASHBOARD_INDEX_WAIT`` seconds (a small cloud fills the page at once), else shows
  the build's progress and fills in when it is done;
- when the cache itself fails, ``unavailable``: the page lists the scope live, as it did
  before there was an index, and says so.

A build runs with the token of the user whose request started it (the requesting admin for
the cloud-wide index, a member for a project index): no stored credential. One build per
scope at a time across every Horizon worker (the cache's lock); a failed build keeps the last
index and records the error, which the page shows beside the index's age.
"""

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from django.contrib import auth
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from openstack_dashboard import api
from openstack_dashboard.api.rest import utils as rest_utils

from patch_dashboard import conf
from patch_dashboard.api import (
    compute,
    epoch,
    image_rows,
    increment,
    instance_rows,
    inventory,
    progress,
)
from patch_dashboard.api.index import IMAGES, INSTANCES, Index, IndexGone, write_index
from patch_dashboard.api.index_store import IndexStore, scope_key

LOG = logging.getLogger(__name__)

CACHE_DOWN = _(
    "The dashboard's cache is not available: this page lists the whole cloud on every visit, "
    "which is slow in a large cloud."
)
# A build renews its lock as it goes (each page read, each item written): a worker killed
# mid-build leaves a lock that expires this many seconds after its last renewal.
LOCK_SECONDS = 60
# How long a token Keystone validated is taken as valid by the indexed pages (Nova's and
# Glance's keystonemiddleware cache a validated token for up to 5 minutes).
TOKEN_CHECK_SECONDS = 60

_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.Lock()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Served:
    """What a page gets: the index (None while a cold scope is being built), whether a build
    is running, its progress, the last build's error, or ``unavailable`` (cache down)."""

    index: Index | None = None
    building: bool = False
    progress: dict | None = None
    error: str | None = None
    unavailable: bool = False

    @property
    def age_seconds(self) -> int | None:
        if self.index is None:
            return None
        return max(0, int((utcnow() - self.index.meta.built_at).total_seconds()))


def scope_of(request, *, all_projects: bool) -> str:
    return "cloud" if all_projects else "project:%s" % request.user.project_id


def store_for(request, scope: str) -> IndexStore:
    """The scope's store in the configured cache; keys name Keystone and the region."""
    return IndexStore(epoch.index_cache(), scope_key(*epoch.cloud_of(request), scope))


def _project_names(request, all_projects: bool) -> dict[str, str]:
    """Project id -> name for the cloud's index (a project's rows show ids, as the live
    pages do). An enrichment: when Keystone fails, ids instead, as on the live pages."""
    if not all_projects:
        return {}
    try:
        projects, _more = api.keystone.tenant_list(request)
    except Exception as error:
        LOG.warning("patch_dashboard: project names for the index: %s", error)
        return {}
    return {project.id: project.name for project in projects}


def build(
    request, store: IndexStore, scope: str, *, all_projects: bool, whole_images: bool = False
) -> bool:
    """List the scope (one listing per service, the user's token), assess it and store the
    index; False when another worker is building it. A failure keeps the last index and
    records the error in the scope's status item."""
    try:
        with store.lock("build", timeout=LOCK_SECONDS) as held:
            if not held:
                _note(store, "skipped")
                return False
            started = utcnow()
            try:
                return _build_locked(
                    request,
                    store,
                    scope,
                    started,
                    all_projects=all_projects,
                    whole_images=whole_images,
                )
            finally:
                _note(store, "built", started)
    except Exception as error:  # the cache went down: the pages list live meanwhile
        LOG.warning("patch_dashboard: no index build for %s: %s", scope, error)
        return False


def _note(store: IndexStore, what: str, started: datetime | None = None) -> None:
    """Builds and skipped builds, with the worker and the time (the scope's ``history``:
    the last 50, read by the single-flight test; written by the lock's holder only, a skip
    counted with the cache's atomic increment)."""
    try:
        if what == "skipped":
            store.cache.add(store.key + ":skipped", 0, None)
            store.cache.incr(store.key + ":skipped")
            return
        history = list(store.read("history") or [])[-49:]
        history.append((os.getpid(), started, utcnow()))
        store.write("history", history)
    except Exception as error:
        LOG.warning("patch_dashboard: index history not written: %s", error)


def _full_build(request, store, scope, started, at_epoch, names, all_projects) -> None:
    """List the whole scope, assess it and store a new index."""
    loaded = inventory.load(request, flavors=True, all_projects=all_projects, strict=True)
    cloud = loaded.assessment
    instances_known = loaded.servers is not None
    rows_of_images = image_rows.lifecycle_rows if all_projects else image_rows.image_rows
    write_index(
        store,
        scope=scope,
        tables={
            INSTANCES.name: instance_rows.instance_rows(
                cloud, project_names=names, images_known=loaded.images is not None
            ),
            IMAGES.name: rows_of_images(cloud, instances_known=instances_known),
        },
        compliance=loaded.assessment.compliance,
        built_at=started,
        servers=len(loaded.servers or ()),
        images=len(loaded.images or ()),
        complete=loaded.complete,
        epoch=at_epoch,
        raw_items=increment.raw_of(
            loaded, private_flavors_usable=compute.private_flavors_usable(request)
        ),
        listed_at=started,
    )


def _build_locked(
    request,
    store: IndexStore,
    scope: str,
    started: datetime,
    *,
    all_projects: bool,
    whole_images: bool = False,
) -> bool:
    """The build itself, with the scope's lock held."""
    at_epoch = epoch.current(request)  # writes after this point make the index stale
    last = _open(store)
    incremental = increment.usable(last, started)
    # What the last build found: the bar's 100 % (None: the first build, or an increment,
    # which reads what changed: no share of the cloud).
    whole = last is not None and not incremental
    status = {
        "started_at": started,
        "servers_read": 0,
        "images_read": 0,
        "incremental": incremental,
        "servers_expected": last.meta.servers if whole and last else None,
        "images_expected": last.meta.images if whole and last else None,
    }
    store.write("status", status)
    reporter = _Reporter(store, status)
    try:
        with progress.reporting(request, reporter):
            names = _project_names(request, all_projects)
            if incremental:
                assert last is not None
                try:
                    increment.refresh(
                        request,
                        store,
                        last,
                        started=started,
                        epoch=at_epoch,
                        all_projects=all_projects,
                        project_names=names,
                        whole_images=whole_images,
                    )
                except IndexGone:  # an item evicted: list the scope whole
                    _full_build(request, store, scope, started, at_epoch, names, all_projects)
            else:
                _full_build(request, store, scope, started, at_epoch, names, all_projects)
        store.write("status", {"finished_at": utcnow(), "error": None})
    except Exception as error:
        LOG.warning("patch_dashboard: building the index of %s failed: %s", scope, error)
        # Our own messages (a failed service call, a failed assessment) name what failed;
        # anything else is logged, not shown.
        message = str(error) if isinstance(error, rest_utils.AjaxError) else ""
        store.write("status", {"finished_at": utcnow(), "error": message, "failed": True})
    return True


class _Reporter:
    """Writes a build's progress to the scope's status item, at most twice a second."""

    def __init__(self, store: IndexStore, status: dict) -> None:
        self.store, self.status = store, status
        self.lock = threading.Lock()
        self.written = 0.0

    def __call__(self, kind: str, count: int) -> None:
        try:
            self.store.renew("build")
        except Exception as error:
            LOG.warning("patch_dashboard: index lock not renewed: %s", error)
        with self.lock:
            self.status[kind + "_read"] += count
            if time.monotonic() - self.written < 0.5:
                return
            self.written = time.monotonic()
            snapshot = dict(self.status)
        try:
            self.store.write("status", snapshot)
        except Exception as error:  # the build goes on; its end says whether it worked
            LOG.warning("patch_dashboard: index progress not written: %s", error)


def start(
    request, store: IndexStore, scope: str, *, all_projects: bool, whole_images: bool = False
) -> threading.Thread:
    """The build of ``scope`` in this worker, started unless one is running already
    (``whole_images``: the user asked for Refresh, see :func:`serve`)."""
    with _threads_lock:
        running = _threads.get(store.key)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(
            target=build,
            args=(request, store, scope),
            kwargs={"all_projects": all_projects, "whole_images": whole_images},
            name="patch-dashboard-index-%s" % scope,
            daemon=True,
        )
        _threads[store.key] = thread
        thread.start()
        return thread


def _open(store: IndexStore) -> Index | None:
    """The scope's last index, or None (never built, or an item of it evicted)."""
    index = Index.open(store)
    if index is None:
        return None
    try:
        index.figures()
    except IndexGone:
        return None
    return index


def check_token(request) -> None:
    """The request's token is still valid in Keystone, checked at most once a minute.

    A page listed live learns of a revoked token (the user logged out elsewhere, or lost the
    project) from Nova and Glance; a page read from the cache would not, and would go on
    showing a project to someone who may no longer see it. So Keystone is asked, with the
    token itself (a token may validate itself), and a token Keystone refuses ends the
    session: Horizon then sends the user to the login page.
    """
    token = request.user.token.id
    key = scope_key(*epoch.cloud_of(request), "token:" + hashlib.sha256(token.encode()).hexdigest())
    cache = epoch.index_cache()
    try:
        if cache.get(key):
            return
    except Exception:
        return  # the cache is down: the page lists live, and the services check the token
    try:
        api.keystone.keystoneclient(request).tokens.validate(token)
    except exceptions.UNAUTHORIZED + exceptions.NOT_FOUND as error:
        auth.logout(request)
        raise exceptions.NotAuthenticated(_("Please log in again.")) from error
    except Exception as error:
        # Keystone unreachable: nobody can log in now; the index stays readable to the
        # sessions that were valid a minute ago, and it is checked again next time.
        LOG.warning("patch_dashboard: could not validate the token: %s", error)
        return
    cache.set(key, True, TOKEN_CHECK_SECONDS)


def serve(request, *, all_projects: bool, refresh: bool = False) -> Served:
    """The scope's index as a page should show it (see the module's docstring)."""
    scope = scope_of(request, all_projects=all_projects)
    if not epoch.cache_works(request):
        return Served(unavailable=True)
    check_token(request)
    try:
        store = store_for(request, scope)
        index = _open(store)
        # Cold, asked for, or written to through the plugin since: worth a short wait, so
        # the user sees the result at once when the build is quick.
        urgent = index is None or refresh or index.meta.epoch != epoch.current(request)
        if urgent or _older_than_interval(index):
            # Refresh lists Glance's images whole: an image deleted outside the dashboard,
            # which no increment can see go, is gone after it (increment.py).
            thread = start(request, store, scope, all_projects=all_projects, whole_images=refresh)
            if urgent:
                thread.join(conf.index_wait())
                index = _open(store) or index
        status = store.read("status") or {}
    except Exception as error:
        LOG.warning("patch_dashboard: the index cache is not available: %s", error)
        return Served(unavailable=True)
    building = "started_at" in status and "finished_at" not in status
    return Served(
        index=index,
        building=building,
        progress=status if building else None,
        error=status.get("error") if status.get("failed") else None,
    )


def _older_than_interval(index: Index) -> bool:
    age = (utcnow() - index.meta.built_at).total_seconds()
    return age >= conf.index_seconds()


def status_context(served: Served | None) -> dict | None:
    """What the page's "as of" line shows: None for a page listed live."""
    if served is None:
        return None
    index = served.index
    status = served.progress or {}

    def percent(kind):
        read, expected = status.get(kind + "_read"), status.get(kind + "_expected")
        if not read or not expected:
            return None
        return min(100, round(100 * read / expected))

    return {
        "servers_read": status.get("servers_read"),
        "servers_expected": status.get("servers_expected"),
        "servers_percent": percent("servers"),
        "images_read": status.get("images_read"),
        "built_at": index.meta.built_at if index is not None else None,
        "age_seconds": served.age_seconds,
        "building": served.building or index is None,
        "cold": index is None,
        "servers": index.meta.servers if index is not None else None,
        "failed": served.error is not None,
        "error": served.error,
    }
