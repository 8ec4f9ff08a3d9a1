"""Imports run one way: core <- wording <- api <- panels, REST views and the CLI.

``patch_dashboard.lifecycle`` (the core, no Django) imports nothing else of the plugin;
``wording`` (texts for the core's enums) imports only the core; ``api`` (every OpenStack
call, the loader) imports the core, the wording and the settings; the panels (``content``),
the JSON views (``api/rest``, where Horizon keeps them) and the ``openstack`` CLI plugin
(``cli``) import any of those but never one another. Read from the source (every ``import``
statement, at any depth of the module), so that an import inside a function counts as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "patch_dashboard"

# Lowest first. A module may import from its own layer or any lower one.
LAYERS = (
    ("core", ("patch_dashboard.lifecycle",)),
    ("settings", ("patch_dashboard.conf",)),
    ("wording", ("patch_dashboard.wording",)),
    ("api", ("patch_dashboard.api",)),
    ("views", ("patch_dashboard.api.rest", "patch_dashboard.content", "patch_dashboard.cli")),
    ("plugin", ("patch_dashboard",)),  # apps.py, the package itself, enabled/
)
# Inside the top layer: the JSON views, the panels and the openstack CLI plugin do not lean
# on each other.
APART = (("patch_dashboard.api.rest", "patch_dashboard.content", "patch_dashboard.cli"),)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int:
    """Index in LAYERS; the most specific prefix decides (api.rest before api)."""
    best = (-1, -1)  # (prefix length, layer)
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if _within(module, prefix) and len(prefix) > best[0]:
                best = (len(prefix), index)
    return best[1]


def _group(module: str) -> str | None:
    for pair in APART:
        for prefix in pair:
            if _within(module, prefix):
                return prefix
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative).is_dir()


def imported(path: Path, name: str | None = None) -> set[str]:
    """The plugin modules ``path`` imports: ``from X import y`` is X.y when that is a module,
    else X (the package whose name y is)."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base)
    return {module for module in found if _within(module, "patch_dashboard")}


def violations(importer: str, targets: set[str]) -> list[str]:
    wrong = []
    for target in sorted(targets):
        if layer_of(target) > layer_of(importer):
            wrong.append(f"{importer} imports {target} (a higher layer)")
        mine, theirs = _group(importer), _group(target)
        if mine and theirs and mine != theirs and layer_of(target) == layer_of(importer):
            wrong.append(f"{importer} imports {target} (the panels, REST views and CLI stay apart)")
    return wrong


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    assert [module_name(p) for p in SOURCES if layer_of(module_name(p)) < 0] == []
    assert "patch_dashboard.wording" in {module_name(p) for p in SOURCES}
    assert "patch_dashboard.api.inventory" in {module_name(p) for p in SOURCES}


def test_imports_run_one_way() -> None:
    wrong = []
    for path in SOURCES:
        wrong += violations(module_name(path), imported(path))
    assert wrong == []


@pytest.mark.parametrize(
    ("importer", "target"),
    [
        ("patch_dashboard.api.rest.launch", "patch_dashboard.content.presentation"),
        ("patch_dashboard.content.presentation", "patch_dashboard.api.rest.launch"),
        ("patch_dashboard.api.inventory", "patch_dashboard.content.paging"),
        ("patch_dashboard.api.images", "patch_dashboard.api.rest"),
        ("patch_dashboard.wording", "patch_dashboard.api.compute"),
        ("patch_dashboard.lifecycle.assess", "patch_dashboard.wording"),
        ("patch_dashboard.cli.output", "patch_dashboard.content.export"),
        ("patch_dashboard.api.instance_rows", "patch_dashboard.cli.cloud"),
    ],
)
def test_an_import_against_the_direction_is_caught(importer: str, target: str) -> None:
    assert violations(importer, {target}) != []


@pytest.mark.parametrize(
    ("importer", "target"),
    [
        ("patch_dashboard.api.rest.launch", "patch_dashboard.api.inventory"),
        ("patch_dashboard.content.outdated_instances.tables", "patch_dashboard.api.compute"),
        ("patch_dashboard.api.instance_rows", "patch_dashboard.wording"),
        ("patch_dashboard.wording", "patch_dashboard.lifecycle"),
        ("patch_dashboard.cli.servers", "patch_dashboard.api.instance_rows"),
    ],
)
def test_an_import_along_the_direction_is_allowed(importer: str, target: str) -> None:
    assert violations(importer, {target}) == []


def test_the_parser_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from patch_dashboard.content import paging\n")
    name = "patch_dashboard.api.probe"
    assert imported(source, name) == {"patch_dashboard.content.paging"}
    assert violations(name, imported(source, name)) != []


def test_a_name_from_a_package_counts_as_the_package(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text("from patch_dashboard.lifecycle import PatchState\nfrom . import conf\n")
    assert imported(source, "patch_dashboard.wording") == {
        "patch_dashboard.lifecycle",
        "patch_dashboard.conf",
    }
