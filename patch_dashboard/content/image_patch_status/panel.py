import horizon
from django.utils.translation import gettext_lazy as _


class ImagePatchStatus(horizon.Panel):
    name = _("Image Patch Status")
    slug = "image_patch_status"
    permissions = ("openstack.services.image",)
    policy_rules = (("image", "get_images"),)
