from django.apps import AppConfig


class PatchDashboardConfig(AppConfig):
    name = "patch_dashboard"
    verbose_name = "Patch Dashboard"

    def ready(self):
        # Importing the REST package runs its @urls.register decorators, which add the
        # plugin's JSON endpoints under Horizon's /api/ before the first request; compat
        # adapts what the running Horizon release needs (docs/releases.md).
        from patch_dashboard import compat
        from patch_dashboard.api import rest  # noqa: F401

        compat.install()
