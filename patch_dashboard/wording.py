"""How the core's states, reasons and flavor rules read to a person: the plugin's one
wording module (labels, badge classes, short texts for table cells, long texts for the
wizard), used by the panels, the CSV exports and the JSON endpoints alike.

It sits between the core (:mod:`patch_dashboard.lifecycle`, which it only reads) and the
``api`` layer; it imports nothing that talks to OpenStack and nothing of the panels. Every
text is a whole sentence or label with named placeholders, never glued from fragments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from patch_dashboard.lifecycle import (
    ChainProblem,
    OutdatedReason,
    PatchState,
    ReplaceFrequency,
    end_of_life_date,
)
from patch_dashboard.lifecycle.properties import shorten

if TYPE_CHECKING:  # annotations only
    from patch_dashboard.lifecycle import (
        FlavorRecord,
        ImageAssessment,
        ImageRecord,
        InstanceAssessment,
    )

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

# How often an image is to be rebuilt, as it reads inside a sentence ("to be replaced monthly").
FREQUENCY_LABELS = {
    ReplaceFrequency.YEARLY: pgettext_lazy("How often an image is rebuilt", "yearly"),
    ReplaceFrequency.QUARTERLY: pgettext_lazy("How often an image is rebuilt", "quarterly"),
    ReplaceFrequency.MONTHLY: pgettext_lazy("How often an image is rebuilt", "monthly"),
    ReplaceFrequency.WEEKLY: pgettext_lazy("How often an image is rebuilt", "weekly"),
    ReplaceFrequency.DAILY: pgettext_lazy("How often an image is rebuilt", "daily"),
    ReplaceFrequency.CRITICAL_BUG: pgettext_lazy(
        "How often an image is rebuilt", "after each critical bug"
    ),
    ReplaceFrequency.NEVER: pgettext_lazy("How often an image is rebuilt", "never"),
}

UNKNOWN_TEXT = _("unknown")
IMAGE_DELETED_TEXT = _("Image deleted")
IMAGE_GONE_LABEL = _("(image deleted)")
NO_IMAGE_LABEL = _("(no image)")
IMAGES_UNAVAILABLE = _("Image unknown: the image list could not be retrieved")
NO_IMAGE_TEXT = _("No image")
CHAIN_PROBLEMS = {
    ChainProblem.CYCLE: _("Replacement chain has a cycle"),
    ChainProblem.DANGLING: _("Replacement not found"),
}


def condition_label(condition: PatchState | OutdatedReason) -> str:
    """The badge of an instance's image: its state, or why it has none."""
    if isinstance(condition, PatchState):
        return STATE_LABELS[condition]
    if condition is OutdatedReason.NO_IMAGE:
        return NO_IMAGE_TEXT
    return IMAGE_DELETED_TEXT


# An id taken from a URL or a POST and named in a message: anyone can send megabytes.
ECHO_LIMIT = 80


def echoed(value: str) -> str:
    """``value`` as a message may repeat it: its first ECHO_LIMIT characters ("…" after)."""
    return shorten(value, ECHO_LIMIT)


def raw_value(value: str) -> str:
    """A property value as its writer left it, for showing: shortened as the core shortens
    the values it could not read (``ImageRecord.invalid``)."""
    return shorten(value)


# Glance's image statuses in the words (and msgids) of Horizon's Images panel.
GLANCE_STATUS_LABELS = {
    "active": pgettext_lazy("Current status of an Image", "Active"),
    "saving": pgettext_lazy("Current status of an Image", "Saving"),
    "queued": pgettext_lazy("Current status of an Image", "Queued"),
    "pending_delete": pgettext_lazy("Current status of an Image", "Pending Delete"),
    "killed": pgettext_lazy("Current status of an Image", "Killed"),
    "deleted": pgettext_lazy("Current status of an Image", "Deleted"),
    "deactivated": pgettext_lazy("Current status of an Image", "Deactivated"),
    "uploading": pgettext_lazy("Current status of an Image", "Uploading"),
    "importing": pgettext_lazy("Current status of an Image", "Importing"),
}


def glance_status(status: str, hidden: bool) -> str:
    """Glance's status of an image, and whether it is hidden, as one cell (a status Glance
    may add later is shown as Glance names it)."""
    label = str(GLANCE_STATUS_LABELS.get(status, status))
    if hidden:
        return str(_("%(status)s, hidden") % {"status": label})
    return label


# ---------------------------------------------------------------- instances (short)

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


@dataclass(frozen=True)
class ReasonFacts:
    """What the reasons of an instance's row are worded from: a few facts of its image and
    of the build recommended (an index keeps these with each row, not the assessments)."""

    deprecation_reason: str | None = None
    end_of_life: date | None = None
    build_date: date | None = None
    replace_frequency: ReplaceFrequency | None = None
    recommended_name: str | None = None

    @classmethod
    def of(cls, instance: InstanceAssessment) -> ReasonFacts:
        image = instance.image.image if instance.image else None
        recommended = instance.recommended_image
        return cls(
            deprecation_reason=image.deprecation_reason if image else None,
            end_of_life=end_of_life_date(image) if image else None,
            build_date=image.build_date if image else None,
            replace_frequency=image.replace_frequency if image else None,
            recommended_name=recommended.name if recommended else None,
        )


def reason_text(reason: OutdatedReason, facts: ReasonFacts) -> str:
    """Why an instance is outdated, for one reason, in a few words (a table cell)."""
    if reason is OutdatedReason.IMAGE_DELETED:
        return str(IMAGE_DELETED_TEXT)
    if reason is OutdatedReason.NO_IMAGE:
        return str(_("No image recorded for the instance"))
    if reason is OutdatedReason.OBSOLETE:
        return str(_("Image obsolete"))
    if reason is OutdatedReason.DEPRECATED:
        if facts.deprecation_reason:
            return str(_("Deprecated: %(reason)s") % {"reason": facts.deprecation_reason})
        return str(_("Image deprecated"))
    if reason is OutdatedReason.END_OF_LIFE:
        if facts.end_of_life is not None:
            return str(_("End of life since %(date)s") % {"date": facts.end_of_life.isoformat()})
        return str(_("Image end of life"))
    if reason is OutdatedReason.SUPERSEDED:
        if facts.recommended_name is not None:
            return str(_("Superseded by %(name)s") % {"name": facts.recommended_name})
        return str(_("Superseded by a newer build"))
    if reason is OutdatedReason.STALE:
        if facts.build_date and facts.replace_frequency:
            return str(
                _("Stale: built %(date)s, to be replaced %(frequency)s")
                % {
                    "date": facts.build_date.isoformat(),
                    "frequency": FREQUENCY_LABELS[facts.replace_frequency],
                }
            )
        return str(_("Stale"))
    return str(_("Image metadata unknown (no build date, no family)"))


def ordered_reasons(reasons) -> list[OutdatedReason]:
    """``reasons`` most severe first."""
    return [reason for reason in REASON_ORDER if reason in reasons]


# ---------------------------------------------------------------- images (long)


def _day(value) -> str:
    return value.date().isoformat()


# Deprecated and obsolete: (the date, with it, with it and the reason, without, without but
# with the reason). Whole sentences, so a translator sees each as it is shown.
_RETIRED = {
    PatchState.OBSOLETE: (
        lambda image: image.obsolete_at,
        _("Obsolete since %(date)s."),
        _("Obsolete since %(date)s. %(reason)s"),
        _("Obsolete: this image is no longer to be used."),
        _("Obsolete: this image is no longer to be used. %(reason)s"),
    ),
    PatchState.DEPRECATED: (
        lambda image: image.deprecated_at,
        _("Deprecated since %(date)s."),
        _("Deprecated since %(date)s. %(reason)s"),
        _("Deprecated."),
        _("Deprecated. %(reason)s"),
    ),
}


def state_reason(
    assessment: ImageAssessment, latest: ImageRecord | None, state: PatchState | None = None
) -> str:
    """Why an image has its state (or ``state``, one of its flags), in whole sentences."""
    image = assessment.image
    state = state or assessment.state
    family = assessment.family.label
    why = image.deprecation_reason
    if state in _RETIRED:
        moment, dated, dated_why, undated, undated_why = _RETIRED[state]
        when = moment(image)
        if when is not None:
            text = dated_why if why else dated
        else:
            text = undated_why if why else undated
        return str(text % {"date": _day(when) if when else "", "reason": why})
    if state is PatchState.END_OF_LIFE:
        until = end_of_life_date(image)
        if until is None:
            # A snapshot inherits end of life from its base image, not the dates.
            return str(_("End of life: the image it was made from gets no more updates."))
        return str(
            _("End of life since %(date)s: it gets no more updates.") % {"date": until.isoformat()}
        )
    if state is PatchState.SUPERSEDED:
        count = assessment.builds_behind
        values = {"count": count, "family": family}
        if latest is not None:
            return ngettext(
                "Superseded: %(count)d newer build of %(family)s exists. The latest is %(name)s.",
                "Superseded: %(count)d newer builds of %(family)s exist. The latest is %(name)s.",
                count,
            ) % dict(values, name=latest.name)
        return (
            ngettext(
                "Superseded: %(count)d newer build of %(family)s exists.",
                "Superseded: %(count)d newer builds of %(family)s exist.",
                count,
            )
            % values
        )
    if state is PatchState.STALE:
        return str(
            _("Stale: built on %(date)s, but %(family)s is to be rebuilt %(frequency)s.")
            % {
                "date": image.build_date.isoformat() if image.build_date else "?",
                "family": family,
                "frequency": (
                    FREQUENCY_LABELS[image.replace_frequency] if image.replace_frequency else "?"
                ),
            }
        )
    if state is PatchState.UNKNOWN:
        return str(
            _(
                "Unknown: the image has no build date and no family, so its patch level "
                "cannot be judged."
            )
        )
    return str(_("Current: the latest usable build of %(family)s.") % {"family": family})


# ---------------------------------------------------------------- flavors


def _wanted(image: ImageRecord, key: str) -> str:
    """What the image asks for under ``key`` (its owner's words, of any length), shortened."""
    return raw_value(image.requirements.get(key, "?"))


def misfit_text(key: str, image: ImageRecord, flavor: FlavorRecord) -> str:
    """Why ``flavor`` cannot boot ``image``, for one reason word of ``flavor_fit``."""
    if key == "min_ram":
        return str(
            _("The image needs at least %(min)s MB of RAM; this flavor has %(ram)s MB.")
            % {"min": image.min_ram, "ram": flavor.ram}
        )
    if key == "min_disk":
        return str(
            _("The image needs a root disk of at least %(min)s GB; this flavor has %(disk)s GB.")
            % {"min": image.min_disk, "disk": flavor.disk}
        )
    offered = flavor.extra_specs.get(key)
    if key.startswith("trait:"):
        return str(
            _("The image marks %(trait)s %(wanted)s; this flavor marks it %(offered)s.")
            % {"trait": key, "wanted": _wanted(image, key), "offered": offered or "?"}
        )
    image_key = "hw_" + key[3:]
    wanted = _wanted(image, image_key)
    if offered is None:
        return str(
            _("The image asks for %(key)s=%(wanted)s; this flavor does not allow it.")
            % {"key": image_key, "wanted": wanted}
        )
    return str(
        _("The image asks for %(key)s=%(wanted)s; this flavor sets %(spec)s=%(offered)s.")
        % {"key": image_key, "wanted": wanted, "spec": key, "offered": offered}
    )


def state_reasons(assessment: ImageAssessment, latest: ImageRecord | None) -> list[dict]:
    """Every condition that holds for the image, most severe first: ``{code, text}``."""
    return [
        {"code": state.value, "text": state_reason(assessment, latest, state)}
        for state in PatchState
        if state in assessment.flags
    ]


def fit_texts(image: ImageRecord, flavor: FlavorRecord) -> list[dict[str, str]]:
    """Why a fitting flavor fits: each requirement of the image, met, as ``{code, requirement,
    text}``; the code is the requirement (``min_ram``, ``min_disk``, ``hw_*``, ``trait:*``), or
    ``unrestricted`` for the requirements the flavor leaves free (listed in ``requirement``)."""
    why: list[dict[str, str]] = []

    def met(code: str, requirement: str, text: str) -> None:
        why.append({"code": code, "requirement": requirement, "text": text})

    if image.min_ram:
        text = _("%(ram)s MB of RAM, at least the %(min)s MB the image needs.")
    else:
        text = _("%(ram)s MB of RAM; the image sets no minimum.")
    met("min_ram", "min_ram", text % {"ram": flavor.ram, "min": image.min_ram})
    if flavor.disk == 0:
        text = _("Its root disk is sized from the image.")
    elif image.min_disk:
        text = _("A %(disk)s GB root disk, at least the %(min)s GB the image needs.")
    else:
        text = _("A %(disk)s GB root disk; the image sets no minimum.")
    met("min_disk", "min_disk", text % {"disk": flavor.disk, "min": image.min_disk})
    free = []
    for key in sorted(image.requirements):
        wanted = _wanted(image, key)
        spec = key if key.startswith("trait:") else "hw:" + key[3:]
        offered = flavor.extra_specs.get(spec)
        if offered is None:
            free.append(key)
            continue
        text = _("%(key)s=%(wanted)s: compatible with the flavor's %(spec)s=%(offered)s.")
        met(key, key, text % {"key": key, "wanted": wanted, "spec": spec, "offered": offered})
    if free:
        text = ngettext(
            "%(keys)s: the flavor does not restrict it.",
            "%(keys)s: the flavor does not restrict them.",
            len(free),
        )
        met("unrestricted", ",".join(free), text % {"keys": ", ".join(free)})
    return why


# ---------------------------------------------------------------- spreadsheets

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell's text, with a leading quote where a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
