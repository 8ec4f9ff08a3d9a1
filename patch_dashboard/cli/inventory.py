"""One listing per service, then the core: what every command starts from (the CLI's
counterpart of ``patch_dashboard.api.inventory.load``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from osc_lib import exceptions

from patch_dashboard.cli.cloud import Cloud, ServiceError
from patch_dashboard.lifecycle import (
    CloudAssessment,
    FlavorRecord,
    ImageAssessment,
    ImageRecord,
    assess_cloud,
)

LOG = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Inventory:
    images: list[ImageRecord]
    flavors: list[FlavorRecord]
    assessment: CloudAssessment
    private_flavors_usable: bool


def _listed(what: str, call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except ServiceError as error:
        raise exceptions.CommandError(error.describe()) from error
    except Exception as error:
        raise exceptions.CommandError("Unable to retrieve %s: %s" % (what, error)) from error


def load(
    cloud: Cloud,
    *,
    servers: bool = True,
    flavors: bool = False,
    all_projects: bool = False,
    project_id: str | None = None,
) -> Inventory:
    """Images (and servers, flavors) listed once each and assessed; a failed listing or a
    failure of the core is a :class:`CommandError` (exit code 1) naming what failed."""
    images = _listed("images", cloud.list_images)
    server_list = (
        _listed("instances", cloud.list_servers, all_projects=all_projects, project_id=project_id)
        if servers
        else []
    )
    flavor_list = _listed("flavors", cloud.list_flavors) if flavors else []
    private_usable = not _listed("your roles", cloud.is_admin) if flavors else True
    try:
        assessment = assess_cloud(
            images=images,
            servers=server_list,
            flavors=flavor_list,
            now=utcnow(),
            private_flavors_usable=private_usable,
        )
    except Exception as error:
        # The value that broke it is untrusted metadata, possibly megabytes of it: not echoed.
        LOG.debug("the lifecycle core failed on this listing", exc_info=True)
        raise exceptions.CommandError(
            "Unable to assess the patch state of the images and instances."
        ) from error
    return Inventory(images, flavor_list, assessment, private_usable)


def find_image(images: Mapping[str, ImageAssessment], name_or_id: str) -> ImageAssessment:
    """An image of the listing by id, else by its exact name (which must be unique)."""
    if name_or_id in images:
        return images[name_or_id]
    named = [assessment for assessment in images.values() if assessment.image.name == name_or_id]
    shown = name_or_id[:80]
    if not named:
        raise exceptions.CommandError("No image with a name or ID of %r is visible to you." % shown)
    if len(named) > 1:
        raise exceptions.CommandError(
            "More than one image is named %r: give its ID (%s)."
            % (shown, ", ".join(sorted(assessment.image.id for assessment in named)))
        )
    return named[0]
