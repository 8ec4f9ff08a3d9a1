"""An index's servers brought up to date from Nova's ``changes-since`` listing (issue 13).

Nova lists every server of the scope changed since a time, deleted ones included with status
``DELETED``; applying such a listing to the last index gives the current one, whatever order
the rows come in and however often a row is received again (the listings overlap on purpose,
to absorb clock skew between Horizon and Nova). Linear in the size of the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from patch_dashboard.lifecycle.model import ServerRecord

GONE_STATUSES = frozenset({"DELETED"})  # SOFT_DELETED servers still exist and can be restored


def merge_servers(
    known: Mapping[str, ServerRecord], changed: Iterable[ServerRecord]
) -> dict[str, ServerRecord]:
    """``known`` (id -> server) with ``changed`` applied: a deleted server removed, a new or
    changed one put in (the last row received for an id wins)."""
    merged = dict(known)
    for server in changed:
        if server.status.upper() in GONE_STATUSES:
            merged.pop(server.id, None)
        else:
            merged[server.id] = server
    return merged
