from django.utils.translation import gettext_lazy as _
from horizon import tables

from patch_dashboard.content import paging
from patch_dashboard.content.outdated_instances import tables as project_tables


def admin_instance_link(row):
    from django.urls import reverse

    return reverse("horizon:admin:instances:detail", args=[row.id])


class AdminExportCSV(project_tables.ExportCSV):
    url = "horizon:admin:patch_compliance:export"

    def get_link_url(self, datum=None):
        # Keep the page's filters in the export.
        query = self.table.request.GET.urlencode()
        url = super().get_link_url(datum)
        return f"{url}?{query}" if query else url


class PatchComplianceTable(project_tables.OutdatedInstancesTable):
    """The project table across all projects: with the project, without row actions."""

    project = tables.Column("project_name", verbose_name=_("Project"))
    name = tables.WrappingColumn("name", verbose_name=_("Instance"), link=admin_instance_link)

    class Meta(project_tables.OutdatedInstancesTable.Meta):
        name = "patch_compliance"
        verbose_name = _("Patch Compliance")
        columns = (
            "project",
            "name",
            "status",
            "image",
            "image_state",
            "reasons",
            "days_behind",
            "builds_behind",
            "recommended_image",
            "recommended_flavor",
        )
        table_actions = (AdminExportCSV, paging.InstanceSearchAction)
        row_actions = ()
