"""What every plugin page needs: one list per service, in parallel, then the core.

A failed service call becomes a Horizon error message and an empty (None) part; the page
shows what the other services returned.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

from django.contrib import auth
from django.utils.translation import gettext_lazy as _
from horizon import exceptions

from patch_dashboard.api import compute, images
from patch_dashboard.api.parallel import call_parallel
from patch_dashboard.lifecycle import (
    CloudAssessment,
    FlavorRecord,
    ImageRecord,
    ServerRecord,
    assess_cloud,
)


@dataclass(frozen=True)
class Inventory:
    images: list[ImageRecord] | None  # None: the call failed
    servers: list[ServerRecord] | None
    flavors: list[FlavorRecord] | None
    assessment: CloudAssessment


def _guarded(call, message):
    def run(request, **kwargs):
        try:
            return call(request, **kwargs)
        except exceptions.UNAUTHORIZED as error:
            # The token was revoked or expired early. Horizon alone answers 403 with a "Login"
            # link that leads back here (the session still looks logged in): end the session
            # so its middleware sends the user to the login page.
            auth.logout(request)
            raise exceptions.NotAuthenticated(_("Please log in again.")) from error
        except Exception:
            exceptions.handle(request, message)
            return None

    return run


_list_images = _guarded(images.list_images, _("Unable to retrieve images."))
_list_servers = _guarded(compute.list_servers, _("Unable to retrieve instances."))
_list_flavors = _guarded(compute.list_flavors, _("Unable to retrieve flavors."))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def load(request, *, servers: bool = True, flavors: bool = False, all_projects: bool = False):
    """Fetch images (and servers, flavors) in parallel and assess them."""
    calls = [(_list_images, [request])]
    if servers:
        calls.append((_list_servers, [request], {"all_projects": all_projects}))
    if flavors:
        calls.append((_list_flavors, [request]))
    results = list(call_parallel(*calls))
    image_list = results.pop(0)
    server_list = results.pop(0) if servers else None
    flavor_list = results.pop(0) if flavors else None
    assessment = assess_cloud(
        images=image_list or [],
        servers=server_list or [],
        flavors=flavor_list or [],
        now=utcnow(),
        private_flavors_usable=compute.private_flavors_usable(request),
    )
    return Inventory(image_list, server_list, flavor_list, assessment)
