"""The admin dialogs. Rules live in patch_dashboard.lifecycle.actions; forms check input,
show the impact, and hand plans to patch_dashboard.api.lifecycle. A refusal by Glance (403)
becomes a Horizon error message and the form is shown again with its input."""

from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from horizon import exceptions, forms, messages

from patch_dashboard.api import compute, inventory
from patch_dashboard.api import lifecycle as lifecycle_api
from patch_dashboard.api.identity import project_names
from patch_dashboard.lifecycle import ReplaceFrequency, recommendable
from patch_dashboard.lifecycle.actions import (
    METADATA_KEYS,
    MetadataError,
    ReplacementProblem,
    family_labels,
    impact_of,
    metadata_value,
    own_family_replacements,
    plan_deprecation,
    plan_metadata,
    replacement_problem,
)
from patch_dashboard.lifecycle.properties import parse_datetime
from patch_dashboard.lifecycle.states import is_usable

DATE_HELP = _("YYYY-MM-DD, or an ISO 8601 date and time (UTC if no zone is given).")
DATE_ERROR = _("Enter a date as YYYY-MM-DD, or an ISO 8601 date and time.")
REPLACEMENT_ERRORS = {
    ReplacementProblem.SELF: _("An image cannot be its own replacement."),
    ReplacementProblem.NOT_FOUND: _("The replacement image was not found."),
    ReplacementProblem.UNUSABLE: _(
        "%(name)s is deprecated, obsolete, end of life or not active: choose a usable build."
    ),
    ReplacementProblem.CYCLE: _(
        "%(name)s is (through its own replacements) replaced by an image you are deprecating: "
        "this would form a cycle."
    ),
    ReplacementProblem.MIXED_FAMILIES: _(
        "%(name)s cannot replace images of several families (%(families)s): choose "
        "“Newest usable build of each image's family”, or deprecate each family "
        "on its own."
    ),
}
# The replacement choice that gives each image the newest usable build of its own family.
OWN_FAMILY = "own-family"


def _moment(value):
    """An optional date field as aware UTC, or a ValidationError."""
    if not value:
        return None
    try:
        return parse_datetime(value)
    except (ValueError, TypeError, OverflowError) as error:
        raise ValidationError(DATE_ERROR, code="date") from error


def _replacement_label(assessment):
    image = assessment.image
    built = image.build_date.isoformat() if image.build_date else _("build date unknown")
    return "%s (%s, %s)" % (image.name, assessment.family.label, built)


class DeprecateForm(forms.SelfHandlingForm):
    """Deprecate one or many images; the view passes the assessed cloud and the flavors."""

    obsolete = False
    images = django_forms.MultipleChoiceField(widget=django_forms.MultipleHiddenInput)
    replacement = django_forms.CharField(
        label=_("Replacement"),
        required=False,
        widget=django_forms.Select,
        help_text=_(
            "By default each image is replaced by the newest usable build of its own family; "
            "one image chosen here replaces images of one family only."
        ),
    )
    reason = django_forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to users; may list CVEs."),
    )
    deprecated_at = django_forms.CharField(
        label=_("Takes effect"),
        required=False,
        help_text=_(
            "Empty: now. A later date announces the deprecation; the image stays visible "
            "until then."
        ),
    )
    obsolete_at = django_forms.CharField(
        label=_("Obsolete from"), required=False, help_text=DATE_HELP
    )
    # The replacement the impact preview was shown for: choosing another one shows its
    # impact before anything is written.
    previewed_replacement = django_forms.CharField(required=False, widget=django_forms.HiddenInput)

    def __init__(self, request, *args, cloud, flavors, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.cloud = cloud
        self.flavors = flavors
        self._project_names = None
        if self.is_bound:
            self.data = self.data.copy()  # the preview may update previewed_replacement
        self.fields["images"].choices = [(image_id, image_id) for image_id in cloud.images]
        usable = sorted(
            (
                assessment
                for assessment in cloud.images.values()
                if is_usable(assessment.image, assessment.flags)
            ),
            key=lambda a: (a.family.label.casefold(), a.image.name.casefold(), a.image.id),
        )
        self.fields["replacement"].widget.choices = [
            (OWN_FAMILY, _("Newest usable build of each image's family")),
            ("", _("No replacement")),
        ] + [(assessment.image.id, _replacement_label(assessment)) for assessment in usable]
        if self.obsolete:
            del self.fields["deprecated_at"]
            del self.fields["obsolete_at"]

    # ---- the selection and its impact, for the template

    def selected_ids(self):
        source = self.data.getlist("images") if self.is_bound else self.initial.get("images")
        return [image_id for image_id in source or () if image_id in self.cloud.images]

    def selected(self):
        return [self.cloud.images[image_id].image for image_id in self.selected_ids()]

    def targets(self, choice, image_ids):
        """Image id -> the replacement ``choice`` gives it (None: none)."""
        if choice == OWN_FAMILY:
            return own_family_replacements(self.cloud.images, image_ids)
        return dict.fromkeys(image_ids, choice or None)

    def preview_targets(self):
        source = self.data if self.is_bound else self.initial
        chosen = source.get("replacement") or ""
        if chosen not in (OWN_FAMILY, "") and chosen not in self.cloud.images:
            chosen = ""
        return self.targets(chosen, self.selected_ids())

    def selected_with_targets(self):
        """(image, its replacement or None) for each selected image, for the template."""
        targets = self.preview_targets()
        images = self.cloud.images
        return [
            (images[image_id].image, images[target].image if target in images else None)
            for image_id, target in targets.items()
        ]

    def project_name(self, project_id):
        if self._project_names is None:
            self._project_names = project_names(self.request)
        return self._project_names.get(project_id) or project_id

    def impact(self):
        flavors = recommendable(
            self.flavors, private_usable=compute.private_flavors_usable(self.request)
        )
        return impact_of(self.cloud, self.preview_targets(), flavors)

    def impact_rows(self):
        """(impact, [(impacted instance, its project's name)]), sorted by project name."""
        impact = self.impact()
        rows = [(item, self.project_name(item.server.project_id)) for item in impact.instances]
        rows.sort(key=lambda row: (row[1].casefold(), row[0].server.name, row[0].server.id))
        return impact, rows

    # ---- validation

    def clean_deprecated_at(self):
        return _moment(self.cleaned_data.get("deprecated_at"))

    def clean_obsolete_at(self):
        return _moment(self.cleaned_data.get("obsolete_at"))

    def clean(self):
        cleaned = super().clean()
        image_ids = cleaned.get("images") or []
        replacement = cleaned.get("replacement") or None
        if image_ids and replacement:
            cleaned["targets"] = self.targets(replacement, image_ids)
            found = replacement_problem(self.cloud.images, cleaned["targets"])
            if found is not None:
                problem, culprit = found
                known = self.cloud.images.get(culprit)
                self.add_error(
                    "replacement",
                    REPLACEMENT_ERRORS[problem]
                    % {
                        "name": known.image.name if known else culprit[:80],
                        "families": ", ".join(family_labels(self.cloud.images, image_ids)),
                    },
                )
        else:
            cleaned["targets"] = dict.fromkeys(image_ids)
        deprecated_at = cleaned.get("deprecated_at")
        obsolete_at = cleaned.get("obsolete_at")
        if obsolete_at is not None and obsolete_at <= (deprecated_at or inventory.utcnow()):
            self.add_error(
                "obsolete_at",
                _("The obsolete date must be later than the date the deprecation takes effect."),
            )
        changed = replacement != (cleaned.get("previewed_replacement") or None)
        # This very page shows the impact of the chosen replacement: it counts as previewed.
        self.data["previewed_replacement"] = replacement or ""
        if changed and not self.errors:
            raise ValidationError(
                _(
                    "The impact preview now shows the replacement you chose: check it, then "
                    "submit again."
                ),
                code="preview",
            )
        return cleaned

    # ---- writing

    def failure_message(self, name):
        return _("Unable to deprecate image %s.") % name

    def done_message(self, names):
        return ngettext(
            "Deprecated image: %(names)s.", "Deprecated images: %(names)s.", len(names)
        ) % {"names": ", ".join(names)}

    def handle(self, request, data):
        now = inventory.utcnow()
        signer = lifecycle_api.record_signer()
        done = []
        for image_id in data["images"]:
            name = self.cloud.images[image_id].image.name
            try:
                lifecycle_api.update_image(
                    request,
                    image_id,
                    lambda image: plan_deprecation(
                        image,
                        obsolete=self.obsolete,
                        replacement_id=data["targets"].get(image.id),
                        reason=data.get("reason"),
                        user_id=request.user.id,
                        now=now,
                        signer=signer,
                        deprecated_at=data.get("deprecated_at"),
                        obsolete_at=data.get("obsolete_at"),
                    ),
                )
            except Exception:
                exceptions.handle(request, self.failure_message(name))
                break
            done.append(name)
        if done:
            messages.success(request, self.done_message(done))
        # False: Horizon shows the form again, with its input, under the error message.
        return len(done) == len(data["images"])


class ObsoleteForm(DeprecateForm):
    """Deprecate, mark obsolete now, and deactivate in Glance (no launches, no downloads)."""

    obsolete = True

    def failure_message(self, name):
        return _("Unable to mark image %s obsolete.") % name

    def done_message(self, names):
        return ngettext(
            "Marked image obsolete: %(names)s.", "Marked images obsolete: %(names)s.", len(names)
        ) % {"names": ", ".join(names)}


METADATA_ERRORS = {
    "image_build_date": DATE_ERROR,
    "provided_until": _('Enter a date as YYYY-MM-DD, or "none", or "notice".'),
    "maintained_until": _('Enter a date as YYYY-MM-DD, or "none", or "notice".'),
    "replace_frequency": _("Choose one of the SCS replace frequencies."),
}


class PatchMetadataForm(forms.SelfHandlingForm):
    """SCS patch metadata of one image; an emptied field removes its property."""

    image_name = django_forms.CharField(
        label=_("Family (image_name)"),
        required=False,
        max_length=255,
        help_text=_("Builds with the same family name are one lineage."),
    )
    image_build_date = django_forms.CharField(
        label=_("Build date"), required=False, help_text=_("YYYY-MM-DD")
    )
    patchlevel = django_forms.CharField(label=_("Patch level"), required=False, max_length=255)
    replace_frequency = django_forms.ChoiceField(label=_("Replace frequency"), required=False)
    provided_until = django_forms.CharField(
        label=_("Provided until"),
        required=False,
        help_text=_('YYYY-MM-DD, "none" (no promise) or "notice" (until further notice).'),
    )
    maintained_until = django_forms.CharField(
        label=_("Maintained until"),
        required=False,
        help_text=_('YYYY-MM-DD, "none" (no promise) or "notice" (until further notice).'),
    )

    def __init__(self, request, *args, image, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.image = image
        choices = [("", _("(not set)"))] + [(item.value, item.value) for item in ReplaceFrequency]
        # A value Glance holds that is not an SCS frequency stays visible, to be fixed.
        current = image.properties.get("replace_frequency")
        if current and current.lower() not in {value for value, _label in choices}:
            choices.append((current, _("%s (not valid)") % current))
        self.fields["replace_frequency"].choices = choices
        # The values the dialog showed go back with the form (Django's hidden initials), so a
        # save writes only what this admin changed: another admin's edit of another key
        # since the dialog opened is kept, not overwritten with the value shown here.
        for key in METADATA_KEYS:
            self.fields[key].show_hidden_initial = True

    def _clean_value(self, key):
        value = self.cleaned_data.get(key)
        try:
            metadata_value(key, value)
        except MetadataError as error:
            raise ValidationError(METADATA_ERRORS[key], code="invalid") from error
        return value

    def clean_image_build_date(self):
        return self._clean_value("image_build_date")

    def clean_provided_until(self):
        return self._clean_value("provided_until")

    def clean_maintained_until(self):
        return self._clean_value("maintained_until")

    def clean_replace_frequency(self):
        return self._clean_value("replace_frequency")

    def edited_keys(self):
        """Keys changed from what the dialog showed; every key when a client (a script, an
        old page) sent no shown values, compared then with the image as Glance holds it."""
        return [
            key
            for key in METADATA_KEYS
            if key in self.changed_data or self[key].html_initial_name not in self.data
        ]

    def handle(self, request, data):
        try:
            edits = {key: data.get(key) for key in self.edited_keys()}
            image, patch = lifecycle_api.update_image(
                request, self.image.id, lambda image: plan_metadata(image, edits)
            )
        except Exception:
            exceptions.handle(
                request, _("Unable to update the patch metadata of %s.") % self.image.name
            )
            return False
        if patch.empty:
            messages.info(request, _("Nothing changed on %s.") % image.name)
        else:
            messages.success(request, _("Updated the patch metadata of %s.") % image.name)
        return True
