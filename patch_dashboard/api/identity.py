"""Keystone: the names people read where the other services give project ids."""

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from openstack_dashboard import api
from openstack_dashboard.contrib.developer.profiler import api as profiler


@profiler.trace
def project_names(request) -> dict[str, str]:
    """Project id -> name, from one Keystone list (an admin's: every project).

    An enrichment: when Keystone fails, the page says so and shows ids instead.
    """
    try:
        projects, _more = api.keystone.tenant_list(request)
    except Exception:
        exceptions.handle(request, _("Unable to retrieve project names."))
        return {}
    return {project.id: project.name for project in projects}
