import dataclasses

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions, forms, messages
from horizon.utils import memoized

from patch_dashboard import conf
from patch_dashboard.api import image_rows as lifecycle_rows
from patch_dashboard.api import indexed, inventory
from patch_dashboard.api import lifecycle as lifecycle_api
from patch_dashboard.api.index import IndexGone
from patch_dashboard.content.image_lifecycle import forms as lifecycle_forms
from patch_dashboard.content.image_lifecycle import tables as lifecycle_tables
from patch_dashboard.content.image_patch_status import views as project_views
from patch_dashboard.lifecycle.actions import METADATA_KEYS
from patch_dashboard.lifecycle.assess import InstanceAssessor

INDEX_URL = "horizon:admin:image_lifecycle:index"


class IndexView(project_views.IndexView):
    """Every image in the cloud, with instances counted across all projects."""

    table_class = lifecycle_tables.ImageLifecycleTable
    template_name = "admin/image_lifecycle/index.html"
    page_title = _("Image Lifecycle")
    all_projects = True

    def load_inventory(self):
        return inventory.load(self.request, all_projects=True)

    def build_rows(self, loaded):
        return lifecycle_rows.lifecycle_rows(
            loaded.assessment, instances_known=loaded.servers is not None
        )


class LifecycleDialog(forms.ModalFormView):
    """One of the panel's dialogs: ``dialog`` names its modal and form, ``url_name`` the URL
    it posts to (with the view's own URL arguments); back to the table when done."""

    dialog = ""
    url_name = ""
    success_url = reverse_lazy(INDEX_URL)

    @property
    def modal_id(self):
        return self.dialog + "_modal"

    @property
    def form_id(self):
        return self.dialog + "_form"

    @property
    def submit_url(self):
        return reverse("horizon:admin:image_lifecycle:" + self.url_name, kwargs=self.kwargs)


class DeprecateView(LifecycleDialog):
    form_class = lifecycle_forms.DeprecateForm
    template_name = "admin/image_lifecycle/deprecate.html"
    dialog = "deprecate_image"
    url_name = "deprecate"
    page_title = _("Deprecate Images")
    submit_label = _("Deprecate")

    @memoized.memoized_method
    def loaded(self):
        """Images and flavors listed now (the write acts on them), and the instances on the
        chosen images for the impact: the servers from the cloud's index when there is a
        complete one (its age is the page's), assessed against the images listed now; else
        every project's servers listed live."""
        servers = self.indexed_servers()
        if servers is None:
            return inventory.load(self.request, flavors=True, all_projects=True)
        loaded = inventory.load(self.request, servers=False, flavors=True, all_projects=True)
        if not loaded.assessed:
            return loaded

        def assess_servers():
            assess = InstanceAssessor(
                assessments=loaded.assessment.images,
                flavors=loaded.flavors or (),
                now=inventory.utcnow(),
            )
            return tuple(assess(server) for server in servers)

        try:
            instances = inventory.assessed(assess_servers)
        except inventory.AssessmentFailed as failure:
            messages.error(self.request, str(failure))
            return dataclasses.replace(loaded, assessed=False)
        return dataclasses.replace(
            loaded,
            servers=list(servers),
            assessment=dataclasses.replace(loaded.assessment, instances=instances),
        )

    def indexed_servers(self):
        """The servers on the requested images, read from the cloud's index through its
        ``image`` filter (rows of those images only); None: no index to read."""
        if conf.index_seconds() <= 0:
            return None
        served = indexed.serve(self.request, all_projects=True)
        index = served.index
        if index is None or not index.meta.complete:
            return None
        try:
            table = index.table()
            positions = sorted(
                {p for image_id in set(self.requested_ids()) for p in table.select(image=image_id)}
            )
            return [row.server for row in table.rows_at(positions)]
        except IndexGone:
            return None

    def requested_ids(self):
        if self.request.method == "POST":
            return self.request.POST.getlist("images")
        return self.request.GET.getlist("image")

    def get(self, request, *args, **kwargs):
        loaded = self.loaded()
        if loaded.images is None or not loaded.assessed:
            # inventory.load said why; the dialog cannot check a selection it cannot see.
            raise exceptions.Http302(reverse(INDEX_URL))
        known = loaded.assessment.images
        if not self.requested_ids() or any(i not in known for i in self.requested_ids()):
            messages.error(request, _("Select images that exist."))
            raise exceptions.Http302(reverse(INDEX_URL))
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        return {
            "images": self.requested_ids(),
            "replacement": lifecycle_forms.OWN_FAMILY,
            "previewed_replacement": lifecycle_forms.OWN_FAMILY,
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        loaded = self.loaded()
        kwargs["cloud"] = loaded.assessment
        kwargs["flavors"] = loaded.flavors or []
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["obsolete"] = self.form_class.obsolete
        context["instances_known"] = self.loaded().servers is not None
        return context


class ObsoleteView(DeprecateView):
    form_class = lifecycle_forms.ObsoleteForm
    dialog = "obsolete_image"
    url_name = "obsolete"
    page_title = _("Mark Images Obsolete")
    submit_label = _("Mark Obsolete")


class MetadataView(LifecycleDialog):
    form_class = lifecycle_forms.PatchMetadataForm
    template_name = "admin/image_lifecycle/metadata.html"
    dialog = "patch_metadata"
    url_name = "metadata"
    page_title = _("Edit Patch Metadata")
    submit_label = _("Save")

    @memoized.memoized_method
    def get_object(self):
        try:
            return lifecycle_api.get_image(self.request, self.kwargs["image_id"])
        except Exception:
            exceptions.handle(
                self.request, _("Unable to retrieve the image."), redirect=reverse(INDEX_URL)
            )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["image"] = self.get_object()
        return kwargs

    def get_initial(self):
        properties = self.get_object().properties
        return {key: properties.get(key, "") for key in METADATA_KEYS}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["image"] = self.get_object()
        return context
