"""The logged-in user's project, assessed, as JSON for automation.

``GET /api/patch_dashboard/instances/[?outdated=1]``: every instance of the project with its
image state, why it is outdated, and the recommended image and flavor, plus the project's
compliance figures. One listing per service, with the user's token; a failed service call
is a 503 naming the service (an expired token stays a 401), and a failure inside the
assessment a 503 saying so, never a 500.
"""

from django.utils.translation import gettext as _
from django.views import generic
from horizon import exceptions
from openstack_dashboard.api.rest import urls
from openstack_dashboard.api.rest import utils as rest_utils

from patch_dashboard.api import compute, images, instance_rows, inventory
from patch_dashboard.api.parallel import call_parallel
from patch_dashboard.lifecycle import assess_cloud


def _strict(call, message, **kwargs):
    def run(request):
        try:
            return call(request, **kwargs)
        except exceptions.UNAUTHORIZED:
            raise
        except Exception as error:
            raise rest_utils.AjaxError(503, message) from error

    return run


@urls.register
class ProjectInstances(generic.View):
    url_regex = r"patch_dashboard/instances/$"

    @rest_utils.ajax()
    def get(self, request):
        image_list, server_list, flavor_list = call_parallel(
            (_strict(images.list_images, _("Unable to retrieve images.")), [request]),
            (_strict(compute.list_servers, _("Unable to retrieve instances.")), [request]),
            (_strict(compute.list_flavors, _("Unable to retrieve flavors.")), [request]),
        )
        cloud = inventory.assessed(
            assess_cloud,
            images=image_list,
            servers=server_list,
            flavors=flavor_list,
            now=inventory.utcnow(),
            private_flavors_usable=compute.private_flavors_usable(request),
        )
        rows = instance_rows.instance_rows(cloud)
        if request.GET.get("outdated") in ("1", "true", "yes"):
            rows = [row for row in rows if row.outdated]
        count = cloud.compliance.overall
        return {
            "project_id": request.user.project_id,
            "compliance": {
                "current": count.current,
                "total": count.total,
                "share": count.share,
            },
            "items": [row.as_dict() for row in rows],
        }
