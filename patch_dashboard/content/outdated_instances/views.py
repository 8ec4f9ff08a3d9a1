from django import shortcuts
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import tables

from patch_dashboard.api import instance_rows, inventory
from patch_dashboard.content import export, paging, served
from patch_dashboard.content.outdated_instances import tables as project_tables


def compliance_context(count, *, complete: bool):
    """The figures above an instances table: how many run on current images."""
    share = count.share
    return {
        "current_count": count.current,
        "total_count": count.total,
        "share_percent": None if share is None else round(share * 100),
        # Without either list, or the assessment, the share would be wrong: say nothing
        # rather than 0 %.
        "instances_known": complete,
    }


class IndexView(served.IndexedPage, paging.PagedView, tables.DataTableView):
    """The project's instances whose image is not current (all with ?show=all)."""

    table_class = project_tables.OutdatedInstancesTable
    template_name = "project/outdated_instances/index.html"
    page_title = _("Outdated Instances")

    def show_all(self):
        return self.request.GET.get("show") == "all"

    def get_data(self):
        index = self.index()
        self.figures = inventory.EMPTY_ASSESSMENT.compliance.overall, False
        if index is served.BUILDING:
            return []
        if index is not None:
            try:
                count = index.figures().compliance.overall
                table = index.table()
                rows = self.paginate_index(table, table.select(outdated=self.outdated_filter()))
            except served.IndexGone:
                self.evicted()
                return []
            self.figures = count, index.meta.complete
            return rows
        loaded = inventory.load(self.request, flavors=True)
        self.figures = loaded.assessment.compliance.overall, loaded.complete
        rows = instance_rows.instance_rows(
            loaded.assessment, images_known=loaded.images is not None
        )
        if not self.show_all():
            rows = [row for row in rows if row.outdated]
        return self.paginate(rows)

    def outdated_filter(self):
        return "" if self.show_all() else "1"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        count, complete = self.figures
        context.update(compliance_context(count, complete=complete))
        context["show_all"] = self.show_all()
        return context


class ExportView(generic.View):
    """Every instance of the project with its image state, as CSV."""

    def get(self, request, *args, **kwargs):
        rows = served.complete_rows(request, all_projects=False)
        if rows is not None:
            return export.instances_csv(rows, filename="outdated-instances.csv")
        loaded = inventory.load(request, flavors=True)
        if not loaded.complete:
            # Not a CSV that reads "no instances" or "every image deleted": the panel, with
            # the error message.
            return shortcuts.redirect("horizon:project:outdated_instances:index")
        rows = instance_rows.instance_rows(loaded.assessment)
        return export.instances_csv(rows, filename="outdated-instances.csv")
