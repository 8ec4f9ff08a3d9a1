"""The list panels' side of the scope's index (:mod:`patch_dashboard.api.indexed`).

A panel view mixes in :class:`IndexedPage`: ``index()`` gives the scope's index to read a
page of rows from, or None when the page is to be listed live as before (the index is off,
the cache is down: then with a warning, or the first build of the scope failed: then the
live listing shows what failed). While a cold scope is being built it gives an empty index
stand-in, :data:`BUILDING`, and the page shows the progress instead of rows.
"""

from horizon import messages

from patch_dashboard import conf
from patch_dashboard.api import indexed
from patch_dashboard.api.index import IndexGone

BUILDING = object()  # index() while a cold scope is being built: show the progress


class IndexedPage:
    all_projects = False  # the admin panels: the cloud-wide index
    served = None  # what indexed.serve answered (None: listed live)

    def index(self):
        if conf.index_seconds() <= 0 or self.request.method != "GET":
            # A table action (POST) acts on the rows as Glance and Nova hold them now.
            return None
        served = indexed.serve(
            self.request,
            all_projects=self.all_projects,
            refresh=bool(self.request.GET.get("refresh")),
        )
        if served.unavailable:
            messages.warning(self.request, indexed.CACHE_DOWN)
            return None
        if served.index is None and served.error is not None and not served.building:
            return None  # the first build failed: the live listing says what failed
        self.served = served
        return served.index if served.index is not None else BUILDING

    def evicted(self):
        """An item of the index was evicted while the page read it: show it as building."""
        self.served = indexed.Served(building=True)
        return BUILDING

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = indexed.status_context(self.served)
        if status is not None:
            # Refresh, and "show it when done", keep the page's filters and search.
            query = self.request.GET.copy()
            query.pop("refresh", None)
            status["query"] = query.urlencode()
            query["refresh"] = "1"
            status["refresh_query"] = query.urlencode()
        context["index_status"] = status
        return context


def complete_rows(request, *, all_projects: bool, **filters: str):
    """Every instance row of a complete index of the scope, filtered, for a CSV export;
    None when there is none to export from (the export then lists the scope live)."""
    if conf.index_seconds() <= 0:
        return None
    answer = indexed.serve(request, all_projects=all_projects)
    index = answer.index
    if index is None or not index.meta.complete:
        return None
    try:
        table = index.table()
        return table.rows_at(table.select(**filters))
    except IndexGone:
        return None


__all__ = ["BUILDING", "IndexGone", "IndexedPage", "complete_rows"]
