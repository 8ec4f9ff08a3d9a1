"""``openstack server outdated list``: the rows of the dashboard's Outdated Instances."""

from __future__ import annotations

from osc_lib import exceptions
from osc_lib.cli import format_columns

from patch_dashboard.api import instance_rows
from patch_dashboard.cli import inventory, output
from patch_dashboard.cli.cloud import ServiceError
from patch_dashboard.cli.commands import PatchCommand

COLUMNS = (
    "ID",
    "Name",
    "Project ID",
    "Project",
    "Image ID",
    "Image",
    "State",
    "Reason Codes",
    "Reasons",
    "Days Behind",
    "Builds Behind",
    "Recommended Image ID",
    "Recommended Image",
    "Recommended Flavor ID",
    "Recommended Flavor",
    "Flavor",
)


def server_row(row: instance_rows.InstanceRow) -> tuple:
    return (
        row.id,
        row.name,
        row.project_id,
        row.project_name,
        row.image_id,
        row.image_name,
        row.state_code,
        format_columns.ListColumn([reason.value for reason in row.reasons]),
        format_columns.ListColumn(list(row.reason_texts)),
        row.days_behind,
        row.builds_behind,
        row.recommended_image_id,
        row.recommended_image_name,
        row.recommended_flavor_id,
        row.recommended_flavor_name,
        row.flavor_name,
    )


class ListOutdatedServer(PatchCommand, output.Lister):
    """List instances whose image is not current, why, and what to move them to.

    The same rows as the dashboard's Outdated Instances (and its
    /api/patch_dashboard/instances/?outdated=1): the image's state, the reasons (codes and
    texts, most severe first), days and builds behind, the recommended image and the flavor
    that fits it (the current one when it fits).
    """

    examples = """
  openstack server outdated list
  openstack server outdated list -f json > outdated.json
  openstack server outdated list --all-projects -c Name -c Project -c "Reason Codes"
  openstack server outdated list --project beta -f csv > beta-outdated.csv
"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument(
            "--all-projects",
            action="store_true",
            help="Instances of every project (admin only)",
        )
        scope.add_argument(
            "--project",
            metavar="<project>",
            help="Instances of this project (name or ID; admin only)",
        )
        return parser

    def take_action(self, parsed_args):
        cloud = self.cloud
        project_id = None
        if parsed_args.project:
            try:
                project_id = cloud.find_project(parsed_args.project)
            except ServiceError as error:
                raise exceptions.CommandError(error.describe()) from error
        loaded = inventory.load(
            cloud,
            flavors=True,
            all_projects=parsed_args.all_projects,
            project_id=project_id,
        )
        names = cloud.project_names() if (parsed_args.all_projects or project_id) else None
        rows = instance_rows.instance_rows(loaded.assessment, project_names=names)
        return COLUMNS, [server_row(row) for row in rows if row.outdated]
