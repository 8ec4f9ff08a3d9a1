from django import shortcuts
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import messages, tables

from patch_dashboard import conf, wording
from patch_dashboard.api import indexed, instance_rows, inventory
from patch_dashboard.api.identity import project_names
from patch_dashboard.api.index import IndexGone
from patch_dashboard.api.parallel import call_parallel
from patch_dashboard.content import export, paging
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


class IndexView(paging.PagedView, tables.DataTableView):
    """Cloud-wide share of instances on current images, per project and per family."""

    table_class = admin_tables.PatchComplianceTable
    template_name = "admin/patch_compliance/index.html"
    page_title = _("Patch Compliance")

    served = None  # the index the page is served from (None: listed live)

    def get_data(self):
        if conf.index_seconds() > 0:
            self.served = indexed.serve(
                self.request, all_projects=True, refresh=bool(self.request.GET.get("refresh"))
            )
            if not self.served.unavailable:
                return self.indexed_data()
            self.served = None
            messages.warning(self.request, indexed.CACHE_DOWN)
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

    def indexed_data(self):
        """One page of the cloud's index: one chunk of rows read, not the cloud listed."""
        index = self.served.index
        self.complete = index is not None and index.meta.complete
        self.compliance = inventory.EMPTY_ASSESSMENT.compliance
        self.family_labels, self.project_labels = {}, {}
        if index is None:
            return []  # building: the page shows the progress
        try:
            figures = index.figures()
            rows = self.paginate_index(index, index.select(**filters_of(self.request)))
        except IndexGone:
            self.served = indexed.Served(building=True)
            self.complete = False
            return []
        self.compliance = figures.compliance
        self.family_labels = dict(figures.family_labels)
        self.project_labels = dict(figures.project_labels)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        compliance = self.compliance
        overall = compliance.overall
        family_labels, project_labels = self.family_labels, self.project_labels
        filters = filters_of(self.request)
        context.update(
            index_status=indexed.status_context(self.served),
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


def indexed_rows(request):
    """Every row of a complete index of the cloud, filtered as the page is; None when there
    is none to export from (the export then lists the cloud live, as the page would)."""
    served = indexed.serve(request, all_projects=True)
    index = served.index
    if index is None or not index.meta.complete:
        return None
    try:
        return index.rows_at(index.select(**filters_of(request)))
    except IndexGone:
        return None


class ExportView(generic.View):
    """All instances of all projects (filtered as the page is), as CSV."""

    def get(self, request, *args, **kwargs):
        rows = indexed_rows(request) if conf.index_seconds() > 0 else None
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
