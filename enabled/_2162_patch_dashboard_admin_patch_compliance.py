# Admin > Compute > Patch Compliance, beside Horizon's admin Images panel (_2160).
PANEL = "patch_compliance"
PANEL_DASHBOARD = "admin"
PANEL_GROUP = "compute"
ADD_PANEL = "patch_dashboard.content.patch_compliance.panel.PatchCompliance"
