"""Tables shown a page at a time; every row is still assessed, counted and exported.

The pages must read every image and instance anyway (counts, compliance, the CSV), but a
browser gains nothing from ten thousand rendered rows, and rendering them costs more than
reading them. So the tables show one page (the user's *Items Per Page* setting when they set
one, else ``PATCH_DASHBOARD_PAGE_SIZE``, 100), with Horizon's own Prev/Next links, which here
keep the page's filters (state, family, project, show). The table's search box (Horizon's
server-side filter, submitted with Enter) searches every row, not only the page shown, and
is remembered in the session while the user pages.
"""

from django.utils.translation import gettext_lazy as _
from horizon import tables
from horizon.utils import functions as horizon_functions

from patch_dashboard import conf
from patch_dashboard.api import index as index_api

SEARCHED_FIELDS = ("name", "family_label", "image_name", "project_name", "id")


def page_size(request) -> int:
    """Rows per page: the user's *Items Per Page* when they set it, else the plugin's."""
    user_setting = horizon_functions.get_config_value(
        request, "API_RESULT_PAGE_SIZE", None, search_in_settings=False
    )
    for value in (user_setting, conf.get("PATCH_DASHBOARD_PAGE_SIZE")):
        try:
            size = int(value)
        except (TypeError, ValueError):
            continue
        if size > 0:
            return size
    return conf.DEFAULTS["PATCH_DASHBOARD_PAGE_SIZE"]


def matches(row, needle: str, fields=SEARCHED_FIELDS) -> bool:
    needle = needle.casefold()
    return any(needle in str(getattr(row, field, "") or "").casefold() for field in fields)


class PagedTable:
    """DataTable mixin: Prev/Next links that keep the page's other query parameters."""

    def _page_query(self, param: str, datum) -> str:
        query = self.request.GET.copy()
        for key in (self._meta.pagination_param, self._meta.prev_pagination_param):
            query.pop(key, None)
        if datum is not None:
            query[param] = self.get_object_id(datum)
        return query.urlencode()

    def get_pagination_string(self):
        return self._page_query(self._meta.pagination_param, self.data[-1] if self.data else None)

    def get_prev_pagination_string(self):
        return self._page_query(
            self._meta.prev_pagination_param, self.data[0] if self.data else None
        )


class SearchAction(tables.FilterAction):
    """Horizon's server-side filter box, as its Images panel has it (``filter_type="server"``):
    the search text is kept in the session, so it stays while the user pages and comes back
    to the page, and :class:`PagedView` searches every row with it before taking a page."""

    name = "filter"
    filter_type = "server"
    # Not Glance or Nova filters (False): every row is read anyway; the view searches them.
    filter_choices = (
        ("any", _("Any field ="), False),
        ("name", _("Name ="), False),
        ("family_label", _("Family ="), False),
        ("id", _("ID ="), False),
    )

    def filter(self, table, data, filter_string):
        # The rows given here are one page of those the view already searched.
        return data


class InstanceSearchAction(SearchAction):
    filter_choices = SearchAction.filter_choices + (
        ("image_name", _("Image ="), False),
        ("project_name", _("Project ="), False),
    )


class PagedView:
    """For a DataTableView whose ``get_data`` ends with ``return self.paginate(rows)``.

    The table's filter box (:class:`SearchAction`) is Horizon's server-side one: submitted, its
    text is stored in the session by Horizon's view, and ``paginate`` searches every row with
    it, then shows one page of the matches."""

    _has_prev = False
    _has_more = False

    def search_terms(self) -> tuple[str, tuple[str, ...]]:
        """The filter box's text and the fields it searches ("" when there is none)."""
        info = self.get_server_filter_info(self.request)
        needle = ((info or {}).get("value") or "").strip()
        field = (info or {}).get("field") or "any"
        return needle, SEARCHED_FIELDS if field not in SEARCHED_FIELDS else (field,)

    def search(self, rows):
        needle, fields = self.search_terms()
        if not needle:
            return rows
        return [row for row in rows if matches(row, needle, fields)]

    def paginate_index(self, table, positions):
        """One page of an index table's rows at ``positions`` (searched first), as
        ``paginate`` pages a list: the same markers, the same Prev/Next."""
        needle, fields = self.search_terms()
        if needle:
            positions = table.search(positions, needle, fields)
        page, self._has_prev, self._has_more = index_api.page_of(
            table,
            positions,
            marker=self.request.GET.get("marker"),
            prev_marker=self.request.GET.get("prev_marker"),
            size=page_size(self.request),
        )
        return table.rows_at(page)

    def paginate(self, rows):
        rows = self.search(rows)
        position = {row.id: index for index, row in enumerate(rows)}
        after = position.get(self.request.GET.get("marker"))
        start, end, self._has_prev, self._has_more = index_api.window(
            len(rows),
            after=after,
            before=None if after is not None else position.get(self.request.GET.get("prev_marker")),
            size=page_size(self.request),
        )
        return rows[start:end]

    def has_prev_data(self, table):
        return self._has_prev

    def has_more_data(self, table):
        return self._has_more
