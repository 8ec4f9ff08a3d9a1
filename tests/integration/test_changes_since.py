"""What an index's incremental refresh relies on, checked on the real Nova and Glance: a
member's ``GET /servers/detail?changes-since=T`` lists the project's servers booted and
deleted since T, the deleted ones with status DELETED, and nothing older; Glance's
``updated_at=gte:T`` lists the images changed since T, hidden ones too."""

import time
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.integration


def changed_since(conn, since):
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = conn.compute.get("/servers/detail?changes-since=%s&limit=1000" % stamp)
    response.raise_for_status()
    return {server["id"]: server for server in response.json()["servers"]}


def test_a_member_sees_booted_and_deleted_servers_since(sdk):
    alpha = sdk("alpha")
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    time.sleep(2)
    flavor = alpha.compute.find_flavor("m1.tiny")
    image = next(i for i in alpha.image.images() if not i.min_disk and i.status == "active")
    booted = alpha.compute.create_server(
        name="itest-changes-booted", image_id=image.id, flavor_id=flavor.id, networks="none"
    )
    gone = alpha.compute.create_server(
        name="itest-changes-gone", image_id=image.id, flavor_id=flavor.id, networks="none"
    )
    try:
        alpha.compute.wait_for_server(booted, status="ACTIVE", wait=180)
        alpha.compute.wait_for_server(gone, status="ACTIVE", wait=180)
        alpha.compute.delete_server(gone.id)
        alpha.compute.wait_for_delete(gone, wait=120)
        rows = changed_since(alpha, before)
        assert rows[booted.id]["status"] == "ACTIVE"
        assert rows[gone.id]["status"] == "DELETED"
        seeded = {server.id for server in alpha.compute.servers() if server.id != booted.id}
        assert not seeded & set(rows), "servers unchanged since T are not listed"
        assert set(changed_since(alpha, datetime.now(timezone.utc) + timedelta(hours=1))) == set()
    finally:
        alpha.compute.delete_server(booted.id, ignore_missing=True)
        alpha.compute.delete_server(gone.id, ignore_missing=True)
        alpha.compute.wait_for_delete(booted, wait=120)


def test_glance_lists_the_images_changed_since_hidden_ones_too(
    horizon_request, sdk, scratch_image, settings
):
    """``images.list_images(updated_since=T)`` on the real Glance: the images created or
    changed since T, the hidden ones among them, and none older."""
    from patch_dashboard.api import images

    settings.API_RESULT_LIMIT = 1000
    request = horizon_request("admin")
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    time.sleep(2)
    made = scratch_image("itest-updated-since")
    hidden = scratch_image("itest-updated-since-hidden")
    sdk("admin").image.update_image(hidden, is_hidden=True)
    stamp = before.strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = {image.id: image for image in images.list_images(request, updated_since=stamp)}
    assert made in listed and hidden in listed
    assert listed[hidden].hidden is True
    every = {image.id for image in images.list_images(request)}
    assert len(every) > len(listed), "images unchanged since T are not listed"
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert images.list_images(request, updated_since=later) == []
