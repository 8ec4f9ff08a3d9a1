"""The simulated large cloud (tools/simcloud) through the real clients, over HTTP on 127.0.0.1.

python-novaclient and python-glanceclient talk to the simulator exactly as Horizon's API layer
does (token endpoint, microversion headers, glanceclient's schema and paging); what they get
back must follow Nova's and Glance's rules the plugin's refresh relies on.
"""

from __future__ import annotations

import datetime as dt
import time

import glanceclient
import pytest
import requests
from glanceclient import exc as glance_exc
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc

from patch_dashboard.lifecycle import PatchState, assess_images, parse_image
from tools.simcloud import data
from tools.simcloud.data import Counts, SimCloud
from tools.simcloud.latency import LatencyModel, fit
from tools.simcloud.server import serve

EPOCH = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
SMALL = Counts(servers=3000, images=400, projects=40, big_servers=250)
ADMIN = data.ADMIN_PROJECT


@pytest.fixture
def sim():
    """A small simulated cloud (fresh per test: some tests change it), served on 127.0.0.1."""
    cloud = SimCloud(SMALL, seed=7, epoch=EPOCH)
    server = serve(cloud)
    yield server
    server.close()


def nova(sim, project: str = ADMIN, microversion: str = "2.42"):
    session = ks_session.Session(auth=token_endpoint.Token(sim.compute_url(project), "any"))
    return nova_client.Client(microversion, session=session)


def glance(sim, project: str = ADMIN):
    return glanceclient.Client("2", endpoint=sim.image_url(project), token="any")


def every_server(client, **search_opts) -> list:
    """All pages, the way the plugin pages through: limit + marker of the last row."""
    servers, marker = [], None
    while True:
        opts = dict(search_opts, limit=100)
        if marker:
            opts["marker"] = marker
        batch = client.servers.list(search_opts=opts)
        servers.extend(batch)
        if len(batch) < 100:
            return servers
        marker = batch[-1].id


def test_server_pages_cover_every_server_once_newest_first(sim):
    client = nova(sim)
    servers = every_server(client, all_tenants=True)
    ids = [server.id for server in servers]
    assert len(ids) == len(set(ids)) == SMALL.servers
    created = [server.created for server in servers]
    assert created == sorted(created, reverse=True)
    first = requests.get(
        sim.compute_url(ADMIN) + "/servers/detail",
        params={"all_tenants": "True", "limit": 5},
        headers={"X-Auth-Token": "any"},
        timeout=10,
    ).json()
    assert len(first["servers"]) == 5
    (link,) = first["servers_links"]
    assert link["rel"] == "next" and "marker=%s" % ids[4] in link["href"]
    following = requests.get(link["href"], headers={"X-Auth-Token": "any"}, timeout=10).json()
    assert [server["id"] for server in following["servers"]] == ids[5:10]


def test_project_scope_from_the_url_and_sim_big_has_its_count(sim):
    cloud = sim.simulator.cloud
    big = cloud.projects[0]
    own = every_server(nova(sim, big))
    assert len(own) == SMALL.big_servers
    assert {server.tenant_id for server in own} == {big}
    assert all(server.name.startswith("sim-big-vm-") for server in own)
    by_admin = every_server(nova(sim), all_tenants=True, project_id=big)
    assert {server.id for server in by_admin} == {server.id for server in own}


def test_all_tenants_is_refused_to_a_member(sim):
    member = nova(sim, sim.simulator.cloud.projects[3])
    with pytest.raises(nova_exc.Forbidden):
        member.servers.list(search_opts={"all_tenants": True})


def test_changes_since_returns_changes_only_and_deleted_servers_as_deleted(sim):
    client = nova(sim)
    before = every_server(client, all_tenants=True)
    assert every_server(client, all_tenants=True, **{"changes-since": "2026-12-01T00:00:00Z"}) == []
    since = data.stamp(time.time() - 1)
    response = requests.post(sim.url + "/_sim/changes", params={"n": 60}, timeout=10)
    done = response.json()
    assert done["created"] and done["deleted"] and done["changed"]
    changed = every_server(client, all_tenants=True, **{"changes-since": since})
    status = {server.id: server.status for server in changed}
    for server_id in done["deleted"]:
        assert status[server_id] == "DELETED"
    assert set(done["created"]) | set(done["changed"]) <= set(status)
    assert set(status) <= set(done["created"]) | set(done["changed"]) | set(done["deleted"])
    now = {server.id for server in every_server(client, all_tenants=True)}
    assert not now & set(done["deleted"])
    assert len(now) == len(before) + len(done["created"]) - len(done["deleted"])


def test_unknown_filters_are_refused_from_microversion_2_75(sim):
    opts = {"all_tenants": True, "limit": 1, "no-such-filter": "x"}
    assert len(nova(sim, microversion="2.74").servers.list(search_opts=opts)) == 1
    with pytest.raises(nova_exc.BadRequest):
        nova(sim, microversion="2.75").servers.list(search_opts=opts)


def test_flavor_shape_follows_the_microversion(sim):
    old = nova(sim, microversion="2.42")
    new = nova(sim, microversion="2.61")
    (server,) = old.servers.list(search_opts={"limit": 1, "all_tenants": True})
    assert set(server.flavor) == {"id", "links"}
    (server,) = new.servers.list(search_opts={"limit": 1, "all_tenants": True})
    assert "original_name" in server.flavor and "id" not in server.flavor
    dedicated = [f for f in new.flavors.list() if f._info["extra_specs"]]
    assert dedicated
    assert not any("extra_specs" in f._info for f in old.flavors.list())
    assert old.flavors.get(dedicated[0].id).get_keys() == dedicated[0]._info["extra_specs"]


def test_images_page_with_next_links_and_hidden_ones_only_when_asked(sim):
    client = glance(sim)
    shown = list(client.images.list(page_size=7))
    hidden = list(client.images.list(page_size=7, filters={"os_hidden": True}))
    assert not any(image["os_hidden"] for image in shown)
    assert hidden and all(image["os_hidden"] for image in hidden)
    ids = [image["id"] for image in shown + hidden]
    assert len(ids) == len(set(ids)) == SMALL.images  # admin: every project's images
    first = requests.get(sim.image_url(ADMIN) + "/v2/images", timeout=10).json()
    assert len(first["images"]) == 25  # Glance's default page
    assert first["next"].startswith("/v2/images?") and "marker=" in first["next"]


def test_updated_at_operators_split_the_images_and_see_changes(sim):
    client = glance(sim)
    updated = sorted(image["updated_at"] for image in sim.simulator.cloud.images)
    cut = updated[len(updated) // 2]
    newer = {i["id"] for i in client.images.list(filters={"updated_at": "gte:" + cut})}
    older = {i["id"] for i in client.images.list(filters={"updated_at": "lt:" + cut})}
    every = {i["id"] for i in client.images.list()}
    assert newer and older and not newer & older and newer | older == every
    since = data.stamp(time.time() - 1)
    done = {"images": []}
    while not done["images"]:
        done = requests.post(sim.url + "/_sim/changes", params={"n": 50}, timeout=10).json()
    fresh = {
        image["id"]
        for hidden in (False, True)
        for image in client.images.list(filters={"updated_at": "gte:" + since, "os_hidden": hidden})
    }
    assert fresh == set(done["images"])


def test_a_project_sees_public_own_and_accepted_shared_images(sim):
    cloud = sim.simulator.cloud
    shared = next(image for image in cloud.images if image["visibility"] == "shared")
    accepted, pending = list(shared["_members"])
    client = glance(sim, accepted)
    visible = {
        i["id"]: i for h in (False, True) for i in client.images.list(filters={"os_hidden": h})
    }
    kinds = {image["visibility"] for image in visible.values()}
    assert kinds <= {"public", "private", "shared"}
    assert all(i["owner"] == accepted for i in visible.values() if i["visibility"] == "private")
    assert shared["id"] in visible
    waiting = glance(sim, pending).images.list(
        filters={
            "visibility": "shared",
            "member_status": "pending",
            "os_hidden": shared["os_hidden"],
        }
    )
    assert shared["id"] in {image["id"] for image in waiting}
    community = list(client.images.list(filters={"visibility": "community"}))
    assert all(image["visibility"] == "community" for image in community)
    stranger = next(
        i for i in cloud.images if i["visibility"] == "private" and i["owner"] != accepted
    )
    with pytest.raises(glance_exc.HTTPNotFound):
        client.images.get(stranger["id"])
    assert glance(sim).images.get(stranger["id"])["name"] == stranger["name"]


def test_same_seed_same_cloud_other_seed_other_servers():
    one, two = SimCloud(SMALL, seed=3, epoch=EPOCH), SimCloud(SMALL, seed=3, epoch=EPOCH)
    assert one.ids == two.ids and one.projects == two.projects
    assert list(one.project) == list(two.project) and list(one.image) == list(two.image)
    assert one.images == two.images
    other = SimCloud(SMALL, seed=4, epoch=EPOCH)
    assert other.ids != one.ids


def test_full_size_cloud_has_the_issue_counts_and_every_patch_state():
    cloud = SimCloud(epoch=EPOCH, project_ids={0: "0123456789abcdef0123456789abcdef"})
    assert len(cloud.ids) == 100_000 and len(cloud.images) == 5_000
    assert len(cloud.projects) == 1_000
    assert cloud.projects[0] == "0123456789abcdef0123456789abcdef"
    assert cloud.live_servers(0) == 2_000
    assert cloud.image.count(data.BOOT_FROM_VOLUME) > 1_000
    records = [parse_image(data_image) for data_image in cloud.images]
    states = {a.state for a in assess_images(records, now=EPOCH).values()}
    assert states == set(PatchState)


def test_latency_fit_recovers_the_coefficients():
    assert fit([(1, 0.012), (11, 0.032), (101, 0.212)]) == pytest.approx((0.010, 0.002))
    model = LatencyModel(nova_fixed=0.1, nova_per_item=0.01)
    assert model.seconds("nova", 20) == pytest.approx(0.3)
    assert LatencyModel.from_json(model.to_json()) == model


def test_pages_are_delayed_by_the_latency_model():
    cloud = SimCloud(SMALL, seed=7, epoch=EPOCH)
    server = serve(cloud, LatencyModel(nova_fixed=0.05, nova_per_item=0.002))
    try:
        started = time.perf_counter()
        nova(server).servers.list(search_opts={"all_tenants": True, "limit": 100})
        assert time.perf_counter() - started >= 0.05 + 0.2
    finally:
        server.close()


def test_bench_section_compares_each_page_with_the_stock_page_of_its_scope():
    from tools.bench_scale import ScaleResult, section

    result = ScaleResult(latency=LatencyModel())
    for label, who, seconds in (
        ("Horizon admin Instances", "admin", 2.0),
        ("Horizon project Instances", "big", 1.0),
        ("Patch Compliance", "admin", 1.0),
        ("Outdated Instances", "big", 1.5),
    ):
        result.times[label] = [seconds]
        result.who[label] = who
        result.urls[label] = "/x/"
        result.requests[label] = {"nova servers/detail": 1}
    lines, summary = section(result)
    assert summary == [
        "simulated cloud Patch Compliance median within 1.0 s: met (1.00 s)",
        "simulated cloud Patch Compliance within 1.0x stock Instances: met (0.50x)",
        "simulated cloud Outdated Instances within 1.0x stock Instances: **missed** (1.50x)",
    ]
    assert any(
        "| Patch Compliance | `/x/` | admin, all projects | 1.000 | 0.50x |" in line
        for line in lines
    )


def _build(seconds, requests, peak, *, kind="full", changed=None):
    return {
        "seconds": seconds,
        "wall_seconds": seconds + 0.5,
        "requests": requests,
        "items": {},
        "horizon_worker_peak_mib": peak,
        "kind": kind,
        "changed": changed,
        "servers": 100_000,
        "images": 5_000,
    }


def test_bench_section_judges_the_builds_refreshes_and_memory_against_issue_13():
    from tools.bench_scale import ScaleResult, section

    result = ScaleResult(latency=LatencyModel())
    full = {"nova servers/detail": 101, "nova flavors detail": 1, "glance images": 8}
    result.builds["cloud"] = _build(400.0, full, 380.0)
    result.refreshes = [
        {
            "changes": 0,
            # glanceclient reads the image schema when a listing returns images: no listing
            **_build(
                0.6,
                {"nova servers/detail": 1, "glance images": 2, "glance schemas": 1},
                390.0,
            ),
        },
        {"changes": 100, **_build(3.0, full, 420.0, kind="incremental", changed=200)},
    ]
    result.page_memory["Patch Compliance (admin)"] = {"seconds": 0.3, "growth_mib": 120.0}
    result.who["Patch Compliance (admin)"] = "admin"
    lines, summary = section(result)
    assert summary[0] == (
        "full build at 100,000 servers: 400 s; "
        "Horizon worker peak RSS within 500 MiB: met (380 MiB)"
    )
    assert "refresh at 100 changes within 2 s: **missed** (3.0 s, kind incremental)" in summary
    # after 0 changes Nova 1 of the full build's 102 is under a tenth and Glance listed images
    # twice; after 100 the refresh listed the cloud again
    assert (
        "refresh requests do not grow with the cloud (Nova under a tenth of the full build's "
        "102, Glance image listings 2) at 0 / 100 changes: **missed** (Nova 1 / 102; "
        "Glance 3 / 8, of them image listings 2 / 8)"
    ) in summary
    # the user's Refresh lists every image: judged apart, with no target
    result.refreshes[1]["trigger"] = "Refresh"
    _lines, summary = section(result)
    assert (
        "refresh requests do not grow with the cloud (Nova under a tenth of the full build's "
        "102, Glance image listings 2) at 0 changes: met (Nova 1; Glance 3, of them image "
        "listings 2)"
    ) in summary
    assert "the user's Refresh at 100 changes (every image listed): 3.0 s (no target)" in summary
    assert summary[-1] == (
        "one page request at 100,000 (Patch Compliance (admin)) within 100 MiB: "
        "**missed** (120.0 MiB)"
    )
    assert (
        "| cloud, refresh after 100 changes | incremental | 200 | 3.0 | 3.5 | 102 | 8 | 420.0 |"
        in (lines)
    )


def test_index_item_sizes_sum_the_numbered_chunks_of_an_item():
    from patch_dashboard.api.index_store import Written
    from tools.bench_scale import item_sizes

    class Meta:
        sizes = {
            "figures": Written(items=2, largest=100, total=100),
            "instances:rows:0": Written(items=2, largest=900, total=900),
            "instances:rows:1": Written(items=3, largest=800, total=1700),
        }

    assert item_sizes(Meta()) == {"figures": (1, 100, 2), "instances:rows:*": (2, 2600, 5)}
