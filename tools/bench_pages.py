"""Parts 2, 4 and 5: pages with the API mocked at Horizon's boundary, in this process.

Runs inside Django's test runner machinery (test database, test settings) as Horizon's own
view tests do: ``tests.views.helpers.TestCase`` logs a test user in (``AdminTestCase``: with
the admin role), and ``unittest.mock`` replaces ``openstack_dashboard.api`` functions. The
mocks answer from a synthetic cloud (tools.bench_data) the way the real functions do: Glance
pages of API_RESULT_LIMIT honouring ``marker`` and ``os_hidden``, Nova honouring ``limit``,
``marker``, ``all_tenants`` and Horizon's page size (``server_list_paged``). Each call wraps
fresh objects (Image, Server, Volume, Flavor), as Horizon's API layer does per call.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import io
import os
import re
import time
import tracemalloc
import unittest
from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from unittest import mock

PROJECT_PAGES = {
    "Image Patch Status": "/project/image_patch_status/",
    "Outdated Instances": "/project/outdated_instances/",
}
ADMIN_PAGES = {"Patch Compliance (admin)": "/admin/patch_compliance/"}
STOCK_PROJECT = "/project/instances/"
STOCK_ADMIN = "/admin/instances/"
# The calls counted per page (part 4): "service.function".
COUNTED = (
    "glance.image_list_detailed",
    "nova.server_list",
    "nova.server_list_paged",
    "nova.flavor_list",
    "cinder.volume_list",
    "keystone.tenant_list",
)


@dataclass
class PageTimes:
    url: str
    rows: int  # rows the page rendered
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return median(self.seconds)


@dataclass
class PagesResult:
    images: int
    servers: int
    repeats: int
    plugin: dict[str, PageTimes]  # page label -> times
    stock: dict[str, PageTimes]  # "paged" / "all rows", project and admin
    calls: dict[int, dict[str, Counter]]  # image count -> page label -> counted calls
    call_servers: dict[int, int]
    peak: dict[str, tuple[int, float]]  # page label -> (peak bytes, seconds under tracemalloc)
    peak_images: int
    peak_servers: int
    # One Patch Compliance view served from the cloud's index: (peak bytes, seconds), at
    # indexed_servers instances, and the API calls it made
    indexed_peak: tuple[int, float] | None = None
    indexed_servers: int = 0
    indexed_calls: dict[str, int] = field(default_factory=dict)


class _Cloud:
    """Mocked openstack_dashboard.api answering from one synthetic cloud."""

    def __init__(self, cloud, *, tenant_names: dict[str, str]):
        self.cloud = cloud
        self.tenant_names = tenant_names

    # ---- wrappers, built per call as Horizon's API layer does
    def _image(self, payload):
        from openstack_dashboard import api
        from openstack_dashboard.test.test_data.glance_data import APIResourceV2

        return api.glance.Image(APIResourceV2(dict(payload)))

    def _server(self, payload, request):
        from novaclient.v2 import servers as nova_servers
        from openstack_dashboard import api

        return api.nova.Server(
            nova_servers.Server(nova_servers.ServerManager(None), dict(payload)), request
        )

    # ---- the mocked functions
    def image_list_detailed(self, request, marker=None, filters=None, paginate=False, **kw):
        from django.conf import settings
        from horizon.utils import functions

        filters = filters or {}
        hidden = str(filters.get("os_hidden", "")).lower() == "true"
        visibility = filters.get("visibility")
        selected = [
            image
            for image in self.cloud.images
            if bool(image.get("os_hidden")) == hidden
            and (visibility is None or image.get("visibility") == visibility)
        ]
        if marker:
            ids = [image["id"] for image in selected]
            selected = selected[ids.index(marker) + 1 :]
        size = functions.get_page_size(request) if paginate else settings.API_RESULT_LIMIT
        page = selected[:size]
        more = paginate and len(selected) > size
        return [self._image(payload) for payload in page], more, False

    def _servers(self, request, search_opts):
        opts = dict(search_opts or {})
        servers = self.cloud.servers
        if not opts.get("all_tenants"):
            servers = [s for s in servers if s["tenant_id"] == request.user.tenant_id]
        marker = opts.get("marker")
        if marker:
            ids = [s["id"] for s in servers]
            servers = servers[ids.index(marker) + 1 :]
        return servers, opts

    def server_list(self, request, search_opts=None, detailed=True):
        servers, opts = self._servers(request, search_opts)
        limit = min(int(opts.get("limit") or 1000), 1000)  # Nova's [api] max_limit
        page = servers[:limit]
        return [self._server(s, request) for s in page], len(servers) > limit

    def server_list_paged(self, request, search_opts=None, detailed=True, sort_dir="desc"):
        from horizon.utils import functions

        servers, opts = self._servers(request, search_opts)
        if not opts.get("paginate"):
            page = servers[:1000]
            return [self._server(s, request) for s in page], len(servers) > 1000, False
        size = functions.get_page_size(request)
        page = servers[:size]
        more = len(servers) > size
        return [self._server(s, request) for s in page], more, bool(opts.get("marker"))

    def flavor_list(self, request, is_public=None, get_extras=False):
        from openstack.compute.v2 import flavor as sdk_flavor

        return [
            sdk_flavor.Flavor(
                id=f["id"],
                name=f["name"],
                vcpus=f["vcpus"],
                ram=f["ram"],
                disk=f["disk"],
                swap=f["swap"],
                ephemeral=f["OS-FLV-EXT-DATA:ephemeral"],
                is_public=f["os-flavor-access:is_public"],
                extra_specs=dict(f["extra_specs"]),
            )
            for f in self.cloud.flavors
        ]

    def volume_list(self, request, search_opts=None, marker=None, sort_dir="desc"):
        from cinderclient.v3 import volumes
        from openstack_dashboard import api

        return [
            api.cinder.Volume(volumes.Volume(volumes.VolumeManager(None), dict(v)))
            for v in self.cloud.volumes
        ]

    def tenant_list(self, request, *args, **kwargs):
        from openstack_dashboard.api import base

        return [
            base.APIDictWrapper({"id": key, "name": name, "enabled": True})
            for key, name in self.tenant_names.items()
        ], False


def _patchers(cloud: _Cloud, limits):
    from openstack_dashboard import api

    answers = {
        (api.glance, "image_list_detailed"): cloud.image_list_detailed,
        (api.nova, "server_list"): cloud.server_list,
        (api.nova, "server_list_paged"): cloud.server_list_paged,
        (api.nova, "flavor_list"): cloud.flavor_list,
        (api.cinder, "volume_list"): cloud.volume_list,
        (api.keystone, "tenant_list"): cloud.tenant_list,
    }
    # What the stock Instances page asks besides the lists (per row: its actions' allowed()).
    constants = {
        # The indexed pages' token check (patch_dashboard/api/indexed.py): Keystone says yes.
        (api.keystone, "keystoneclient"): mock.MagicMock(),
        (api.nova, "tenant_absolute_limits"): limits,
        (api.nova, "is_feature_available"): True,
        (api.neutron, "floating_ip_supported"): True,
        (api.neutron, "floating_ip_simple_associate_supported"): True,
        (api.network, "servers_update_addresses"): None,
    }
    mocks = {}
    for (module, name), answer in answers.items():
        mocks["%s.%s" % (module.__name__.rsplit(".", 1)[-1], name)] = mock.patch.object(
            module, name, side_effect=answer, autospec=False
        )
    for (module, name), value in constants.items():
        mocks["%s.%s" % (module.__name__.rsplit(".", 1)[-1], name)] = mock.patch.object(
            module, name, return_value=value
        )
    return mocks


class _Session:
    """Mocks started for one cloud, counted per request."""

    def __init__(self, testcase, cloud):
        self.testcase = testcase
        self.patchers = _patchers(cloud, testcase.limits["absolute"])
        self.mocks = {name: patcher.start() for name, patcher in self.patchers.items()}

    def stop(self):
        for patcher in self.patchers.values():
            patcher.stop()

    def get(self, url, **params):
        for mocked in self.mocks.values():
            mocked.reset_mock()
        with _uninstrumented_templates():
            start = time.perf_counter()
            response = self.testcase.client.get(url, params)
            seconds = time.perf_counter() - start
        if response.status_code != 200:
            raise AssertionError("%s answered %s" % (url, response.status_code))
        calls = Counter({name: self.mocks[name].call_count for name in COUNTED})
        return response, seconds, +calls


@contextlib.contextmanager
def _uninstrumented_templates():
    """Render as a deployment does: the test environment wraps Template._render to send a
    signal on which the test client keeps a copy of the context of every template rendered
    (thousands per table page), which is neither a server's time nor its memory."""
    from django.template.base import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render
    try:
        yield
    finally:
        Template._render = instrumented


_ROW = re.compile(rb"<tr[^>]*data-object-id=")


def _rows(response) -> int:
    """Table rows in the page (Horizon's rows carry data-object-id)."""
    return len(_ROW.findall(response.content))


def _page_size(size: int):
    from django.test.utils import override_settings

    return override_settings(API_RESULT_PAGE_SIZE=size)


class _Bench:
    """Filled in by tools.bench_pages.run before the test runs."""

    images = 1000
    servers = 500
    repeats = 5
    all_rows_repeats = 3
    call_sizes = (10, 1000, 2500)
    peak_images = 10_000
    peak_servers = 1_000
    indexed_images = 5_000
    indexed_servers = 100_000
    result: PagesResult | None = None
    admin_result: dict | None = None


def _clouds(images: int, servers: int, *, admin: bool):
    from tools import bench_data

    # Project pages: every server in Horizon's test project "1"; admin: spread over projects.
    cloud = bench_data.synthetic_cloud(
        images, server_count=servers, projects=bench_data.PROJECTS if admin else 1
    )
    names = {str(i + 1): "project-%d" % (i + 1) for i in range(bench_data.PROJECTS)}
    return _Cloud(cloud, tenant_names=names)


def _time_pages(testcase, pages: dict[str, str], stock_url: str, cfg) -> tuple[dict, dict]:
    """Median times of each plugin page and the stock page (paged and with all rows)."""
    session = _Session(testcase, _clouds(cfg.images, cfg.servers, admin=stock_url == STOCK_ADMIN))
    try:
        plugin = {label: PageTimes(url, 0) for label, url in pages.items()}
        stock = {"paged": PageTimes(stock_url, 0), "all rows": PageTimes(stock_url, 0)}
        plans = [(plugin[label], None, cfg.repeats) for label in pages]
        plans.append((stock["paged"], None, cfg.repeats))
        # Horizon's table with every server on one page is slow (about 20 ms a row): fewer runs.
        plans.append((stock["all rows"], cfg.servers, min(cfg.repeats, cfg.all_rows_repeats)))
        for attempt in range(cfg.repeats + 1):  # the first round warms caches, not counted
            for times, page_size, repeats in plans:
                if attempt > repeats:
                    continue
                if page_size:
                    with _page_size(page_size):
                        response, seconds, _calls = session.get(times.url)
                else:
                    response, seconds, _calls = session.get(times.url)
                times.rows = _rows(response)
                if attempt:
                    times.seconds.append(seconds)
                del response
                gc.collect()
        return plugin, stock
    finally:
        session.stop()


def _count_calls(testcase, pages: dict[str, str], stock_url: str, cfg):
    counts: dict[int, dict[str, Counter]] = {}
    servers: dict[int, int] = {}
    for images in cfg.call_sizes:
        server_count = max(5, images // 2)
        servers[images] = server_count
        session = _Session(testcase, _clouds(images, server_count, admin=stock_url == STOCK_ADMIN))
        try:
            counts[images] = {}
            for label, url in {**pages, "Horizon Instances": stock_url}.items():
                _response, _seconds, calls = session.get(url)
                counts[images][label] = calls
        finally:
            session.stop()
    return counts, servers


def _traced(session: _Session, url: str):
    """One GET under tracemalloc -> (response, seconds, calls, peak bytes)."""
    gc.collect()
    tracemalloc.start()
    try:
        response, seconds, calls = session.get(url)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, seconds, calls, peak


def _peaks(testcase, pages: dict[str, str], cfg, *, admin: bool):
    session = _Session(testcase, _clouds(cfg.peak_images, cfg.peak_servers, admin=admin))
    peaks = {}
    try:
        for label, url in pages.items():
            # Imports, templates and caches were warmed by the timed runs before.
            _response, seconds, _calls, peak = _traced(session, url)
            del _response
            peaks[label] = (peak, seconds)
    finally:
        session.stop()
    return peaks


INDEXED_LABEL = "Patch Compliance (admin), from the cloud's index"


def _indexed_peak(testcase, cfg) -> dict:
    """The peak of one Patch Compliance view served from the cloud's index (issue 13) at
    ``cfg.indexed_servers`` instances over 1,000 projects: the index built by a first view
    (in a LocMem cache of its own), then one view measured under tracemalloc."""
    import uuid

    from django.test.utils import override_settings

    from patch_dashboard.api import indexed
    from tools import bench_data

    cloud = bench_data.synthetic_cloud(
        cfg.indexed_images, server_count=cfg.indexed_servers, projects=1000
    )
    names = {str(i + 1): "project-%d" % (i + 1) for i in range(1000)}
    session = _Session(testcase, _Cloud(cloud, tenant_names=names))
    from django.conf import settings

    caches = {
        **settings.CACHES,
        "index": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bench-" + uuid.uuid4().hex,
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }
    index_on = override_settings(
        CACHES=caches,
        PATCH_DASHBOARD_INDEX_SECONDS=3600,
        PATCH_DASHBOARD_INDEX_CACHE="index",
        PATCH_DASHBOARD_INDEX_WAIT=600,
    )
    url = ADMIN_PAGES["Patch Compliance (admin)"]
    try:
        with index_on:
            session.get(url)  # builds the index (the view waits for it)
            for thread in list(indexed._threads.values()):
                thread.join(600)
            session.get(url)  # warm: templates, the index's meta
            response, seconds, calls, peak = _traced(session, url)
            if 'id="patch-index-status"' not in response.content.decode():
                raise AssertionError("%s was not served from the index" % url)
            rows = _rows(response)
            del response
    finally:
        session.stop()
    return {INDEXED_LABEL: (peak, seconds), "calls": dict(calls), "rows": rows}


def _project_test(testcase):
    cfg = _Bench
    plugin, stock = _time_pages(testcase, PROJECT_PAGES, STOCK_PROJECT, cfg)
    counts, servers = _count_calls(testcase, PROJECT_PAGES, STOCK_PROJECT, cfg)
    peaks = _peaks(testcase, PROJECT_PAGES, cfg, admin=False)
    cfg.result = PagesResult(
        images=cfg.images,
        servers=cfg.servers,
        repeats=cfg.repeats,
        plugin=plugin,
        stock={"project " + k: v for k, v in stock.items()},
        calls=counts,
        call_servers=servers,
        peak=peaks,
        peak_images=cfg.peak_images,
        peak_servers=cfg.peak_servers,
    )


def _admin_test(testcase):
    cfg = _Bench
    plugin, stock = _time_pages(testcase, ADMIN_PAGES, STOCK_ADMIN, cfg)
    counts, _servers = _count_calls(testcase, ADMIN_PAGES, STOCK_ADMIN, cfg)
    peaks = _peaks(testcase, ADMIN_PAGES, cfg, admin=True)
    indexed = _indexed_peak(testcase, cfg) if cfg.indexed_servers else {}
    cfg.admin_result = {
        "plugin": plugin,
        "stock": stock,
        "calls": counts,
        "peak": peaks,
        "indexed": indexed,
    }


def _suite():
    from tests.views.helpers import AdminTestCase, TestCase

    class ProjectPages(TestCase):
        def test_bench(self):
            _project_test(self)

    class AdminPages(AdminTestCase):
        def test_bench(self):
            _admin_test(self)

    suite = unittest.TestSuite()
    suite.addTest(ProjectPages("test_bench"))
    suite.addTest(AdminPages("test_bench"))
    return suite


def run(
    *,
    images: int = 1000,
    servers: int = 500,
    repeats: int = 5,
    call_sizes=(10, 1000, 2500),
    peak_images: int = 10_000,
    peak_servers: int = 1_000,
    indexed_servers: int = 100_000,
) -> PagesResult:
    """Run the mocked part in Django's test machinery; returns the merged result."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.test.utils import get_runner, override_settings

    django.setup()
    from django.conf import settings

    cfg = _Bench
    cfg.images, cfg.servers, cfg.repeats = images, servers, repeats
    cfg.call_sizes, cfg.peak_images, cfg.peak_servers = call_sizes, peak_images, peak_servers
    cfg.indexed_servers = indexed_servers
    runner = get_runner(settings)(verbosity=0, interactive=False)
    runner.setup_test_environment()
    # tests.settings compiles the themes' SCSS in-process for the browser tier (~5 s a page
    # here); a deployment serves it precompiled (COMPRESS_OFFLINE), so leave it out as
    # Horizon's own test settings do.
    # Horizon's test settings parse every template on every render; a deployment (DEBUG
    # False, openstack_dashboard/settings.py) wraps its loaders in Django's cached loader.
    templates = copy.deepcopy(settings.TEMPLATES)
    loaders = templates[0]["OPTIONS"]["loaders"]
    templates[0]["OPTIONS"]["loaders"] = [("django.template.loaders.cached.Loader", loaders)]
    as_deployed = override_settings(
        COMPRESS_PRECOMPILERS=(), COMPRESS_ENABLED=False, TEMPLATES=templates
    )
    as_deployed.enable()
    old_config = runner.setup_databases()
    try:
        stream = io.StringIO()
        outcome = unittest.TextTestRunner(stream=stream, verbosity=0).run(_suite())
        if not outcome.wasSuccessful():
            raise RuntimeError("mocked page benchmark failed:\n" + stream.getvalue())
    finally:
        runner.teardown_databases(old_config)
        as_deployed.disable()
        runner.teardown_test_environment()
    result = cfg.result
    admin = cfg.admin_result
    result.plugin.update(admin["plugin"])
    result.stock.update({"admin " + k: v for k, v in admin["stock"].items()})
    for size, pages in admin["calls"].items():
        for label, calls in pages.items():
            key = "Horizon Instances (admin)" if label == "Horizon Instances" else label
            result.calls[size][key] = calls
    result.peak.update(admin["peak"])
    if admin["indexed"]:
        result.indexed_peak = admin["indexed"][INDEXED_LABEL]
        result.indexed_servers = indexed_servers
        result.indexed_calls = admin["indexed"]["calls"]
    return result
