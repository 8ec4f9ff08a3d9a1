"""What differs between the Horizon releases the plugin supports (docs/releases.md).

Horizon 26 and later compile each plugin stylesheet (``ADD_SCSS_FILES``) on its own, and their
SCSS importer resolves ``{{ THEME_DIR }}/{{ THEME }}`` to the theme being compiled: the plugin's
stylesheets import the theme's variables that way. Horizon 25 (2025.1) imports the plugin's
stylesheets from inside ``themes.scss``, after the theme's variables, and its importer leaves the
placeholders as they are, so that import names no file and every page's CSS fails to compile.
There the theme's variables are already in scope: the import is answered with an empty file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

THEME_PLACEHOLDERS = ("{{ THEME_DIR }}", "{{ THEME }}")


def theme_variables_import_in_scope(importer: Callable[..., Any]) -> Callable[..., Any]:
    """Horizon 25's SCSS importer, answering an import of ``/{{ THEME_DIR }}/{{ THEME }}/...``
    with an empty stylesheet (the theme's variables come before the plugin's files there)."""

    def importer_with_placeholders(path: str, prev: str) -> Any:
        if any(placeholder in path for placeholder in THEME_PLACEHOLDERS):
            return [(path, "")]
        return importer(path, prev)

    importer_with_placeholders.wrapped = importer  # type: ignore[attr-defined]
    return importer_with_placeholders


def install() -> None:
    """Adapt what the running Horizon release needs; nothing on Horizon 26 and later."""
    from horizon.utils import scss_filter

    if hasattr(scss_filter, "theme_dir") or hasattr(scss_filter.importer, "wrapped"):
        return  # the importer resolves the placeholders itself (Horizon >= 26), or done already
    scss_filter.importer = theme_variables_import_in_scope(scss_filter.importer)
