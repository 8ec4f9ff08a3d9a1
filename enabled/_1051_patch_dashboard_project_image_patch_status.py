# Project > Compute > Image Patch Status, beside Horizon's Images panel (_1050).
# This file also adds the plugin's Django app; the other enabled files do not.
PANEL = "image_patch_status"
PANEL_DASHBOARD = "project"
PANEL_GROUP = "compute"
ADD_PANEL = "patch_dashboard.content.image_patch_status.panel.ImagePatchStatus"
ADD_INSTALLED_APPS = ["patch_dashboard"]
AUTO_DISCOVER_STATIC_FILES = True
ADD_SCSS_FILES = ["dashboard/patch_dashboard/patch_dashboard.scss"]
