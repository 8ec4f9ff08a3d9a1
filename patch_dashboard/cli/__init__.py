"""The ``openstack`` CLI plugin (``pip install patch-dashboard[cli]``, docs/cli.md).

OpenStackClient commands over the same core, codes and wording as the dashboard: the rules
come from :mod:`patch_dashboard.lifecycle`, the texts from :mod:`patch_dashboard.wording`,
the instance rows from :mod:`patch_dashboard.api.instance_rows`. It talks to OpenStack with
openstacksdk (the user's clouds.yaml / ``OS_*``) and never imports Horizon.
"""
