from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import exceptions, messages, tables
from openstack_dashboard.dashboards.project.instances import tables as instance_tables

from patch_dashboard import wording
from patch_dashboard.api import compute
from patch_dashboard.content import paging, presentation
from patch_dashboard.content.launch import LaunchReplacement

IMAGE_DETAIL_URL = "horizon:project:image_patch_status:detail"


def show_image(row):
    if row.image_name is None:
        return format_html('<span class="text-muted">{}</span>', wording.IMAGE_GONE_LABEL)
    return format_html(
        '<a href="{}">{}</a>', reverse(IMAGE_DETAIL_URL, args=[row.image_id]), row.image_name
    )


def show_reasons(row):
    texts = row.reason_texts
    if not texts:
        return None
    return format_html(
        '<ul class="list-unstyled patch-reasons">{}</ul>',
        format_html("".join(["<li>{}</li>"] * len(texts)), *texts),
    )


def show_recommended_image(row):
    if not row.recommended_image_id:
        return None
    return format_html(
        '<a href="{}" class="patch-recommended-image">{}</a>',
        reverse(IMAGE_DETAIL_URL, args=[row.recommended_image_id]),
        row.recommended_image_name,
    )


def instance_link(row):
    return reverse("horizon:project:instances:detail", args=[row.id])


def trusted_target(row):
    """Whether Rebuild may write the recommended image onto the instance: a public image, or
    one of the instance's own project. The recommendation follows ``replaced_by``, which the
    owner of a shared or community image writes as they like; Launch Replacement only opens
    the wizard, where the user sees what they launch."""
    return row.recommended_image_visibility == "public" or (
        row.recommended_image_owner is not None and row.recommended_image_owner == row.project_id
    )


class RebuildWithRecommended(tables.BatchAction):
    name = "rebuild_recommended"
    classes = ("btn-danger",)
    action_type = "danger"
    icon = "refresh"
    help_text = _(
        "Rebuilding replaces the instance's root disk with the recommended image: "
        "everything stored on the root disk is lost. Volumes stay attached."
    )
    policy_rules = (("compute", "os_compute_api:servers:rebuild"),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy(
            "Rebuild with Recommended Image", "Rebuild with Recommended Images", count
        )

    @staticmethod
    def action_past(count):
        return ngettext_lazy(
            "Rebuilt with Recommended Image", "Rebuilt with Recommended Images", count
        )

    def allowed(self, request, datum=None):
        if datum is None:
            return False
        return (
            bool(datum.recommended_image_id)
            and datum.recommended_image_id != datum.image_id
            and trusted_target(datum)
            and not datum.boot_from_volume
            and datum.status in ("ACTIVE", "SHUTOFF", "ERROR")
        )

    def action(self, request, obj_id):
        row = self.table.get_object_by_id(obj_id)
        if row is None or not self.allowed(request, row):
            # A forged or stale POST: never rebuild what the page would not offer.
            raise exceptions.NotAvailable(
                _("Instance %s cannot be rebuilt here.") % wording.echoed(obj_id)
            )
        compute.rebuild_server(request, obj_id, row.recommended_image_id)
        messages.info(
            request,
            _("Instance %(name)s is being rebuilt from %(image)s.")
            % {"name": row.name, "image": row.recommended_image_name},
        )


class ExportCSV(tables.LinkAction):
    name = "export_csv"
    verbose_name = _("Export CSV")
    icon = "download"
    url = "horizon:project:outdated_instances:export"


class OutdatedInstancesTable(paging.PagedTable, tables.DataTable):
    name = tables.WrappingColumn("name", verbose_name=_("Instance"), link=instance_link)
    status = tables.Column(
        "status",
        verbose_name=_("Status"),
        display_choices=instance_tables.STATUS_DISPLAY_CHOICES,  # Horizon's own words
    )
    image = tables.Column(show_image, verbose_name=_("Image"))
    image_state = tables.Column(
        "condition",
        verbose_name=_("Image state"),
        filters=(presentation.image_state_badge,),
        status=True,
        status_choices=presentation.CONDITION_STATUS_CHOICES,
    )
    reasons = tables.Column(show_reasons, verbose_name=_("Why"), empty_value="-")
    days_behind = tables.Column("days_behind", verbose_name=_("Days behind"), empty_value="-")
    builds_behind = tables.Column("builds_behind", verbose_name=_("Builds behind"), empty_value="-")
    recommended_image = tables.Column(
        show_recommended_image, verbose_name=_("Recommended image"), empty_value="-"
    )
    recommended_flavor = tables.Column(
        "recommended_flavor_name", verbose_name=_("Recommended flavor"), empty_value="-"
    )

    def get_object_display(self, datum):
        return datum.name

    class Meta:
        name = "outdated_instances"
        verbose_name = _("Outdated Instances")
        status_columns = ["image_state"]
        table_actions = (ExportCSV, paging.InstanceSearchAction)
        row_actions = (LaunchReplacement, RebuildWithRecommended)
        multi_select = False
