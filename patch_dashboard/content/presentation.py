"""HTML of the panels: state badges and Horizon status columns. The words come from
:mod:`patch_dashboard.wording`."""

from django.utils.html import format_html

from patch_dashboard import wording
from patch_dashboard.lifecycle import PatchState

# Horizon status columns: True = fine, False = needs attention, None = unknown.
STATE_STATUS_CHOICES = tuple(
    (state.value, {PatchState.CURRENT: True, PatchState.UNKNOWN: None}.get(state, False))
    for state in PatchState
)


def state_badge(state: PatchState):
    """The coloured badge of a state, HTML-escaped."""
    return format_html(
        '<span class="label {} patch-state patch-state-{}" data-patch-state="{}">{}</span>',
        wording.STATE_LABEL_CLASS[state],
        state.value,
        state.value,
        wording.STATE_LABELS[state],
    )


def state_from_value(value: str) -> PatchState | None:
    try:
        return PatchState(value)
    except ValueError:
        return None


def image_state_badge(value: str):
    """Badge of an instance's image state word; a gone image gets a badge of its own."""
    state = state_from_value(value)
    if state is not None:
        return state_badge(state)
    return format_html(
        '<span class="label label-danger patch-state patch-state-deleted" '
        'data-patch-state="deleted">{}</span>',
        wording.IMAGE_DELETED_TEXT,
    )
