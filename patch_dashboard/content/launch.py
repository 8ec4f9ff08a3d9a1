"""Row actions that open Horizon's Angular Launch Instance wizard on a chosen image."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import tables
from openstack_dashboard import api


def angular_string(value: str) -> str:
    """``value`` as a string literal in an Angular expression, whatever it holds (a flavor's
    id and name are an admin's free text): every character but ASCII letters, digits, ``-``,
    ``_`` and ``.`` is written as a ``\\uXXXX`` escape (UTF-16, as Angular reads them), so no
    quote, brace or markup reaches the expression or the HTML attribute around it."""
    units = value.encode("utf-16-be")
    text = []
    for index in range(0, len(units), 2):
        code = int.from_bytes(units[index : index + 2], "big")
        char = chr(code)
        text.append(
            char if char.isascii() and (char.isalnum() or char in "-_.") else "\\u%04x" % code
        )
    return "'%s'" % "".join(text)


class LaunchWizardAction(tables.LinkAction):
    """Opens the wizard with an image pre-selected (``launchContext.imageId``), as Horizon's
    Images panel does (LaunchImageNG). Subclasses say which image, or None for no action, and
    may hand the wizard more of the launchContext (``launch_context``)."""

    classes = ("btn-launch",)
    icon = "cloud-upload"
    ajax = False
    policy_rules = (("compute", "os_compute_api:servers:create"),)
    success_url = "horizon:project:instances:index"  # where the wizard goes after launching

    def __init__(self, attrs=None, **kwargs):
        kwargs["preempt"] = True
        super().__init__(attrs, **kwargs)

    def image_id_of(self, datum):
        raise NotImplementedError

    def extra_attrs(self, datum):
        return {}

    def launch_context(self, datum) -> dict[str, str]:
        """More launchContext keys for the plugin's wizard module (values are any text)."""
        return {}

    def allowed(self, request, datum=None):
        if not api.base.is_service_enabled(request, "compute"):
            return False
        return datum is None or self.image_id_of(datum) is not None

    def get_link_url(self, datum=None):
        image_id = self.image_id_of(datum) if datum is not None else None
        if image_id is None:
            return "javascript:void(0);"
        # The URL and the Glance UUID are made by Horizon, never user text; the other values
        # may be anything, so they are escaped.
        context = "successUrl: '%s', imageId: '%s'" % (reverse(self.success_url), image_id)
        for key, value in self.launch_context(datum).items():
            context += ", %s: %s" % (key, angular_string(value))
        self.attrs.update(
            {
                "ng-controller": "LaunchInstanceModalController as modal",
                "ng-click": "modal.openLaunchInstanceWizard({%s})" % context,
                "data-image-id": image_id,
                **self.extra_attrs(datum),
            }
        )
        return "javascript:void(0);"


class LaunchReplacement(LaunchWizardAction):
    """Outdated instance -> the wizard on its recommended image, with the flavor the row
    recommends allocated (``flavorId``) and the instance's flavor (``currentFlavorName``) for
    the wizard's guidance, which then marks the same flavor: the current one when it fits the
    image, else the smallest that fits (static/dashboard/patch_dashboard/launch/, the handoff
    service). Nova's flavor names are unique; the row has the current flavor by name only."""

    name = "launch_replacement"
    verbose_name = _("Launch Replacement")
    success_url = "horizon:project:outdated_instances:index"

    def image_id_of(self, datum):
        return datum.recommended_image_id or None

    def extra_attrs(self, datum):
        return {"title": _("Recommended flavor: %s") % (datum.recommended_flavor_name or "-")}

    def launch_context(self, datum):
        context = {"flavorId": datum.recommended_flavor_id, "currentFlavorName": datum.flavor_name}
        return {key: value for key, value in context.items() if value}
