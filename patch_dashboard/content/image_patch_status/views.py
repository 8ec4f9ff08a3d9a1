import dataclasses
from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions, messages, tables

from patch_dashboard import conf, wording
from patch_dashboard.api import image_rows, indexed, inventory
from patch_dashboard.api.index import IMAGES, IndexGone
from patch_dashboard.content import paging, presentation, served
from patch_dashboard.content.image_patch_status import tables as project_tables
from patch_dashboard.lifecycle import PatchState

INDEX_URL = "horizon:project:image_patch_status:index"


def state_summary(counts, selected):
    """Counts per state (``counts``: state -> images), in severity order, each a filter
    link."""
    return [
        {
            "value": state.value,
            "badge": presentation.state_badge(state),
            "count": counts.get(state, 0),
            "active": state == selected,
        }
        for state in PatchState
        if counts.get(state)
    ]


class IndexView(served.IndexedPage, paging.PagedView, tables.DataTableView):
    table_class = project_tables.ImagePatchStatusTable
    template_name = "project/image_patch_status/index.html"
    page_title = _("Image Patch Status")

    def selected_state(self):
        return presentation.state_from_value(self.request.GET.get("state", ""))

    def load_inventory(self):
        """One listing per service; the admin panel lists servers of every project."""
        return inventory.load(self.request)

    def build_rows(self, loaded):
        return image_rows.image_rows(loaded.assessment, instances_known=loaded.servers is not None)

    def get_data(self):
        state = self.selected_state()
        family = self.request.GET.get("family") or ""
        self.counts, self.families, self.image_total = Counter(), {}, 0
        index = self.index()
        if index is served.BUILDING:
            return []
        if index is not None:
            try:
                figures = index.figures()
                table = index.table(IMAGES)
                positions = table.select(state=state.value if state else "", family=family)
                rows = self.paginate_index(table, positions)
                self.image_total = table.count()
            except served.IndexGone:
                self.evicted()
                return []
            self.counts = Counter(
                {PatchState(code): count for code, count in figures.image_states.items()}
            )
            self.families = dict(figures.image_families)
            return rows
        rows = self.build_rows(self.load_inventory())
        self.counts = Counter(row.state for row in rows)
        self.families = {row.family_key: row.family_label for row in rows}
        self.image_total = len(rows)
        if state is not None:
            rows = [row for row in rows if row.state == state]
        if family:
            rows = [row for row in rows if row.family_key == family]
        return self.paginate(rows)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        families = sorted(self.families.items(), key=lambda item: (item[1].casefold(), item[0]))
        context.update(
            state_summary=state_summary(self.counts, self.selected_state()),
            families=families,
            selected_family=self.request.GET.get("family", ""),
            selected_state=self.request.GET.get("state", ""),
            image_total=self.image_total,
        )
        return context


class DetailView(tables.DataTableView):
    """One image: its parsed metadata, raw values that did not parse, and its family."""

    table_class = project_tables.LineageTable
    template_name = "project/image_patch_status/detail.html"
    page_title = _("Image Patch Status: {{ row.name }}")

    def loaded(self):
        """Glance's images listed now (the page shows their metadata as it is), and the
        instances on each from the project's index when there is a complete one (its
        ``image`` filter: no listing of the project's servers), else listed live."""
        positions = self.indexed_positions()
        if positions is None:
            return inventory.load(self.request)
        loaded = inventory.load(self.request, servers=False)
        images = {
            key: dataclasses.replace(value, instance_count=len(positions.get(key, ())))
            for key, value in loaded.assessment.images.items()
        }
        return dataclasses.replace(
            loaded, servers=[], assessment=dataclasses.replace(loaded.assessment, images=images)
        )

    def indexed_positions(self):
        if conf.index_seconds() <= 0:
            return None
        index = indexed.serve(self.request, all_projects=False).index
        if index is None or not index.meta.complete:
            return None
        try:
            return index.table().filter_values("image")
        except IndexGone:
            return None

    def get_data(self):
        loaded = self.loaded()
        image_id = self.kwargs["image_id"]
        cloud = loaded.assessment
        assessment = cloud.images.get(image_id)
        if assessment is None:
            # Not found only when Glance's list was read and assessed; otherwise the page
            # says it cannot show the image, beside the error message.
            if loaded.images is not None and loaded.assessed:
                messages.error(
                    self.request,
                    _("Image %s was not found or is not visible to you.")
                    % wording.echoed(image_id),
                )
                raise exceptions.Http302(reverse(INDEX_URL))
            self.assessment = None
            self.row = None
            return []
        instances_known = loaded.servers is not None
        self.assessment = assessment
        self.row = image_rows.image_row(assessment, cloud, instances_known=instances_known)
        family = assessment.family
        self.family = family
        build_ids = list(family.builds)
        # Snapshots are not builds, but an open snapshot shows beside its family.
        if image_id not in build_ids:
            build_ids.insert(0, image_id)
        return [
            image_rows.image_row(cloud.images[build_id], cloud, instances_known=instances_known)
            for build_id in build_ids
            if build_id in cloud.images
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = getattr(self, "assessment", None)
        context["row"] = getattr(self, "row", None)
        context["assessment"] = assessment
        if assessment is not None:
            image = assessment.image
            context["image"] = image
            context["glance_status"] = wording.glance_status(image.status, image.hidden)
            context["family"] = self.family
            context["state_badge"] = presentation.state_badge(assessment.state)
            context["flags"] = [
                presentation.state_badge(state)
                for state in PatchState
                if state in assessment.flags and state != assessment.state
            ]
            # Whatever the image's owner wrote, of any length: shortened, as the core
            # shortens the values it could not read.
            context["invalid"] = [
                (k, wording.raw_value(v)) for k, v in sorted(image.invalid.items())
            ]
            context["properties"] = [
                (key, wording.raw_value(value)) for key, value in sorted(image.properties.items())
            ]
        return context
