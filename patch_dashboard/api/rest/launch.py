"""Launch guidance for Horizon's Launch Instance wizard, as JSON under ``/api/patch_dashboard/``.

``images/states/``: every image the user can see with its patch state, reason and place in
its family (one Glance listing), for the badges and the order of the Source step.
``images/<id>/guidance/[?flavor_id=]``: one image's state and reason, the build to move to,
the flavor to use and why it fits, and why each other flavor does not (one Glance and one
Nova listing). The rules all come from :mod:`patch_dashboard.lifecycle`; this module only
fetches with the user's token, calls the core and words the answer.
"""

import logging
import uuid
from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.views import generic
from openstack_dashboard import policy
from openstack_dashboard.api.rest import urls
from openstack_dashboard.api.rest import utils as rest_utils

from patch_dashboard import conf, wording
from patch_dashboard.api import compute, inventory
from patch_dashboard.lifecycle import (
    FlavorRecord,
    ImageAssessment,
    ImageRecord,
    PatchState,
    flavor_fit,
    recommend_flavor,
    recommendable,
)

LOG = logging.getLogger(__name__)

# States the wizard warns about (UNKNOWN is shown as a badge, not as a warning).
NEEDS_ATTENTION = frozenset(
    {
        PatchState.OBSOLETE,
        PatchState.DEPRECATED,
        PatchState.END_OF_LIFE,
        PatchState.SUPERSEDED,
        PatchState.STALE,
    }
)
# What PATCH_DASHBOARD_BLOCK_DEPRECATED_LAUNCH refuses.
BLOCKABLE = frozenset({PatchState.DEPRECATED, PatchState.OBSOLETE})
IMAGE_RULES = (("image", "get_images"),)


# ---------------------------------------------------------------- fetching


def _check_policy(request) -> None:
    if not policy.check(IMAGE_RULES, request):
        raise rest_utils.AjaxError(403, _("You are not allowed to list images."))


def _fetch(request, *, with_flavors: bool):
    """Images (and flavors) assessed, through the plugin's one loader in its strict mode:
    a failed service or core is a JSON 503 (an expired token a 401), and the wizard shows
    no guidance. Returns (image id -> assessment, flavors or None)."""
    loaded = inventory.load(request, servers=False, flavors=with_flavors, strict=True)
    return loaded.assessment.images, loaded.flavors


def _valid_image_id(image_id: str) -> bool:
    # Glance image ids are UUIDs; anything else is a malformed request, not a missing image.
    try:
        uuid.UUID(image_id)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- answers


def _image_brief(assessment: ImageAssessment) -> dict:
    image = assessment.image
    return {
        "id": image.id,
        "name": image.name,
        "build_date": image.build_date.isoformat() if image.build_date else None,
        "state": assessment.state.value,
        "state_label": str(wording.STATE_LABELS[assessment.state]),
        "label_class": wording.STATE_LABEL_CLASS[assessment.state],
    }


def _latest(assessment: ImageAssessment, assessed: Mapping[str, ImageAssessment]):
    """The build to move to, when it is another visible image."""
    target = assessment.recommendation.image_id
    if target is None or target == assessment.image.id:
        return None
    return assessed.get(target)


def _image_state(
    assessment: ImageAssessment, assessed: Mapping[str, ImageAssessment], *, block: bool
) -> dict:
    latest = _latest(assessment, assessed)
    blocked = block and not BLOCKABLE.isdisjoint(assessment.flags)
    answer = _image_brief(assessment)
    answer.update(
        flags=sorted(flag.value for flag in assessment.flags),
        family=assessment.family.key,  # the older name of family_key
        family_key=assessment.family.key,
        family_label=assessment.family.label,
        family_builds=len(assessment.family.builds),
        reason=wording.state_reason(assessment, latest.image if latest else None),
        reasons=wording.state_reasons(assessment, latest.image if latest else None),
        deprecation_reason=assessment.image.deprecation_reason,
        needs_attention=assessment.state in NEEDS_ATTENTION,
        recommended=assessment.recommendation.image_id == assessment.image.id,
        recommended_image=_image_brief(latest) if latest else None,
        recommendation_problem=(
            {
                "problem": assessment.recommendation.problem.value,
                "image_id": assessment.recommendation.problem_id,
            }
            if assessment.recommendation.problem
            else None
        ),
        launch_blocked=blocked,
        block_reason=(
            _("Your cloud does not allow launching from deprecated or obsolete images.")
            if blocked
            else None
        ),
    )
    return answer


def _display_order(assessed: Mapping[str, ImageAssessment]) -> dict[str, int]:
    """Image id -> position: families together, the recommended build first in each,
    then the other builds newest first, snapshots last."""

    def key(assessment: ImageAssessment):
        family = assessment.family
        image = assessment.image
        if assessment.recommendation.image_id == image.id:
            rank = 0
        elif image.id in family.builds:
            rank = 1 + family.builds.index(image.id)
        else:
            rank = 1 + len(family.builds)
        return (family.label.casefold(), family.key, rank, image.name.casefold(), image.id)

    ordered = sorted(assessed.values(), key=key)
    return {assessment.image.id: index for index, assessment in enumerate(ordered)}


def _flavor_brief(flavor: FlavorRecord) -> dict:
    return {
        "id": flavor.id,
        "name": flavor.name,
        "vcpus": flavor.vcpus,
        "ram": flavor.ram,
        "disk": flavor.disk,
    }


@urls.register
class ImageStates(generic.View):
    """Patch state of every image the user can see, for the badges in image lists."""

    url_regex = r"patch_dashboard/images/states/$"

    @rest_utils.ajax()
    def get(self, request):
        _check_policy(request)
        assessed, _unused = _fetch(request, with_flavors=False)
        block = conf.block_deprecated_launch()
        order = _display_order(assessed)
        states = {}
        for image_id, assessment in assessed.items():
            states[image_id] = _image_state(assessment, assessed, block=block)
            states[image_id]["order"] = order[image_id]
        return {"block_deprecated_launch": block, "images": states}


@urls.register
class LaunchGuidance(generic.View):
    """One image: its state and reason, the build to move to, and the flavor to use.

    ``flavor_id`` (optional) is the flavor the user has now (say, of an instance being
    replaced); it is recommended again when it fits the image.
    """

    url_regex = r"patch_dashboard/images/(?P<image_id>[^/]+)/guidance/$"

    @rest_utils.ajax()
    def get(self, request, image_id):
        if not _valid_image_id(image_id):
            raise rest_utils.AjaxError(
                400, _("%s is not a valid image id.") % wording.echoed(image_id)
            )
        _check_policy(request)
        flavor_id = request.GET.get("flavor_id") or None
        assessed, flavor_list = _fetch(request, with_flavors=True)
        assessment = assessed.get(image_id)
        if assessment is None:
            raise rest_utils.AjaxError(
                404,
                _("Image %s was not found or is not visible to you.") % wording.echoed(image_id),
            )
        current = None
        if flavor_id is not None:
            current = next((f for f in flavor_list if f.id == flavor_id), None)
            if current is None:
                raise rest_utils.AjaxError(
                    400,
                    _("Flavor %s was not found or is not available to your project.")
                    % wording.echoed(flavor_id),
                )
        block = conf.block_deprecated_launch()
        answer = _image_state(assessment, assessed, block=block)
        answer["block_deprecated_launch"] = block
        latest = _latest(assessment, assessed)
        # The flavor rules read the image's hw_* values: the same guard as the assessment.
        flavors = inventory.assessed(
            self._flavors,
            image=assessment.image,
            latest=latest.image if latest else None,
            flavor_list=flavor_list,
            private_usable=compute.private_flavors_usable(request),
            current=current,
        )
        answer["recommended_flavor"] = flavors["recommended"]
        if latest is not None:
            answer["recommended_image"]["recommended_flavor"] = flavors["recommended_for_latest"]
        answer["flavors"] = flavors["all"]
        return answer

    @classmethod
    def _flavors(cls, *, image, latest, flavor_list, private_usable, current):
        """The flavor to use for the image (and for the build to move to), and why each
        listed flavor fits the image or not."""
        candidates = recommendable(flavor_list, private_usable=private_usable)
        return {
            "recommended": cls._recommended(image, candidates, current),
            "recommended_for_latest": (
                cls._recommended(latest, candidates, current) if latest is not None else None
            ),
            "all": [
                dict(
                    _flavor_brief(flavor),
                    fits=fit.fits,
                    reasons=[
                        {
                            "code": key,
                            "requirement": key,
                            "text": wording.misfit_text(key, image, flavor),
                        }
                        for key in fit.reasons
                    ],
                )
                for flavor, fit in ((f, flavor_fit(image, f)) for f in flavor_list)
            ],
        }

    @staticmethod
    def _recommended(image: ImageRecord, flavor_list, current: FlavorRecord | None):
        flavor = recommend_flavor(image, flavor_list, current=current)
        if flavor is None:
            return None
        kept = current is not None and flavor.id == current.id
        choice = (
            _("Your current flavor, and it fits the image.")
            if kept
            else _("The smallest flavor that fits the image.")
        )
        return dict(
            _flavor_brief(flavor),
            is_current=kept,
            choice=choice,
            why=wording.fit_texts(image, flavor),
        )
