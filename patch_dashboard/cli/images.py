"""``openstack image patch list`` and ``openstack image patch show``."""

from __future__ import annotations

from collections.abc import Mapping

from osc_lib.cli import format_columns

from patch_dashboard import wording
from patch_dashboard.cli import inventory, output
from patch_dashboard.cli.commands import PatchCommand
from patch_dashboard.lifecycle import ImageAssessment, PatchState

STATE_CODES = [state.value for state in PatchState]
LIST_COLUMNS = (
    "ID",
    "Name",
    "Family",
    "Family Key",
    "Build Date",
    "State",
    "Flags",
    "Reason",
    "Recommended Image ID",
    "Recommended Image",
    "Builds Behind",
    "Instances",
    "Status",
)


def latest(
    assessment: ImageAssessment, images: Mapping[str, ImageAssessment]
) -> ImageAssessment | None:
    """The build to move to, when it is another visible image (as the launch guidance)."""
    target = assessment.recommendation.image_id
    if target is None or target == assessment.image.id:
        return None
    return images.get(target)


def display_key(assessment: ImageAssessment):
    """Families together (by name), each family's builds newest first, snapshots after."""
    family, image = assessment.family, assessment.image
    position = family.builds.index(image.id) if image.id in family.builds else len(family.builds)
    return (family.label.casefold(), family.key, position, image.name.casefold(), image.id)


def matches_family(assessment: ImageAssessment, family: str) -> bool:
    """``--family``: the family's key, or its name in any case."""
    return family in (assessment.family.key,) or (
        assessment.family.label.casefold() == family.casefold()
    )


def image_row(assessment: ImageAssessment, images: Mapping[str, ImageAssessment]) -> tuple:
    image = assessment.image
    newer = latest(assessment, images)
    return (
        image.id,
        image.name,
        assessment.family.label,
        assessment.family.key,
        image.build_date.isoformat() if image.build_date else None,
        assessment.state.value,
        format_columns.ListColumn(sorted(flag.value for flag in assessment.flags)),
        wording.state_reason(assessment, newer.image if newer else None),
        newer.image.id if newer else None,
        newer.image.name if newer else None,
        assessment.builds_behind,
        assessment.instance_count,
        wording.glance_status(image.status, image.hidden),
    )


class ListImagePatch(PatchCommand, output.Lister):
    """List images with their patch state, family and recommended build.

    The state is the dashboard's (most severe first): obsolete, deprecated, end-of-life,
    superseded, stale, unknown or current; Flags lists every state that holds. Hidden images
    are listed too: deprecated builds are hidden, and instances still run on them.
    """

    examples = """
  openstack image patch list
  openstack image patch list --state superseded -f json
  openstack image patch list --family "Ubuntu 24.04" -c Name -c State -c Reason
  openstack image patch list --all-projects -f csv > images.csv
"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--family",
            metavar="<family>",
            help="Only the builds of this family (its name, or its key as in -f json)",
        )
        parser.add_argument(
            "--state",
            metavar="<state>",
            choices=STATE_CODES,
            help="Only images in this state: %s" % ", ".join(STATE_CODES),
        )
        parser.add_argument(
            "--all-projects",
            action="store_true",
            help="Count the instances of every project (admin only); default: your project's",
        )
        return parser

    def take_action(self, parsed_args):
        loaded = inventory.load(self.cloud, all_projects=parsed_args.all_projects)
        images = loaded.assessment.images
        chosen = sorted(images.values(), key=display_key)
        if parsed_args.family:
            chosen = [a for a in chosen if matches_family(a, parsed_args.family)]
        if parsed_args.state:
            chosen = [a for a in chosen if a.state.value == parsed_args.state]
        return LIST_COLUMNS, [image_row(assessment, images) for assessment in chosen]


def lineage(assessment: ImageAssessment, images: Mapping[str, ImageAssessment]) -> list[dict]:
    """The family's builds, newest first, each with its state."""
    recommended = assessment.family.newest_usable
    builds = []
    for image_id in assessment.family.builds:
        build = images.get(image_id)
        if build is None:
            continue
        builds.append(
            {
                "id": image_id,
                "name": build.image.name,
                "build_date": build.image.build_date.isoformat()
                if build.image.build_date
                else None,
                "state": build.state.value,
                "recommended": image_id == recommended,
            }
        )
    return builds


class ShowImagePatch(PatchCommand, output.ShowOne):
    """Show an image's patch state, why, and its family's lineage (newest build first).

    Values that could not be read are listed under "unreadable", shortened, as the image's
    page in the dashboard shows them.
    """

    examples = """
  openstack image patch show "Ubuntu 24.04 20260919"
  openstack image patch show 7a6d4562-7ee9-40f8-9d71-4fcbc1799856 -f json
  openstack image patch show "Debian 12" -c lineage -f yaml
"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="Image to show (name or ID)")
        return parser

    def take_action(self, parsed_args):
        loaded = inventory.load(self.cloud)
        images = loaded.assessment.images
        assessment = inventory.find_image(images, parsed_args.image)
        image = assessment.image
        newer = latest(assessment, images)
        problem = assessment.recommendation.problem
        shown = {
            "id": image.id,
            "name": image.name,
            "state": assessment.state.value,
            "flags": format_columns.ListColumn(sorted(flag.value for flag in assessment.flags)),
            "reasons": format_columns.ListDictColumn(
                wording.state_reasons(assessment, newer.image if newer else None)
            ),
            "family": assessment.family.label,
            "family_key": assessment.family.key,
            "build_date": image.build_date.isoformat() if image.build_date else None,
            "patchlevel": image.patchlevel,
            "replace_frequency": image.replace_frequency.value if image.replace_frequency else None,
            "deprecation_reason": image.deprecation_reason,
            "replaced_by": image.replaced_by,
            "recommended_image_id": newer.image.id if newer else None,
            "recommended_image": newer.image.name if newer else None,
            "recommendation_problem": problem.value if problem else None,
            "builds_behind": assessment.builds_behind,
            "instances": assessment.instance_count,
            "status": wording.glance_status(image.status, image.hidden),
            "visibility": image.visibility,
            "unreadable": format_columns.DictColumn(
                {key: wording.raw_value(value) for key, value in image.invalid.items()}
            ),
            "lineage": format_columns.ListDictColumn(lineage(assessment, images)),
        }
        return tuple(shown), tuple(shown.values())
