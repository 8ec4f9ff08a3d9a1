"""The wheel carries the code, the enabled files, templates and static files."""

import configparser
import pathlib
import subprocess
import sys
import zipfile

import pytest

pytestmark = pytest.mark.packaging

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(CHECKOUT),
        ],
        check=True,
        cwd=out,
    )
    (built,) = out.glob("patch_dashboard-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def checkout_files(folder, pattern="*"):
    return [
        p
        for p in (CHECKOUT / folder).rglob(pattern)
        if p.is_file() and "__pycache__" not in p.parts
    ]


def test_wheel_has_enabled_files(wheel_names):
    expected = {f"patch_dashboard/enabled/{p.name}" for p in checkout_files("enabled", "_*.py")}
    assert expected, "no enabled files in the checkout"
    assert expected <= wheel_names


def test_wheel_has_static_files(wheel_names):
    expected = {
        "patch_dashboard/static/" + str(p.relative_to(CHECKOUT / "static"))
        for p in checkout_files("static")
    }
    assert "patch_dashboard/static/dashboard/patch_dashboard/patch_dashboard.scss" in expected
    assert expected <= wheel_names


def test_wheel_has_templates_and_code(wheel_names):
    templates = {str(p.relative_to(CHECKOUT)) for p in checkout_files("patch_dashboard", "*.html")}
    assert (
        "patch_dashboard/content/image_patch_status/templates/image_patch_status/index.html"
        in templates
    )
    assert templates <= wheel_names
    assert "patch_dashboard/lifecycle/assess.py" in wheel_names
    assert "patch_dashboard/content/image_patch_status/views.py" in wheel_names


def test_wheel_has_compiled_catalogs(wheel_names):
    """Django reads translations only from .mo files: the German ones ship in the wheel."""
    catalogs = {str(p.relative_to(CHECKOUT)) for p in checkout_files("patch_dashboard/locale")}
    for domain in ("django", "djangojs"):
        assert f"patch_dashboard/locale/de/LC_MESSAGES/{domain}.mo" in catalogs
    assert {p for p in catalogs if p.endswith((".mo", ".po"))} <= wheel_names


def test_wheel_declares_the_openstack_cli_commands(wheel, wheel_names):
    """`pip install patch-dashboard[cli]` gives `openstack image patch list` and the rest:
    osc-lib finds the plugin and its commands through these entry points."""
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # keep the case of names
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        parser.read_string(archive.read(name).decode())
        metadata = archive.read(name.replace("entry_points.txt", "METADATA")).decode()
    assert parser["openstack.cli.extension"]["patch"].strip() == "patch_dashboard.cli.plugin"
    assert set(parser["openstack.image.v2"]) == {
        "image_patch_list",
        "image_patch_show",
        "image_deprecate",
        "image_obsolete",
        "image_restore",
    }
    assert set(parser["openstack.compute.v2"]) == {"server_outdated_list"}
    for group in ("openstack.image.v2", "openstack.compute.v2"):
        for target in parser[group].values():
            module, _, attribute = target.strip().partition(":")
            assert attribute and module.startswith("patch_dashboard.cli."), target
            assert module.replace(".", "/") + ".py" in wheel_names
    assert "Provides-Extra: cli" in metadata
