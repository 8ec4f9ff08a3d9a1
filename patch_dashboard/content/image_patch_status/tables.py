import functools
from urllib.parse import quote, urlencode

from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from horizon import tables

from patch_dashboard import wording
from patch_dashboard.content import paging, presentation
from patch_dashboard.content.launch import LaunchWizardAction
from patch_dashboard.lifecycle import PatchState

DETAIL_URL = "horizon:project:image_patch_status:detail"


@functools.lru_cache(maxsize=8)
def _detail_url_pattern(script_prefix: str) -> str:
    return reverse(DETAIL_URL, args=["__image_id__"])


def detail_link(datum):
    # Horizon asks for a row's link several times; resolving the URL once per page is ~9%
    # of a 1,000-row page (make bench).
    pattern = _detail_url_pattern(get_script_prefix())
    return pattern.replace("__image_id__", quote(datum.id, safe=""))


def show_build_date(row):
    if row.build_date_invalid is not None:
        return format_html(
            '<span class="text-muted" title="{}">{}</span>',
            wording.raw_value(row.build_date_invalid),
            wording.UNKNOWN_TEXT,
        )
    return row.build_date.isoformat() if row.build_date else None


def show_replacement(row):
    if row.replacement_id:
        return format_html(
            '<a href="{}" class="patch-replacement">{}</a>',
            reverse(DETAIL_URL, args=[row.replacement_id]),
            row.replacement_name or row.replacement_id,
        )
    return row.replacement_problem_text


def show_family(row):
    # The key comes from image properties: "&", "#", "+" or "%" in it must not end or bend
    # the query (URL-encoded, then HTML-escaped by format_html).
    return format_html(
        '<a href="?{}" class="patch-family">{}</a>',
        urlencode({"family": row.family_key}),
        row.family_label,
    )


class ImageFilterAction(paging.SearchAction):
    """Searches every image (state and family have links of their own)."""


def recommended_image_id(row):
    """The image to launch instead of ``row``: its replacement, or itself when current."""
    if row.replacement_id:
        return row.replacement_id
    if row.state is PatchState.CURRENT and row.status == "active":
        return row.id
    return None


class LaunchRecommended(LaunchWizardAction):
    """The wizard on the recommended build: the replacement, or the image when current."""

    name = "launch_recommended"
    verbose_name = _("Launch from recommended")

    def image_id_of(self, datum):
        return recommended_image_id(datum)


def state_column():
    """The image's patch state as a badge; also the row's status for Horizon's table."""
    return tables.Column(
        "state",
        filters=(presentation.state_badge,),
        verbose_name=pgettext_lazy("Patch state of an image", "State"),
        status=True,
        status_choices=presentation.STATE_STATUS_CHOICES,
    )


def instance_count_column():
    """How many of the scope's instances use the image (unknown when Nova could not say)."""
    return tables.Column(
        "instance_count", verbose_name=_("Instances"), empty_value=wording.UNKNOWN_TEXT
    )


class ImagePatchStatusTable(paging.PagedTable, tables.DataTable):
    name = tables.WrappingColumn("name", verbose_name=_("Image"), link=detail_link)
    family = tables.Column(show_family, verbose_name=_("Family"))
    build_date = tables.Column(show_build_date, verbose_name=_("Build date"), empty_value="-")
    patchlevel = tables.Column("patchlevel", verbose_name=_("Patch level"), empty_value="-")
    state = state_column()
    replacement = tables.Column(show_replacement, verbose_name=_("Replacement"), empty_value="-")
    instance_count = instance_count_column()

    def get_object_display(self, datum):
        return datum.name

    class Meta:
        name = "image_patch_status"
        verbose_name = _("Image Patch Status")
        table_actions = (ImageFilterAction,)
        row_actions = (LaunchRecommended,)
        status_columns = ["state"]
        # No polling: a row's state does not change while the page is open.
        multi_select = False


class LineageTable(tables.DataTable):
    """Every build of one family, newest first."""

    name = tables.WrappingColumn("name", verbose_name=_("Build"), link=detail_link)
    build_date = tables.Column(show_build_date, verbose_name=_("Build date"), empty_value="-")
    internal_version = tables.Column("internal_version", verbose_name=_("Version"), empty_value="-")
    patchlevel = tables.Column("patchlevel", verbose_name=_("Patch level"), empty_value="-")
    state = state_column()
    instance_count = instance_count_column()

    class Meta:
        name = "lineage"
        verbose_name = _("Family lineage")
        row_actions = (LaunchRecommended,)
        multi_select = False
