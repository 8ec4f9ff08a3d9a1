"""The core stays plain Python: importing it loads no web framework and no client."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("django", "horizon", "openstack_dashboard", "glanceclient", "novaclient", "openstack")
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, json, pkgutil, sys
import patch_dashboard.lifecycle as core
names = [m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""


def test_lifecycle_imports_no_framework_or_client() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    assert "patch_dashboard.lifecycle.assess" in report["modules"]
    offending = [
        name
        for name in report["loaded"]
        if any(name == root or name.startswith(root + ".") for root in FORBIDDEN)
    ]
    assert offending == []
