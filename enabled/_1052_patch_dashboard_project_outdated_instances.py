# Project > Compute > Outdated Instances, after Image Patch Status (_1051).
PANEL = "outdated_instances"
PANEL_DASHBOARD = "project"
PANEL_GROUP = "compute"
ADD_PANEL = "patch_dashboard.content.outdated_instances.panel.OutdatedInstances"
