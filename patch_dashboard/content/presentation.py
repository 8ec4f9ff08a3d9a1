"""HTML of the panels: state badges and Horizon status columns. The words come from
:mod:`patch_dashboard.wording`."""

from django.utils.html import format_html

from patch_dashboard import wording
from patch_dashboard.lifecycle import OutdatedReason, PatchState

# Horizon status columns: True = fine, False = needs attention, None = unknown. The cells
# hold the core's enums; Horizon matches them by their text.
STATE_STATUS_CHOICES = tuple(
    (state, {PatchState.CURRENT: True, PatchState.UNKNOWN: None}.get(state, False))
    for state in PatchState
)
# An instance's image: its state, or why it has none (both count as needing attention).
CONDITION_STATUS_CHOICES = STATE_STATUS_CHOICES + tuple(
    (reason, False) for reason in (OutdatedReason.IMAGE_DELETED, OutdatedReason.NO_IMAGE)
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


def image_state_badge(condition: PatchState | OutdatedReason):
    """Badge of an instance's image: its state, or a badge of its own when there is no
    image to judge (the ``patch-state-deleted`` class the theme and the tests look for)."""
    if isinstance(condition, PatchState):
        return state_badge(condition)
    return format_html(
        '<span class="label label-danger patch-state patch-state-deleted" '
        'data-patch-state="deleted" data-condition="{}">{}</span>',
        condition.value,
        wording.condition_label(condition),
    )
