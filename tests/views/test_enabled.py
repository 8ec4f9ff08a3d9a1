"""The enabled files register the plugin's panels (a broken one fails silently in Horizon)."""

import importlib
import pathlib

import horizon
from django.conf import settings
from django.urls import reverse
from openstack_dashboard.test import helpers

ENABLED = pathlib.Path(__file__).resolve().parents[2] / "enabled"

PANELS = {
    ("project", "image_patch_status"): "Image Patch Status",
    ("project", "outdated_instances"): "Outdated Instances",
    ("admin", "image_lifecycle"): "Image Lifecycle",
    ("admin", "patch_compliance"): "Patch Compliance",
}


def enabled_modules():
    return [
        importlib.import_module(f"enabled.{path.stem}")
        for path in sorted(ENABLED.glob("_[0-9]*_patch_dashboard_*.py"))
    ]


class EnabledFilesTests(helpers.TestCase):
    def test_each_panel_is_registered(self):
        # Horizon registers dashboards and panels when its URLs are first loaded.
        reverse("horizon:project:image_patch_status:index")
        for (dashboard, slug), name in PANELS.items():
            panel = horizon.get_dashboard(dashboard).get_panel(slug)
            self.assertEqual(str(panel.name), name)

    def test_enabled_files_name_their_panels(self):
        declared = {
            (module.PANEL_DASHBOARD, module.PANEL)
            for module in enabled_modules()
            if hasattr(module, "PANEL")
        }
        self.assertEqual(declared, set(PANELS))

    def test_app_added_exactly_once(self):
        adders = [m.__name__ for m in enabled_modules() if hasattr(m, "ADD_INSTALLED_APPS")]
        self.assertEqual(len(adders), 1, adders)
        self.assertEqual(list(settings.INSTALLED_APPS).count("patch_dashboard"), 1)
