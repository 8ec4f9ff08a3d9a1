import horizon
from django.utils.translation import gettext_lazy as _


class ImageLifecycle(horizon.Panel):
    """Admin > Compute > Image Lifecycle: deprecate, obsolete, restore, patch metadata."""

    name = _("Image Lifecycle")
    slug = "image_lifecycle"
    permissions = ("openstack.services.image",)
    # One rule of two checks, so both must hold (Horizon ORs the top-level rules). Horizon
    # checks it on every URL of the panel, so a member's forged POST is refused by the view
    # before any form runs; Glance checks again.
    policy_rules = ((("image", "context_is_admin"), ("image", "modify_image")),)
