# Admin > Compute > Image Lifecycle, beside Horizon's admin Images panel (_2160).
# The plugin's Django app is added by _1051_patch_dashboard_project_image_patch_status.py.
PANEL = "image_lifecycle"
PANEL_DASHBOARD = "admin"
PANEL_GROUP = "compute"
ADD_PANEL = "patch_dashboard.content.image_lifecycle.panel.ImageLifecycle"
