"""Admin tables: the project panel's table plus the lifecycle actions (subclassed, not copied)."""

from urllib.parse import urlencode

from django import shortcuts
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from horizon import messages, tables

from patch_dashboard import wording
from patch_dashboard.api import lifecycle as lifecycle_api
from patch_dashboard.content.image_patch_status import tables as project_tables
from patch_dashboard.lifecycle import PatchState
from patch_dashboard.lifecycle.actions import plan_restore

DEPRECATE_URL = "horizon:admin:image_lifecycle:deprecate"
OBSOLETE_URL = "horizon:admin:image_lifecycle:obsolete"
METADATA_URL = "horizon:admin:image_lifecycle:metadata"
# Glance's own rule for changing an image; the panel also requires context_is_admin.
MODIFY_IMAGE = (("image", "modify_image"),)


def form_url(name, image_ids):
    return "%s?%s" % (reverse(name), urlencode([("image", image_id) for image_id in image_ids]))


def show_glance_status(row):
    return wording.glance_status(row.status, row.hidden)


class ImageDialog(tables.LinkAction):
    """A row action that opens one of the panel's dialogs for the row's image."""

    classes = ("ajax-modal",)
    policy_rules = MODIFY_IMAGE


class DeprecateImage(ImageDialog):
    name = "deprecate"
    verbose_name = _("Deprecate")
    url = DEPRECATE_URL
    icon = "archive"

    def get_link_url(self, datum=None):
        return form_url(self.url, [datum.id])

    def allowed(self, request, datum=None):
        return datum is None or (not datum.retired and datum.status == "active")


class ObsoleteImage(DeprecateImage):
    name = "obsolete"
    verbose_name = _("Mark Obsolete")
    url = OBSOLETE_URL
    icon = "ban"

    def allowed(self, request, datum=None):
        return datum is None or datum.state is not PatchState.OBSOLETE


class EditPatchMetadata(ImageDialog):
    name = "patch_metadata"
    verbose_name = _("Edit Patch Metadata")
    url = METADATA_URL
    icon = "pencil"


class SelectedImagesAction(tables.Action):
    """Table action: opens the form of ``url`` for the selected images (one or many)."""

    url = DEPRECATE_URL
    requires_input = True
    policy_rules = MODIFY_IMAGE

    def handle(self, data_table, request, object_ids):
        return shortcuts.redirect(form_url(self.url, object_ids))


class DeprecateSelected(SelectedImagesAction):
    name = "deprecate_selected"
    verbose_name = _("Deprecate Images")
    verbose_name_plural = verbose_name  # Horizon would append an "s"
    icon = "archive"


class ObsoleteSelected(SelectedImagesAction):
    name = "obsolete_selected"
    verbose_name = _("Mark Images Obsolete")
    verbose_name_plural = verbose_name
    url = OBSOLETE_URL
    icon = "ban"
    classes = ("btn-danger",)


class RestoreImages(tables.BatchAction):
    """Undo what Deprecate / Mark Obsolete did (the image's patch_dashboard_applied record)."""

    name = "restore"
    icon = "undo"
    help_text = _(
        "Restoring undoes exactly what this dashboard's Deprecate and Mark Obsolete changed; "
        "changes made by others since are kept."
    )
    policy_rules = MODIFY_IMAGE

    @staticmethod
    def action_present(count):
        return ngettext_lazy("Restore Image", "Restore Images", count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy("Restored Image", "Restored Images", count)

    def allowed(self, request, datum=None):
        return datum is None or datum.restorable

    def action(self, request, obj_id):
        signer = lifecycle_api.record_signer()
        image, patch = lifecycle_api.update_image(
            request, obj_id, lambda image: plan_restore(image, signer=signer)
        )
        if patch.kept:
            messages.warning(
                request,
                ngettext(
                    "%(name)s: %(keys)s was changed by someone else since; it was left as is.",
                    "%(name)s: %(keys)s were changed by someone else since; they were left as "
                    "they are.",
                    len(patch.kept),
                )
                % {"name": image.name, "keys": ", ".join(patch.kept)},
            )
        if patch.unrecorded:
            messages.info(
                request,
                _(
                    "%(name)s carries no record signed by this dashboard: its deprecation "
                    "properties were removed, everything else was left as it is."
                )
                % {"name": image.name},
            )


class ImageLifecycleTable(project_tables.ImagePatchStatusTable):
    project_count = tables.Column(
        "project_count", verbose_name=_("Projects"), empty_value=wording.UNKNOWN_TEXT
    )
    glance_status = tables.Column(show_glance_status, verbose_name=_("Glance status"))

    class Meta:
        name = "image_lifecycle"
        verbose_name = _("Image Lifecycle")
        status_columns = ["state"]
        table_actions = (
            project_tables.ImageFilterAction,
            DeprecateSelected,
            ObsoleteSelected,
            RestoreImages,
        )
        row_actions = (DeprecateImage, EditPatchMetadata, ObsoleteImage, RestoreImages)
