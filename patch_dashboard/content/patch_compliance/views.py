from django import shortcuts
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import tables

from patch_dashboard import wording
from patch_dashboard.api import instance_rows, inventory
from patch_dashboard.api.identity import project_names
from patch_dashboard.api.parallel import call_parallel
from patch_dashboard.content import export, paging, served
from patch_dashboard.content.patch_compliance import tables as admin_tables
from patch_dashboard.lifecycle import PatchState


def load_everything(request):
    # Not futurist: its shutdown waits up to 1 s after the calls are done (api/parallel.py).
    loaded, names = call_parallel(
        (inventory.load, [request], {"flavors": True, "all_projects": True}),
        (project_names, [request]),
    )
    return loaded, names or {}


def chart_bars(counts, labels):
    """One bar per group, worst share first: the shares of instances on current and on
    outdated images, in percent (the template draws them as Bootstrap progress bars, in the
    theme's success and danger colours)."""
    bars = []
    for key, count in counts.items():
        percent = round((count.share or 0.0) * 100)
        bars.append(
            {
                "key": key,
                "label": labels.get(key, key),
                "current": count.current,
                "total": count.total,
                "outdated": count.total - count.current,
                "percent": percent,
                "outdated_percent": 100 - percent,
            }
        )
    bars.sort(key=lambda bar: (bar["percent"], str(bar["label"]).casefold()))
    return bars


def filters_of(request):
    return {
        "project": request.GET.get("project", ""),
        "state": request.GET.get("state", ""),
        "family": request.GET.get("family", ""),
    }


class IndexView(served.IndexedPage, paging.PagedView, tables.DataTableView):
    """Cloud-wide share of instances on current images, per project and per family."""

    table_class = admin_tables.PatchComplianceTable
    template_name = "admin/patch_compliance/index.html"
    page_title = _("Patch Compliance")

    all_projects = True

    def get_data(self):
        index = self.index()
        self.compliance = inventory.EMPTY_ASSESSMENT.compliance
        self.family_labels, self.project_labels = {}, {}
        self.complete = False
        if index is served.BUILDING:
            return []
        if index is not None:
            return self.indexed_data(index)
        self.loaded, self.names = load_everything(self.request)
        self.all_rows = instance_rows.instance_rows(
            self.loaded.assessment,
            project_names=self.names,
            images_known=self.loaded.images is not None,
        )
        # The figures are the core's (ComplianceSummary); the rows only name the groups.
        self.compliance = self.loaded.assessment.compliance
        self.family_labels = {row.family_key: row.family_label for row in self.all_rows}
        self.project_labels = {row.project_id: row.project_name for row in self.all_rows}
        self.complete = self.loaded.complete
        return self.paginate(instance_rows.select(self.all_rows, **filters_of(self.request)))

    def indexed_data(self, index):
        """One page of the cloud's index: one chunk of rows read, not the cloud listed."""
        try:
            figures = index.figures()
            table = index.table()
            rows = self.paginate_index(table, table.select(**filters_of(self.request)))
        except served.IndexGone:
            self.evicted()
            return []
        self.compliance = figures.compliance
        self.family_labels = {
            key: instance_rows.family_label(key, name)
            for key, name in figures.family_labels.items()
        }
        self.project_labels = dict(figures.project_labels)
        self.complete = index.meta.complete
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        compliance = self.compliance
        overall = compliance.overall
        family_labels, project_labels = self.family_labels, self.project_labels
        filters = filters_of(self.request)
        context.update(
            instances_known=self.complete,
            current_count=overall.current,
            total_count=overall.total,
            share_percent=None if overall.share is None else round(overall.share * 100),
            project_bars=chart_bars(compliance.by_project, project_labels),
            family_bars=chart_bars(compliance.by_family, family_labels),
            projects=sorted(project_labels.items(), key=lambda item: str(item[1]).casefold()),
            families=sorted(family_labels.items(), key=lambda item: str(item[1]).casefold()),
            states=[(state.value, wording.STATE_LABELS[state]) for state in PatchState]
            + [(reason.value, wording.condition_label(reason)) for reason in instance_rows.GONE],
            selected_project=filters["project"],
            selected_state=filters["state"],
            selected_family=filters["family"],
        )
        return context


class ExportView(generic.View):
    """All instances of all projects (filtered as the page is), as CSV."""

    def get(self, request, *args, **kwargs):
        rows = served.complete_rows(request, all_projects=True, **filters_of(request))
        if rows is not None:
            return export.instances_csv(rows, filename="patch-compliance.csv")
        loaded, names = load_everything(request)
        if not loaded.complete:
            # Not a CSV that reads "no instances" or "every image deleted": the panel, with
            # the error message.
            return shortcuts.redirect("horizon:admin:patch_compliance:index")
        rows = instance_rows.instance_rows(loaded.assessment, project_names=names)
        rows = instance_rows.select(rows, **filters_of(request))
        return export.instances_csv(rows, filename="patch-compliance.csv")
