"""How lifecycle states and reasons read to a person: labels, badge classes, reason texts."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from patch_dashboard.lifecycle import (
    InstanceAssessment,
    OutdatedReason,
    PatchState,
    end_of_life_date,
)
from patch_dashboard.lifecycle.properties import shorten

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

# An id taken from a URL or a POST and named in a message: anyone can send megabytes.
ECHO_LIMIT = 80


def echoed(value: str) -> str:
    """``value`` as a message may repeat it: its first ECHO_LIMIT characters ("…" after)."""
    return shorten(value, ECHO_LIMIT)


def raw_value(value: str) -> str:
    """A property value as its writer left it, for showing: shortened as the core shortens
    the values it could not read (``ImageRecord.invalid``)."""
    return shorten(value)


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


REASON_ORDER = (
    OutdatedReason.IMAGE_DELETED,
    OutdatedReason.NO_IMAGE,
    OutdatedReason.OBSOLETE,
    OutdatedReason.DEPRECATED,
    OutdatedReason.END_OF_LIFE,
    OutdatedReason.SUPERSEDED,
    OutdatedReason.STALE,
    OutdatedReason.UNKNOWN,
)


def reason_texts(instance: InstanceAssessment) -> list[str]:
    """Why an instance is outdated, in a person's words, most severe first."""
    image = instance.image.image if instance.image else None
    recommended = instance.recommended_image
    texts = []
    for reason in REASON_ORDER:
        if reason not in instance.reasons:
            continue
        if reason == OutdatedReason.IMAGE_DELETED:
            texts.append(str(_("Image deleted")))
        elif reason == OutdatedReason.NO_IMAGE:
            texts.append(str(_("No image recorded for the instance")))
        elif reason == OutdatedReason.OBSOLETE:
            texts.append(str(_("Image obsolete")))
        elif reason == OutdatedReason.DEPRECATED:
            if image is not None and image.deprecation_reason:
                texts.append(str(_("Deprecated: %s") % image.deprecation_reason))
            else:
                texts.append(str(_("Image deprecated")))
        elif reason == OutdatedReason.END_OF_LIFE:
            until = end_of_life_date(image) if image is not None else None
            if until is not None:
                texts.append(str(_("End of life since %s") % until.isoformat()))
            else:
                texts.append(str(_("Image end of life")))
        elif reason == OutdatedReason.SUPERSEDED:
            if recommended is not None:
                texts.append(str(_("Superseded by %s") % recommended.name))
            else:
                texts.append(str(_("Superseded by a newer build")))
        elif reason == OutdatedReason.STALE:
            if image is not None and image.build_date and image.replace_frequency:
                texts.append(
                    str(
                        _("Stale: built %(date)s, to be replaced %(frequency)s")
                        % {
                            "date": image.build_date.isoformat(),
                            "frequency": image.replace_frequency.value,
                        }
                    )
                )
            else:
                texts.append(str(_("Stale")))
        elif reason == OutdatedReason.UNKNOWN:
            texts.append(str(_("Image metadata unknown (no build date, no family)")))
    return texts


IMAGE_GONE_LABEL = _("(image deleted)")
NO_IMAGE_LABEL = _("(no image)")
IMAGES_UNAVAILABLE = _("Image unknown: the image list could not be retrieved")


def image_state_badge(value: str):
    """Badge of an instance's image state word; a gone image gets a badge of its own."""
    state = state_from_value(value)
    if state is not None:
        return state_badge(state)
    return format_html(
        '<span class="label label-danger patch-state patch-state-deleted" '
        'data-patch-state="deleted">{}</span>',
        _("Image deleted"),
    )
