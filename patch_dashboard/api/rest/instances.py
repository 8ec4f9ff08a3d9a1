"""The logged-in user's project, assessed, as JSON for automation.

``GET /api/patch_dashboard/instances/[?outdated=1]``: every instance of the project with its
image state, why it is outdated, and the recommended image and flavor, plus the project's
compliance figures. One listing per service, with the user's token; a failed service call
is a 503 naming the service (an expired token stays a 401), and a failure inside the
assessment a 503 saying so, never a 500.
"""

from django.views import generic
from openstack_dashboard.api.rest import urls
from openstack_dashboard.api.rest import utils as rest_utils

from patch_dashboard.api import instance_rows, inventory


@urls.register
class ProjectInstances(generic.View):
    url_regex = r"patch_dashboard/instances/$"

    @rest_utils.ajax()
    def get(self, request):
        cloud = inventory.load(request, flavors=True, strict=True).assessment
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
