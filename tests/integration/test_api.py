"""The plugin's api layer (patch_dashboard.api) and core against the real Glance and Nova."""

import datetime as dt

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def as_user(horizon_request):
    requests_by_user = {}

    def get(who):
        if who not in requests_by_user:
            requests_by_user[who] = horizon_request(who)
        return requests_by_user[who]

    return get


def test_list_images_as_member(cloud, as_user):
    from patch_dashboard.api import images

    records = {r.id: r for r in images.list_images(as_user("alpha"))}
    ids = cloud["images"]
    # hidden builds are listed too (deprecated, obsolete), other projects' private ones never
    assert ids["debian-12-deprecated"] in records
    assert ids["fedora-40-obsolete"] in records
    assert ids["alpha-private"] in records
    assert ids["alpha-web-2-snapshot"] in records
    assert ids["beta-private"] not in records
    assert ids["cirros-deleted"] not in records
    deprecated = records[ids["debian-12-deprecated"]]
    assert deprecated.hidden is True
    assert records[ids["fedora-40-obsolete"]].status == "deactivated"
    assert records[ids["opensuse-leap-156"]].min_ram == 2048
    assert records[ids["opensuse-leap-156"]].min_disk == 20
    assert records[ids["ubuntu-2404"]].build_date is not None


def test_broken_metadata_parses_to_unknown_fields(cloud, as_user):
    from patch_dashboard.api import images

    record = next(
        r for r in images.list_images(as_user("alpha")) if r.id == cloud["images"]["alpine-broken"]
    )
    assert record.build_date is None
    assert record.replace_frequency is None


def test_list_servers_as_member(cloud, seed, as_user):
    from patch_dashboard.api import compute

    for who in ("alpha", "beta"):
        servers = {s.name: s for s in compute.list_servers(as_user(who))}
        expected = {n for n, s in seed["servers"].items() if s["project"] == who}
        # other tests may add servers of their own while they run: seeded ones must be there,
        # the other project's never
        assert expected <= set(servers)
        assert not any(n.startswith("beta-" if who == "alpha" else "alpha-") for n in servers)
        assert all(s.project_id == cloud["projects"][who] for s in servers.values())
        scratch = servers["%s-scratch" % who]
        assert scratch.image_id == cloud["images"]["cirros-deleted"]


def test_list_servers_all_projects_as_admin(cloud, as_user):
    from patch_dashboard.api import compute

    names = {s.name for s in compute.list_servers(as_user("admin"), all_projects=True)}
    assert set(cloud["servers"]) <= names


def test_list_flavors_private_flavor(as_user):
    from patch_dashboard.api import compute

    alpha = {f.name for f in compute.list_flavors(as_user("alpha"))}
    beta = {f.name for f in compute.list_flavors(as_user("beta"))}
    assert "alpha.highmem" in alpha
    assert "alpha.highmem" not in beta
    assert "m1.small" in alpha and "m1.small" in beta


def test_core_assesses_the_seeded_cloud(cloud, seed, as_user):
    from patch_dashboard.api import compute, images
    from patch_dashboard.lifecycle import OutdatedReason, assess_cloud

    request = as_user("alpha")
    result = assess_cloud(
        images=images.list_images(request),
        servers=compute.list_servers(request),
        flavors=compute.list_flavors(request),
        now=dt.datetime.now(dt.timezone.utc),
    )
    states = {image_id: a.state.value for image_id, a in result.images.items()}
    for label, meta in seed["images"].items():
        expected = meta["expected_state"]
        if expected in (None, "deleted") or meta["id"] not in states:
            continue
        if label == "alpine-broken":
            assert states[meta["id"]] in ("unknown", "current"), label
            continue
        assert states[meta["id"]] == expected, (label, states[meta["id"]], expected)
    # the deprecated build recommends its replacement
    deprecated = result.images[cloud["images"]["debian-12-deprecated"]]
    assert deprecated.recommendation.image_id == cloud["images"]["debian-12"]
    # instances: on a current image fine; on a deleted one outdated with that reason
    by_name = {i.server.name: i for i in result.instances}
    assert by_name["alpha-web-1"].outdated is False
    assert by_name["alpha-web-2"].outdated is True
    assert by_name["alpha-db-1"].outdated is True
    assert OutdatedReason.IMAGE_DELETED in by_name["alpha-scratch"].reasons
