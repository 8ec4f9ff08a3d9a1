"""Tables shown a page at a time; every row is still assessed, counted and exported.

The pages must read every image and instance anyway (counts, compliance, the CSV), but a
browser gains nothing from ten thousand rendered rows, and rendering them costs more than
reading them. So the tables show one page (the user's *Items Per Page* setting when they set
one, else ``PATCH_DASHBOARD_PAGE_SIZE``, 100), with Horizon's own Prev/Next links, which here
keep the page's filters (state, family, project, show). The table's search box, submitted
with Enter, searches every row, not only the page shown.
"""

from horizon.utils import functions as horizon_functions

from patch_dashboard import conf

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


def matches(row, needle: str) -> bool:
    needle = needle.casefold()
    return any(needle in str(getattr(row, field, "") or "").casefold() for field in SEARCHED_FIELDS)


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


class PagedView:
    """For a DataTableView whose ``get_data`` ends with ``return self.paginate(rows)``.

    The table's Horizon filter box filters the rows shown as the user types; submitted (Enter)
    its text reaches ``paginate``, which searches every row (Horizon's own ``filter`` would
    only see the page)."""

    _has_prev = False
    _has_more = False

    def search_string(self) -> str:
        table = self.get_table()
        action = table._meta._filter_action
        if action is None or self.request.method != "POST":
            return ""
        return self.request.POST.get(action.get_param_name(), "").strip()

    def paginate(self, rows):
        needle = self.search_string()
        if needle:
            # A search shows every match: its answer is the list, not a page of it.
            return [row for row in rows if matches(row, needle)]
        size = page_size(self.request)
        position = {row.id: index for index, row in enumerate(rows)}
        marker = self.request.GET.get("marker")
        before = self.request.GET.get("prev_marker")
        start = 0
        if marker in position:
            start = position[marker] + 1
        elif before in position:
            start = max(0, position[before] - size)
        end = start + size
        self._has_prev = start > 0
        self._has_more = end < len(rows)
        return rows[start:end]

    def has_prev_data(self, table):
        return self._has_prev

    def has_more_data(self, table):
        return self._has_more
