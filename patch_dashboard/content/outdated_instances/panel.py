import horizon
from django.utils.translation import gettext_lazy as _


class OutdatedInstances(horizon.Panel):
    name = _("Outdated Instances")
    slug = "outdated_instances"
    permissions = ("openstack.services.compute", "openstack.services.image")
    policy_rules = (("compute", "os_compute_api:servers:detail"),)
