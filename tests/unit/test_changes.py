"""Merging Nova's changes-since rows into an index's servers."""

from patch_dashboard.lifecycle import ServerRecord
from patch_dashboard.lifecycle.changes import merge_servers


def server(server_id, status="ACTIVE", image="img-1"):
    return ServerRecord(
        id=server_id, name=server_id, status=status, project_id="p", image_id=image, flavor_id="f"
    )


def test_new_changed_and_deleted_servers():
    known = {"a": server("a"), "b": server("b"), "c": server("c")}
    merged = merge_servers(
        known, [server("b", image="img-2"), server("c", "DELETED"), server("d", "BUILD")]
    )
    assert sorted(merged) == ["a", "b", "d"]
    assert merged["b"].image_id == "img-2"
    assert merged["d"].status == "BUILD"
    assert sorted(known) == ["a", "b", "c"], "the last index is left as it was"


def test_overlapping_listings_apply_once():
    known = {"a": server("a")}
    rows = [server("a", "DELETED"), server("b"), server("b", "SHUTOFF")]
    once = merge_servers(known, rows)
    assert merge_servers(once, rows) == once == {"b": server("b", "SHUTOFF")}


def test_soft_deleted_and_unknown_deletes_are_kept_or_ignored():
    merged = merge_servers(
        {"a": server("a")}, [server("a", "SOFT_DELETED"), server("z", "deleted")]
    )
    assert merged == {"a": server("a", "SOFT_DELETED")}


def test_a_hundred_thousand_rows_merge_in_one_pass():
    known = {str(i): server(str(i)) for i in range(100_000)}
    changes = [server(str(i), "DELETED") for i in range(0, 100_000, 2)]
    assert len(merge_servers(known, changes)) == 50_000
