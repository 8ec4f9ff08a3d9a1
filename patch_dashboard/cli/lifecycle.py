"""``openstack image deprecate``, ``image obsolete`` and ``image restore``.

The plans are the core's (:mod:`patch_dashboard.lifecycle.actions`), the very ones the
dashboard's Image Lifecycle panel carries out: the same JSON patches, the same record in
``patch_dashboard_applied``. Each image is planned from what Glance holds at that moment and
written with the user's token, so Glance's policy and property protections decide. The
first refusal stops the command (as the dashboard's form stops): the images before it are
done, the ones after it are not attempted, and the exit code is 1.
"""

from __future__ import annotations

import argparse

from osc_lib import exceptions
from osc_lib.cli import format_columns

from patch_dashboard.cli import inventory, output, signing
from patch_dashboard.cli.cloud import ServiceError
from patch_dashboard.cli.commands import PatchCommand
from patch_dashboard.lifecycle import recommendable
from patch_dashboard.lifecycle.actions import (
    APPLIED_KEY,
    Impact,
    PropertyPatch,
    ReplacementProblem,
    family_labels,
    impact_of,
    is_restorable,
    own_family_replacements,
    plan_deprecation,
    plan_restore,
    replacement_problem,
)
from patch_dashboard.lifecycle.properties import parse_datetime

COLUMNS = ("ID", "Name", "Result", "Replacement ID", "Patch", "Kept", "Impact")
REPLACEMENT_ERRORS = {
    ReplacementProblem.SELF: "An image cannot be its own replacement (%(name)s).",
    ReplacementProblem.NOT_FOUND: "The replacement image %(name)s was not found.",
    ReplacementProblem.UNUSABLE: (
        "%(name)s is deprecated, obsolete, end of life or not active: choose a usable build."
    ),
    ReplacementProblem.CYCLE: (
        "%(name)s is (through its own replacements) replaced by an image you are deprecating:"
        " this would form a cycle."
    ),
    ReplacementProblem.MIXED_FAMILIES: (
        "%(name)s cannot replace images of several families (%(families)s): leave out"
        " --replacement (each image then gets the newest usable build of its own family),"
        " or deprecate each family on its own."
    ),
}
FORBIDDEN_HINT = (
    "Glance's policy or property protections do not let your token write these properties"
    " (an admin's token is needed where the deprecation keys are protected)."
)


def moment(value: str):
    """``--at`` / ``--obsolete-at``: a date or ISO 8601 date and time (UTC unless zoned)."""
    try:
        return parse_datetime(value)
    except (ValueError, TypeError, OverflowError) as error:
        raise argparse.ArgumentTypeError(
            "%r is not a date: give YYYY-MM-DD or an ISO 8601 date and time" % value[:80]
        ) from error


def add_common(parser, *, what: str):
    parser.add_argument(
        "images", metavar="<image>", nargs="+", help="Image(s) to %s (name or ID)" % what
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Print the JSON patch of each image (and the instances it affects); write nothing",
    )
    parser.add_argument(
        "--signing-key-file",
        metavar="<file>",
        help=(
            "File holding Horizon's SECRET_KEY, to sign and verify the restore record as the"
            " dashboard does (Env: PATCH_DASHBOARD_SIGNING_KEY_FILE; the key itself may be"
            " given in PATCH_DASHBOARD_SIGNING_KEY)"
        ),
    )


def impact_cells(impact: Impact, image_id: str) -> format_columns.ListDictColumn:
    return format_columns.ListDictColumn(
        [
            {
                "instance_id": item.server.id,
                "instance": item.server.name,
                "project_id": item.server.project_id,
                "target_image_id": item.target_image.id if item.target_image else None,
                "target_flavor": item.target_flavor.name if item.target_flavor else None,
            }
            for item in impact.instances
            if item.image_id == image_id
        ]
    )


class LifecycleCommand(PatchCommand, output.Lister):
    """Shared by the three actions: signer, resolving images, writing and reporting."""

    def signer(self, parsed_args):
        try:
            return signing.record_signer(parsed_args.signing_key_file)
        except signing.SigningKeyError as error:
            raise exceptions.CommandError(str(error)) from error

    def warn(self, message: str) -> None:
        self.app.stderr.write(message + "\n")

    def resolve(self, loaded, names) -> list[str]:
        ids = [inventory.find_image(loaded.assessment.images, name).image.id for name in names]
        return list(dict.fromkeys(ids))

    def write(self, cloud, image_id: str, name: str, patch: PropertyPatch) -> str | None:
        """Carry out one plan; the reason it failed, or None."""
        try:
            cloud.apply(image_id, patch)
        except ServiceError as error:
            hint = " " + FORBIDDEN_HINT if error.forbidden else ""
            return "%s%s" % (error.describe(), hint)
        return None

    def results(self, cloud, planned, *, dry_run: bool, done_word: str, impact=None):
        """Rows for (image id, name, replacement id, plan or refusal); writes unless dry."""
        rows = []
        stopped = False
        for image_id, name, replacement_id, plan in planned:
            kept = None
            if stopped:
                result, patch = "not attempted", None
            elif isinstance(plan, str):
                result, patch = "refused: " + plan, None
                self.warn("Image %s: %s" % (name, plan))
                stopped = True
            else:
                patch = plan
                kept = format_columns.ListColumn(list(plan.kept))
                if plan.empty:
                    result = "nothing to change"
                elif dry_run:
                    result = "dry run: would be " + done_word
                else:
                    failure = self.write(cloud, image_id, name, plan)
                    if failure is None:
                        result = done_word
                    else:
                        result = "failed: " + failure
                        self.warn("Image %s: %s" % (name, failure))
                        stopped = True
            if stopped:
                self.exit_code = 1
            rows.append(
                (
                    image_id,
                    name,
                    result,
                    replacement_id,
                    format_columns.ListDictColumn(patch.operations()) if patch else None,
                    kept,
                    impact_cells(impact, image_id) if impact is not None else None,
                )
            )
        return COLUMNS, rows


class DeprecateImage(LifecycleCommand):
    """Deprecate images: the dashboard's Deprecate action (same JSON patch, same record).

    Writes deprecation_state, deprecated_at, replaced_by, deprecation_reason, deprecated_by
    and Glance's native effect (os_hidden true, os_purpose generic -> oldgeneric), unless
    --at is in the future: a future deprecation announces itself only. Each image's
    replacement defaults to the newest usable build of its own family.
    """

    obsolete = False
    done_word = "deprecated"
    examples = """
  openstack image deprecate "Ubuntu 24.04 20261024" --reason "CVE-2026-1234 in openssl"
  openstack image deprecate old-build --replacement new-build --reason "Superseded" \\
      --signing-key-file /etc/openstack-dashboard/.secret_key_store
  openstack image deprecate img-a img-b --reason "EOL kernel" --at 2027-01-31 \\
      --obsolete-at 2027-03-31 --dry-run -f json
"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_common(parser, what="mark obsolete" if self.obsolete else "deprecate")
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument(
            "--replacement",
            metavar="<image>",
            help="Image replacing them all (name or ID; images of one family only)."
            " Default: the newest usable build of each image's own family",
        )
        choice.add_argument("--no-replacement", action="store_true", help="Name no replacement")
        parser.add_argument(
            "--reason",
            metavar="<text>",
            required=not self.obsolete,
            help="Shown to users; may list CVEs"
            + (" (default: the reason the image already has)" if self.obsolete else ""),
        )
        if not self.obsolete:
            parser.add_argument(
                "--at",
                metavar="<date>",
                type=moment,
                help="When it takes effect (default: now); a later date announces it",
            )
            parser.add_argument(
                "--obsolete-at",
                metavar="<date>",
                type=moment,
                help="When it becomes obsolete (later than --at)",
            )
        return parser

    def targets(self, loaded, image_ids, parsed_args) -> dict[str, str | None]:
        images = loaded.assessment.images
        if parsed_args.no_replacement:
            return dict.fromkeys(image_ids)
        if parsed_args.replacement:
            replacement = inventory.find_image(images, parsed_args.replacement).image.id
            targets: dict[str, str | None] = dict.fromkeys(image_ids, replacement)
        else:
            targets = own_family_replacements(images, image_ids)
        found = replacement_problem(images, targets)
        if found is not None:
            problem, culprit = found
            known = images.get(culprit)
            raise exceptions.CommandError(
                REPLACEMENT_ERRORS[problem]
                % {
                    "name": known.image.name if known else culprit[:80],
                    "families": ", ".join(family_labels(images, image_ids)),
                }
            )
        return targets

    def take_action(self, parsed_args):
        cloud = self.cloud
        signer = self.signer(parsed_args)
        deprecated_at = getattr(parsed_args, "at", None)
        obsolete_at = getattr(parsed_args, "obsolete_at", None)
        now = inventory.utcnow()
        if obsolete_at is not None and obsolete_at <= (deprecated_at or now):
            raise exceptions.CommandError(
                "The obsolete date must be later than the date the deprecation takes effect."
            )
        admin = parsed_args.dry_run and cloud.is_admin()
        loaded = inventory.load(
            cloud, servers=parsed_args.dry_run, flavors=parsed_args.dry_run, all_projects=admin
        )
        image_ids = self.resolve(loaded, parsed_args.images)
        targets = self.targets(loaded, image_ids, parsed_args)
        if not signer.signed:
            self.warn(
                "No signing key given: the record of this change is written unsigned, so a"
                " restore (here or in the dashboard) can only remove the deprecation keys;"
                " os_hidden, os_purpose and a deactivation would stay."
            )
        planned = []
        for image_id in image_ids:
            name = loaded.assessment.images[image_id].image.name
            try:
                image = cloud.get_image(image_id)
            except ServiceError as error:
                planned.append((image_id, name, targets[image_id], error.describe()))
                continue
            if not signer.signed and APPLIED_KEY in image.properties:
                planned.append(
                    (
                        image_id,
                        name,
                        targets[image_id],
                        "it carries a restore record, which cannot be verified and carried"
                        " forward without the signing key: give --signing-key-file (writing"
                        " over it would lose what a restore needs)",
                    )
                )
                continue
            reason = parsed_args.reason or image.deprecation_reason
            if not reason:
                planned.append(
                    (image_id, name, targets[image_id], "it has no reason yet: give --reason")
                )
                continue
            plan = plan_deprecation(
                image,
                obsolete=self.obsolete,
                replacement_id=targets[image_id],
                reason=reason,
                user_id=cloud.user_id,
                now=inventory.utcnow(),
                signer=signer,
                deprecated_at=deprecated_at,
                obsolete_at=obsolete_at,
            )
            planned.append((image_id, name, targets[image_id], plan))
        impact = None
        if parsed_args.dry_run:
            flavors = recommendable(loaded.flavors, private_usable=loaded.private_flavors_usable)
            impact = impact_of(loaded.assessment, targets, flavors)
        return self.results(
            cloud, planned, dry_run=parsed_args.dry_run, done_word=self.done_word, impact=impact
        )


class ObsoleteImage(DeprecateImage):
    """Mark images obsolete: deprecate them now and deactivate them in Glance.

    The dashboard's Mark Obsolete: a deactivated image can be neither launched nor
    downloaded. Without --reason the reason the image already has is kept.
    """

    obsolete = True
    done_word = "obsolete"
    examples = """
  openstack image obsolete "Fedora 40"
  openstack image obsolete img-a img-b --reason "No more updates" --dry-run
"""


class RestoreImage(LifecycleCommand):
    """Undo what deprecate and obsolete did, exactly as recorded (the dashboard's Restore).

    Restore acts on the record in patch_dashboard_applied only when it verifies with the
    signing key (Horizon's SECRET_KEY): then every key it changed goes back to its value
    before (a key someone else changed since is kept, and listed), and an image it
    deactivated is reactivated. Without a record that verifies, restore refuses, unless
    --without-record asks it to remove the deprecation keys only.
    """

    examples = """
  openstack image restore "Ubuntu 24.04 20261024" \\
      --signing-key-file /etc/openstack-dashboard/.secret_key_store
  PATCH_DASHBOARD_SIGNING_KEY_FILE=/etc/openstack-dashboard/.secret_key_store \\
      openstack image restore img-a img-b --dry-run -f json
  openstack image restore img-deprecated-by-another-tool --without-record
"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_common(parser, what="restore")
        parser.add_argument(
            "--without-record",
            action="store_true",
            help="For an image without a record that verifies: remove the deprecation keys"
            " only (os_hidden, os_purpose and the Glance status stay as they are)",
        )
        return parser

    def take_action(self, parsed_args):
        cloud = self.cloud
        signer = self.signer(parsed_args)
        loaded = inventory.load(cloud, servers=False)
        planned = []
        for image_id in self.resolve(loaded, parsed_args.images):
            name = loaded.assessment.images[image_id].image.name
            try:
                image = cloud.get_image(image_id)
            except ServiceError as error:
                planned.append((image_id, name, None, error.describe()))
                continue
            if not is_restorable(image):
                planned.append((image_id, name, None, PropertyPatch()))
                continue
            plan = plan_restore(image, signer=signer)
            if plan.unrecorded and not parsed_args.without_record:
                why = (
                    "no signing key was given"
                    if not signer.signed
                    else "its record was not signed with this key for this image"
                    if APPLIED_KEY in image.properties
                    else "it has no record of what was changed"
                )
                planned.append(
                    (
                        image_id,
                        name,
                        None,
                        "restore refuses: %s, so what deprecate changed cannot be proven."
                        " Give --signing-key-file with Horizon's SECRET_KEY, or"
                        " --without-record to remove the deprecation keys only." % why,
                    )
                )
                continue
            planned.append((image_id, name, None, plan))
        return self.results(cloud, planned, dry_run=parsed_args.dry_run, done_word="restored")
