import horizon
from django.utils.translation import gettext_lazy as _


class PatchCompliance(horizon.Panel):
    name = _("Patch Compliance")
    slug = "patch_compliance"
    permissions = ("openstack.roles.admin", "openstack.services.compute")
    policy_rules = (("compute", "context_is_admin"),)
