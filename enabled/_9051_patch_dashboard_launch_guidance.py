# Launch guidance in Horizon's Launch Instance wizard: an Angular module, no panel.
# FEATURE makes Horizon read this file. The plugin's Django app is added by _1051 only;
# AUTO_DISCOVER_STATIC_FILES works per app added in the same file, so the files are listed
# (Horizon skips any that _1051's discovery already added).
FEATURE = "patch_dashboard_launch_guidance"
ADD_ANGULAR_MODULES = ["horizon.dashboard.patch_dashboard.launch-guidance"]
ADD_JS_FILES = [
    "dashboard/patch_dashboard/launch/" + name
    for name in (
        "launch-guidance.module.js",  # the module first
        "launch-guidance.service.js",
        "launch-guidance-columns.service.js",
        "image-state.directive.js",
        "flavor-fit.directive.js",
        "source-guidance.directive.js",
    )
]
ADD_SCSS_FILES = ["dashboard/patch_dashboard/launch/launch-guidance.scss"]
