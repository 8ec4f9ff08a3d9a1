"""The seeded development cloud, checked with openstacksdk as each seeded user."""

import datetime as dt

import pytest

pytestmark = pytest.mark.integration

FREQUENCY_DAYS = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 90, "yearly": 365}


def _today():
    return dt.datetime.now(dt.timezone.utc).date()


def _names(images):
    return {image.name for image in images}


def test_every_service_in_the_catalog_but_no_network(sdk):
    types = {service.type for service in sdk("admin").identity.services()}
    assert {"identity", "image", "compute", "placement"} <= types
    assert "network" not in types


def test_projects_and_members(cloud, sdk):
    for who in ("alpha", "beta"):
        conn = sdk(who)
        assert conn.current_project_id == cloud["projects"][who]
        roles = set(conn.session.auth.get_access(conn.session).role_names)
        assert "member" in roles and "admin" not in roles


def test_default_image_list_hides_deprecated_and_obsolete(cloud, sdk):
    images = cloud["images"]
    listed = {image.id for image in sdk("alpha").image.images()}
    assert images["ubuntu-2404"] in listed
    assert images["debian-12"] in listed
    assert images["debian-12-deprecated"] not in listed
    assert images["fedora-40-obsolete"] not in listed
    hidden = {image.id for image in sdk("alpha").image.images(os_hidden=True)}
    assert {images["debian-12-deprecated"], images["fedora-40-obsolete"]} <= hidden


def test_deprecated_debian_build_points_to_its_replacement(cloud, sdk):
    images = cloud["images"]
    old = sdk("alpha").image.get_image(images["debian-12-deprecated"])
    props = old.properties
    assert old.is_hidden is True
    assert old.status == "active"
    assert props["deprecation_state"] == "deprecated"
    assert props["replaced_by"] == images["debian-12"]
    assert "CVE-" in props["deprecation_reason"]
    assert dt.datetime.fromisoformat(props["deprecated_at"].replace("Z", "+00:00")) < (
        dt.datetime.now(dt.timezone.utc)
    )
    assert props["os_purpose"] == "oldgeneric"
    replacement = sdk("alpha").image.get_image(props["replaced_by"])
    assert replacement.status == "active" and not replacement.is_hidden
    assert replacement.name == "Debian 12"


def test_obsolete_image_is_deactivated(cloud, sdk):
    image = sdk("admin").image.get_image(cloud["images"]["fedora-40-obsolete"])
    assert image.status == "deactivated"
    assert image.properties["deprecation_state"] == "obsolete"
    assert image.properties["replaced_by"] == cloud["images"]["fedora-42"]


def test_ubuntu_family_has_three_builds_newest_named_plainly(cloud, sdk):
    conn = sdk("beta")
    builds = [
        image
        for image in conn.image.images()
        if image.os_distro == "ubuntu"
        and image.os_version == "24.04"
        and image.visibility == "public"
    ]
    seeded = {cloud["images"][k] for k in ("ubuntu-2404", "ubuntu-2404-prev", "ubuntu-2404-old")}
    assert seeded <= {image.id for image in builds}
    builds = [image for image in builds if image.id in seeded]
    newest = max(builds, key=lambda image: image.properties["image_build_date"])
    assert newest.id == cloud["images"]["ubuntu-2404"]
    assert newest.name == "Ubuntu 24.04"
    for image in builds:
        for key in ("image_build_date", "replace_frequency", "patchlevel", "os_purpose"):
            assert key in image.properties, (image.name, key)
        assert image.architecture == "x86_64"


def test_stale_and_end_of_life_images(cloud, sdk):
    conn = sdk("alpha")
    stale = conn.image.get_image(cloud["images"]["centos-stream-9-stale"]).properties
    built = dt.date.fromisoformat(stale["image_build_date"])
    allowed = dt.timedelta(days=1.1 * FREQUENCY_DAYS[stale["replace_frequency"]])
    assert _today() - built > allowed
    eol = conn.image.get_image(cloud["images"]["ubuntu-2004-eol"]).properties
    assert dt.date.fromisoformat(eol["provided_until"]) < _today()


def test_osism_style_rename(cloud, sdk):
    conn = sdk("alpha")
    current = conn.image.get_image(cloud["images"]["rocky-9"])
    previous = conn.image.get_image(cloud["images"]["rocky-9-prev"])
    assert current.name == "Rocky 9"
    assert previous.name == "Rocky 9 (20240901)"
    for image in (current, previous):
        assert image.properties["image_name"] == "Rocky 9"
        assert "managed_by_osism" in image.tags
    assert previous.properties["internal_version"] == "20240901"
    assert current.properties["internal_version"] > previous.properties["internal_version"]


def test_broken_metadata_is_kept_raw(cloud, sdk):
    props = sdk("alpha").image.get_image(cloud["images"]["alpine-broken"]).properties
    with pytest.raises(ValueError):
        dt.date.fromisoformat(props["image_build_date"])
    assert props["replace_frequency"] not in FREQUENCY_DAYS


def test_min_ram_and_min_disk(cloud, sdk):
    image = sdk("alpha").image.get_image(cloud["images"]["opensuse-leap-156"])
    assert (image.min_ram, image.min_disk) == (2048, 20)


def test_images_are_valid_qcow2(cloud, sdk):
    conn = sdk("admin")
    for label, image_id in cloud["images"].items():
        if label == "cirros-deleted":
            continue
        image = conn.image.get_image(image_id)
        assert image.disk_format == "qcow2", label
        assert image.size and image.size > 0, label
        assert image.virtual_size and image.virtual_size >= 1024**3, label


def test_snapshot_of_an_instance(cloud, sdk):
    snap = sdk("alpha").image.get_image(cloud["images"]["alpha-web-2-snapshot"])
    assert snap.properties["image_type"] == "snapshot"
    assert snap.properties["base_image_ref"] == cloud["images"]["ubuntu-2404-prev"]
    assert snap.owner_id == cloud["projects"]["alpha"]
    assert snap.status == "active"


def test_deleted_image_and_its_instances(cloud, sdk):
    from openstack import exceptions

    gone = cloud["images"]["cirros-deleted"]
    with pytest.raises(exceptions.NotFoundException):
        sdk("admin").image.get_image(gone)
    for who in ("alpha", "beta"):
        server = sdk(who).compute.get_server(cloud["servers"]["%s-scratch" % who])
        assert server.image["id"] == gone
        assert server.status == "ACTIVE"


def test_private_images_stay_in_their_project(cloud, sdk):
    from openstack import exceptions

    images = cloud["images"]
    alpha_ids = {image.id for image in sdk("alpha").image.images()}
    beta_ids = {image.id for image in sdk("beta").image.images()}
    assert images["alpha-private"] in alpha_ids and images["alpha-private"] not in beta_ids
    assert images["beta-private"] in beta_ids and images["beta-private"] not in alpha_ids
    assert images["alpha-web-2-snapshot"] not in beta_ids
    with pytest.raises(exceptions.NotFoundException):
        sdk("alpha").image.get_image(images["beta-private"])


def test_servers_by_project(cloud, seed, sdk):
    from openstack import exceptions

    for who, other in (("alpha", "beta"), ("beta", "alpha")):
        expected = {name for name, s in seed["servers"].items() if s["project"] == who}
        servers = list(sdk(who).compute.servers())
        names = {s.name for s in servers}
        assert expected <= names  # other tests may add (and delete) servers of their own
        assert not names & {n for n, s in seed["servers"].items() if s["project"] == other}
        assert all(s.status == "ACTIVE" for s in servers if s.name in expected)
        some_other = next(n for n, s in seed["servers"].items() if s["project"] == other)
        with pytest.raises(exceptions.NotFoundException):
            sdk(who).compute.get_server(cloud["servers"][some_other])


def test_servers_run_on_the_seeded_images(cloud, seed, sdk):
    conn = sdk("admin")
    for name, spec in seed["servers"].items():
        server = conn.compute.get_server(cloud["servers"][name])
        assert server.image["id"] == cloud["images"].get(spec["image"], spec["image"]), name


def test_private_flavor_only_for_alpha(sdk):
    alpha = {f.name for f in sdk("alpha").compute.flavors()}
    beta = {f.name for f in sdk("beta").compute.flavors()}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large"} <= alpha & beta
    assert "alpha.highmem" in alpha
    assert "alpha.highmem" not in beta
