"""Row actions that open Horizon's Angular Launch Instance wizard on a chosen image."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import tables
from openstack_dashboard import api


class LaunchWizardAction(tables.LinkAction):
    """Opens the wizard with an image pre-selected (``launchContext.imageId``), as Horizon's
    Images panel does (LaunchImageNG). Subclasses say which image, or None for no action."""

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

    def allowed(self, request, datum=None):
        if not api.base.is_service_enabled(request, "compute"):
            return False
        return datum is None or self.image_id_of(datum) is not None

    def get_link_url(self, datum=None):
        image_id = self.image_id_of(datum) if datum is not None else None
        if image_id is None:
            return "javascript:void(0);"
        self.attrs.update(
            {
                "ng-controller": "LaunchInstanceModalController as modal",
                # Both values are made by Horizon (a URL and a Glance UUID), never user text.
                "ng-click": "modal.openLaunchInstanceWizard({successUrl: '%s', imageId: '%s'})"
                % (reverse(self.success_url), image_id),
                "data-image-id": image_id,
                **self.extra_attrs(datum),
            }
        )
        return "javascript:void(0);"


class LaunchReplacement(LaunchWizardAction):
    """Outdated instance -> the wizard on its recommended image, the flavor named."""

    name = "launch_replacement"
    verbose_name = _("Launch Replacement")
    success_url = "horizon:project:outdated_instances:index"

    def image_id_of(self, datum):
        return datum.recommended_image_id or None

    def extra_attrs(self, datum):
        return {
            "title": _("Recommended flavor: %s") % (datum.recommended_flavor_name or "-"),
            "data-recommended-flavor": datum.recommended_flavor_name or "",
        }
