"""The scope indexes on the development cloud (issue 13): real Horizon (gunicorn, 2 workers)
serving its list panels from a memcached of their own, real Nova and Glance behind it.

- An instance booted, and one deleted, in Nova (around the dashboard) show on Patch
  Compliance and on the member's Outdated Instances within one refresh interval.
- A deprecation through the dashboard shows at once.
- However many requests ask for a refresh at once, from both workers, one scope is never
  built twice at the same time (the build history in the cache says when each ran).
- The index's memcached stopped: every panel still answers 200, listed live, with the
  warning, and nobody is logged out.
- A member's requests never reach the cloud's index, whatever the URL says.
"""

import re
import threading
import time

import pytest
from django.core.cache.backends.memcached import PyMemcacheCache

from patch_dashboard.api.index_store import IndexStore, scope_key
from tests.integration.conftest import INDEXED_PANELS, horizon_login
from tests.integration.test_faults import page, service_down, url
from tests.integration.test_image_lifecycle import family, glance, submit  # noqa: F401

pytestmark = pytest.mark.integration

INTERVAL = 30  # PATCH_DASHBOARD_INDEX_SECONDS of devcloud/horizon/local_settings.py
INDEX_CACHE = "127.0.0.1:21212"
CACHE_DOWN = "The dashboard&#x27;s cache is not available"


def row_of(html, name):
    """The table row of the instance ``name`` (its cells' HTML), or None."""
    match = re.search(r'<tr[^>]*data-display="%s"[^>]*>(.*?)</tr>' % re.escape(name), html, re.S)
    return match.group(1) if match else None


def seconds_until(check, limit):
    """Seconds until ``check()`` holds, polled every 2 s; fails after ``limit``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, "not seen within %d s" % limit
        time.sleep(2)
    return time.monotonic() - start


def cloud_store(cloud):
    cache = PyMemcacheCache(INDEX_CACHE, {"KEY_PREFIX": "devcloud-horizon"})
    return IndexStore(cache, scope_key(cloud["keystone_url"], cloud["region"], "cloud"))


def test_nova_changes_show_within_one_refresh_interval(cloud, horizon, sdk):
    admin, alpha = horizon("admin"), horizon("alpha")
    compliance = url(cloud, "/admin/patch_compliance/?project=%s" % cloud["projects"]["alpha"])
    outdated = url(cloud, "/project/outdated_instances/?show=all")
    name = "itest-index-%d" % time.time()
    for session, panel in ((admin, compliance), (alpha, outdated)):
        assert row_of(session.get(panel, timeout=120).text, name) is None

    conn = sdk("alpha")
    image = next(i for i in conn.image.images() if not i.min_disk and i.status == "active")
    server = conn.compute.create_server(
        name=name,
        image_id=image.id,
        flavor_id=conn.compute.find_flavor("m1.tiny").id,
        networks="none",
    )
    try:
        conn.compute.wait_for_server(server, status="ACTIVE", wait=180)
        booted = {
            who: seconds_until(
                lambda s=session, p=panel: row_of(s.get(p, timeout=120).text, name), 2 * INTERVAL
            )
            for who, session, panel in (("admin", admin, compliance), ("alpha", alpha, outdated))
        }
    finally:
        conn.compute.delete_server(server.id)
        conn.compute.wait_for_delete(server, wait=120)
    deleted = {
        who: seconds_until(
            lambda s=session, p=panel: row_of(s.get(p, timeout=120).text, name) is None,
            2 * INTERVAL,
        )
        for who, session, panel in (("admin", admin, compliance), ("alpha", alpha, outdated))
    }
    print("\nbooted instance shown after %s s, deleted one gone after %s s" % (booted, deleted))
    assert max(booted.values()) <= 60 and max(deleted.values()) <= 60


def test_a_deprecation_through_the_dashboard_shows_at_once(cloud, horizon, family):  # noqa: F811
    admin = horizon("admin")
    compliance = url(cloud, "/admin/patch_compliance/?project=%s" % cloud["projects"]["alpha"])
    name = "%s-vm" % family["label"]
    seconds_until(lambda: row_of(admin.get(compliance, timeout=120).text, name), 2 * INTERVAL)
    before = row_of(admin.get(compliance, timeout=120).text, name)
    assert 'data-patch-state="superseded"' in before, before  # the family's older build
    assert submit(admin, cloud, "deprecate", family["old"]).status_code == 302
    row = row_of(admin.get(compliance, timeout=120).text, name)
    assert 'data-patch-state="deprecated"' in row, row
    lifecycle = admin.get(url(cloud, "/admin/image_lifecycle/?state=deprecated"), timeout=120)
    assert family["old"] in lifecycle.text


def test_one_build_of_a_scope_at_a_time_across_workers(cloud, sdk):
    store = cloud_store(cloud)
    before = list(store.read("history") or [])
    skipped_before = store.cache.get(store.key + ":skipped") or 0
    user = cloud["users"]["admin"]
    sessions = [
        horizon_login(
            cloud["horizon_url"],
            user["username"],
            user["password"],
            project_id=sdk("admin").current_project_id,
        )
        for _ in range(6)
    ]
    start = threading.Barrier(len(sessions))
    answers = []

    def ask(session):
        start.wait()
        for _ in range(3):
            answers.append(
                session.get(
                    url(cloud, "/admin/patch_compliance/?refresh=1"), timeout=120
                ).status_code
            )

    threads = [threading.Thread(target=ask, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    for session in sessions:
        session.close()
    time.sleep(3)  # the last background build ends
    history = list(store.read("history") or [])
    runs = [entry for entry in history if entry not in before]
    skipped = (store.cache.get(store.key + ":skipped") or 0) - skipped_before
    print(
        "\n%d requests: %d builds (workers %s), %d skipped while another ran"
        % (len(answers), len(runs), sorted({pid for pid, _, _ in runs}), skipped)
    )
    assert answers == [200] * 18
    assert runs, "the refreshes built the index"
    runs.sort(key=lambda entry: entry[1])
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert later[1] >= earlier[2], ("two builds of the cloud overlapped", earlier, later)
    assert skipped > 0, "requests arrived while a build ran and did not start another"


def test_the_index_cache_down_lists_live_with_the_warning(cloud, sdk):
    user = cloud["users"]["admin"]
    session = horizon_login(
        cloud["horizon_url"],
        user["username"],
        user["password"],
        project_id=sdk("admin").current_project_id,
    )
    try:
        with service_down("memcached-index"):
            for path in INDEXED_PANELS:
                html = page(session, cloud, path)
                assert CACHE_DOWN in html, path
                assert 'id="patch-index-status"' not in html, path
            assert "alpha-db-1" in page(session, cloud, "/admin/patch_compliance/")
        # Back: the panels read their index again (rebuilt, the cache was emptied).
        html = page(session, cloud, "/admin/patch_compliance/")
        assert CACHE_DOWN not in html and 'id="patch-index-status"' in html
    finally:
        session.close()


def test_a_member_never_reads_the_cloud_index(cloud, horizon):
    alpha = horizon("alpha")
    beta = {name for name, s in cloud["seed"]["servers"].items() if s["project"] == "beta"}
    assert beta
    for path in (
        "/admin/patch_compliance/",
        "/admin/image_lifecycle/",
        "/admin/patch_compliance/export.csv",
    ):
        response = alpha.get(url(cloud, path), timeout=120, allow_redirects=False)
        assert response.status_code != 200, path
    for query in (
        "?show=all&all_tenants=1",
        "?show=all&scope=cloud&refresh=1",
        "?show=all&project=%s" % cloud["projects"]["beta"],
    ):
        html = page(alpha, cloud, "/project/outdated_instances/" + query)
        assert 'id="patch-index-status"' in html, query
        assert "alpha-db-1" in html, query
        for name in beta:
            assert row_of(html, name) is None, (query, name)
