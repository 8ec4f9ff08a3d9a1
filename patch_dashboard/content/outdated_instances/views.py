from django import shortcuts
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import tables

from patch_dashboard.api import instance_rows, inventory
from patch_dashboard.content import export, paging
from patch_dashboard.content.outdated_instances import tables as project_tables


def compliance_context(loaded):
    """The figures above an instances table: how many run on current images."""
    count = loaded.assessment.compliance.overall
    share = count.share
    return {
        "current_count": count.current,
        "total_count": count.total,
        "share_percent": None if share is None else round(share * 100),
        # Without either list, or the assessment, the share would be wrong: say nothing
        # rather than 0 %.
        "instances_known": loaded.complete,
    }


class IndexView(paging.PagedView, tables.DataTableView):
    """The project's instances whose image is not current (all with ?show=all)."""

    table_class = project_tables.OutdatedInstancesTable
    template_name = "project/outdated_instances/index.html"
    page_title = _("Outdated Instances")

    def show_all(self):
        return self.request.GET.get("show") == "all"

    def get_data(self):
        self.loaded = inventory.load(self.request, flavors=True)
        rows = instance_rows.instance_rows(
            self.loaded.assessment, images_known=self.loaded.images is not None
        )
        if not self.show_all():
            rows = [row for row in rows if row.outdated]
        return self.paginate(rows)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(compliance_context(self.loaded))
        context["show_all"] = self.show_all()
        return context


class ExportView(generic.View):
    """Every instance of the project with its image state, as CSV."""

    def get(self, request, *args, **kwargs):
        loaded = inventory.load(request, flavors=True)
        if not loaded.complete:
            # Not a CSV that reads "no instances" or "every image deleted": the panel, with
            # the error message.
            return shortcuts.redirect("horizon:project:outdated_instances:index")
        rows = instance_rows.instance_rows(loaded.assessment)
        return export.instances_csv(rows, filename="outdated-instances.csv")
