"""How lifecycle states and reasons read to a person: labels, badge classes, reason texts."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from patch_dashboard.lifecycle import PatchState

STATE_LABELS = {
    PatchState.CURRENT: pgettext_lazy("Patch state of an image", "Current"),
    PatchState.SUPERSEDED: pgettext_lazy("Patch state of an image", "Superseded"),
    PatchState.STALE: pgettext_lazy("Patch state of an image", "Stale"),
    PatchState.DEPRECATED: pgettext_lazy("Patch state of an image", "Deprecated"),
    PatchState.OBSOLETE: pgettext_lazy("Patch state of an image", "Obsolete"),
    PatchState.END_OF_LIFE: pgettext_lazy("Patch state of an image", "End of life"),
    PatchState.UNKNOWN: pgettext_lazy("Patch state of an image", "Unknown"),
}

# Bootstrap label classes: the colours every Horizon theme already defines.
STATE_LABEL_CLASS = {
    PatchState.CURRENT: "label-success",
    PatchState.SUPERSEDED: "label-warning",
    PatchState.STALE: "label-warning",
    PatchState.DEPRECATED: "label-danger",
    PatchState.OBSOLETE: "label-danger",
    PatchState.END_OF_LIFE: "label-danger",
    PatchState.UNKNOWN: "label-default",
}

# Horizon status columns: True = fine, False = needs attention, None = unknown.
STATE_STATUS_CHOICES = tuple(
    (state.value, {PatchState.CURRENT: True, PatchState.UNKNOWN: None}.get(state, False))
    for state in PatchState
)

UNKNOWN_TEXT = _("unknown")


def state_badge(state: PatchState):
    """The coloured badge of a state, HTML-escaped."""
    return format_html(
        '<span class="label {} patch-state patch-state-{}" data-patch-state="{}">{}</span>',
        STATE_LABEL_CLASS[state],
        state.value,
        state.value,
        STATE_LABELS[state],
    )


def state_from_value(value: str) -> PatchState | None:
    try:
        return PatchState(value)
    except ValueError:
        return None
