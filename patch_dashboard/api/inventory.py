"""What every plugin page and JSON endpoint needs: one list per service, in parallel, then
the core (the plugin's one loader, :func:`load`, and its one service-call guard, :func:`guarded`).

For a page, a failed service call becomes a Horizon error message and an empty (None) part;
the page shows what the other services returned. A failure inside the core (one value in any
image it could not cope with) becomes a Horizon error message and an empty assessment.
For a JSON endpoint (``strict``), either is a JSON 503 naming what failed, never a 500, and
an expired token stays a 401 (Horizon's JavaScript then sends the user to the login page).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from django.contrib import auth
from django.utils.translation import gettext_lazy as _
from horizon import exceptions, messages
from openstack_dashboard.api.rest import utils as rest_utils

from patch_dashboard.api import compute, images
from patch_dashboard.api.parallel import call_parallel
from patch_dashboard.lifecycle import (
    CloudAssessment,
    ComplianceCount,
    ComplianceSummary,
    FlavorRecord,
    ImageRecord,
    ServerRecord,
    assess_cloud,
)

LOG = logging.getLogger(__name__)

UNABLE_TO_ASSESS = _("Unable to assess the patch state of the images and instances.")
EMPTY_ASSESSMENT = CloudAssessment(
    images={},
    families={},
    instances=(),
    compliance=ComplianceSummary(overall=ComplianceCount(0, 0), by_project={}, by_family={}),
)


class AssessmentFailed(rest_utils.AjaxError):
    """The core raised on this listing. A JSON endpoint answers it as it is (503, the
    message); a page shows the message beside the rest of the page."""

    def __init__(self):
        super().__init__(503, str(UNABLE_TO_ASSESS))


def assessed(assess, /, **arguments):
    """``assess(**arguments)`` (a function of the core); whatever it raises is logged with
    its traceback and becomes :class:`AssessmentFailed`, whose message names no value:
    the value that broke it is untrusted metadata, possibly megabytes of it."""
    try:
        return assess(**arguments)
    except Exception as error:
        LOG.exception("patch_dashboard: the lifecycle core failed on this listing")
        raise AssessmentFailed() from error


@dataclass(frozen=True)
class Inventory:
    images: list[ImageRecord] | None  # None: the call failed
    servers: list[ServerRecord] | None
    flavors: list[FlavorRecord] | None
    assessment: CloudAssessment  # EMPTY_ASSESSMENT when the core failed
    assessed: bool = True  # False: the core failed; counts and shares would be wrong

    @property
    def complete(self) -> bool:
        """Images and instances both listed and assessed: the compliance figures hold."""
        return self.images is not None and self.servers is not None and self.assessed


def guarded(call, message, *, strict: bool = False):
    """``call(request, **kwargs)`` with its failures answered as a page or (``strict``) a
    JSON endpoint needs them."""

    def run(request, **kwargs):
        try:
            return call(request, **kwargs)
        except exceptions.UNAUTHORIZED as error:
            if strict:
                raise  # Horizon's REST layer answers 401
            # The token was revoked or expired early. Horizon alone answers 403 with a "Login"
            # link that leads back here (the session still looks logged in): end the session
            # so its middleware sends the user to the login page.
            auth.logout(request)
            raise exceptions.NotAuthenticated(_("Please log in again.")) from error
        except Exception as error:
            if strict:
                LOG.warning("patch_dashboard: %s: %s", message, error)
                raise rest_utils.AjaxError(503, str(message)) from error
            exceptions.handle(request, message)
            return None

    return run


SERVICE_CALLS = {
    "images": (images.list_images, _("Unable to retrieve images.")),
    "servers": (compute.list_servers, _("Unable to retrieve instances.")),
    "flavors": (compute.list_flavors, _("Unable to retrieve flavors.")),
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def load(
    request,
    *,
    servers: bool = True,
    flavors: bool = False,
    all_projects: bool = False,
    strict: bool = False,
) -> Inventory:
    """Fetch images (and servers, flavors) in parallel and assess them.

    ``strict`` (the JSON endpoints): a failed call or a failed assessment raises (a JSON 503
    or 401) instead of leaving its part empty.
    """

    def call(name, **kwargs):
        function, message = SERVICE_CALLS[name]
        return (guarded(function, message, strict=strict), [request], kwargs)

    calls = [call("images")]
    if servers:
        calls.append(call("servers", all_projects=all_projects))
    if flavors:
        calls.append(call("flavors"))
    results = list(call_parallel(*calls))
    image_list = results.pop(0)
    server_list = results.pop(0) if servers else None
    flavor_list = results.pop(0) if flavors else None
    try:
        assessment = assessed(
            assess_cloud,
            images=image_list or [],
            servers=server_list or [],
            flavors=flavor_list or [],
            now=utcnow(),
            private_flavors_usable=compute.private_flavors_usable(request),
        )
    except AssessmentFailed as failure:
        if strict:
            raise
        messages.error(request, str(failure))
        return Inventory(image_list, server_list, flavor_list, EMPTY_ASSESSMENT, assessed=False)
    return Inventory(image_list, server_list, flavor_list, assessment)
