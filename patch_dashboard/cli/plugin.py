"""OpenStackClient plugin interface (``openstack.cli.extension``: ``patch``).

The commands themselves are registered in OSC's own groups (``openstack.image.v2``,
``openstack.compute.v2``, see setup.py), so they read as ``openstack image patch list`` and
``openstack server outdated list``. This module gives them their client: a
:class:`~patch_dashboard.cli.cloud.Cloud` over the session's openstacksdk connection
(clouds.yaml / ``OS_*`` as every OSC command).
"""

from __future__ import annotations

import argparse
from typing import Any

from osc_lib import utils

DEFAULT_API_VERSION = "1"
API_NAME = "patch"
API_VERSION_OPTION = "os_patch_api_version"
API_VERSIONS = {"1": "patch_dashboard.cli.cloud.Cloud"}


def make_client(instance: Any) -> Any:
    """The CLI's client: the listings and writes over the session's SDK connection."""
    from patch_dashboard.cli.cloud import Cloud

    return Cloud(instance.sdk_connection)


def build_option_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--os-patch-api-version",
        metavar="<patch-api-version>",
        default=utils.env("OS_PATCH_API_VERSION"),
        help="patch-dashboard CLI version, default=%s (Env: OS_PATCH_API_VERSION)"
        % DEFAULT_API_VERSION,
    )
    return parser
