"""The domain core: plain Python, no Django, no Horizon, no clients.

properties -> records -> families -> states -> recommendations -> compliance (docs/design.md).
"""

from patch_dashboard.lifecycle.assess import assess_cloud, assess_images
from patch_dashboard.lifecycle.families import DELETED_FAMILY, NO_IMAGE_FAMILY, UNLISTED_FAMILY
from patch_dashboard.lifecycle.flavors import flavor_fit, recommend_flavor, recommendable
from patch_dashboard.lifecycle.model import (
    ChainProblem,
    CloudAssessment,
    ComplianceCount,
    ComplianceSummary,
    DeprecationState,
    Family,
    FlavorFit,
    FlavorRecord,
    ImageAssessment,
    ImageRecord,
    InstanceAssessment,
    OutdatedReason,
    PatchState,
    Recommendation,
    ReplaceFrequency,
    ServerRecord,
)
from patch_dashboard.lifecycle.properties import parse_flavor, parse_image, parse_server
from patch_dashboard.lifecycle.states import end_of_life_date

__all__ = [
    "DELETED_FAMILY",
    "NO_IMAGE_FAMILY",
    "UNLISTED_FAMILY",
    "ChainProblem",
    "CloudAssessment",
    "ComplianceCount",
    "ComplianceSummary",
    "DeprecationState",
    "Family",
    "FlavorFit",
    "FlavorRecord",
    "ImageAssessment",
    "ImageRecord",
    "InstanceAssessment",
    "OutdatedReason",
    "PatchState",
    "Recommendation",
    "ReplaceFrequency",
    "ServerRecord",
    "assess_cloud",
    "assess_images",
    "flavor_fit",
    "parse_flavor",
    "parse_image",
    "parse_server",
    "end_of_life_date",
    "recommend_flavor",
    "recommendable",
]
