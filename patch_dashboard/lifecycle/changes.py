"""What Nova's ``changes-since`` listing says of a server (issue 13).

Nova lists every server of the scope changed since a time, deleted ones included with status
``DELETED``; an index's incremental refresh (``patch_dashboard/api/increment.py``) drops
their rows and puts in the others, whatever order the rows come in and however often a row
is received again (the listings overlap on purpose, to absorb clock skew between Horizon and
Nova).
"""

GONE_STATUSES = frozenset({"DELETED"})  # SOFT_DELETED servers still exist and can be restored
