"""What the commands print: cliff's formatters, with untrusted values made harmless.

Names, reasons and every other property are written by someone untrusted (docs/security.md).
For a terminal (``table``, ``value``, ``shell``) control and format characters are shown as
U+FFFD, so no value can move the cursor, recolour the screen or reverse the text around it.
``csv`` also neutralises a leading formula character exactly as the dashboard's CSV export
does (:func:`patch_dashboard.wording.safe_cell`). ``json`` and ``yaml`` keep values
as they are: they are escaped by their format and read by programs.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from cliff.columns import FormattableColumn
from osc_lib.command import command

from patch_dashboard.wording import safe_cell

TERMINAL_FORMATS = frozenset({"table", "value", "shell"})
SPREADSHEET_FORMATS = frozenset({"csv"})
REPLACEMENT = "\ufffd"


def printable(text: str) -> str:
    """``text`` with every control, format and line/paragraph separator shown as U+FFFD
    (a newline in a value would fake a row of its own)."""
    return "".join(
        REPLACEMENT if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char
        for char in text
    )


class Shown(FormattableColumn):
    """A cell as it is printed for a person; its machine value is left as it was."""

    def __init__(self, value: Any, text: str):
        super().__init__(value)
        self._text = text

    def human_readable(self) -> str:
        return self._text

    def machine_readable(self) -> Any:
        return self._value


def cleaned(value: Any) -> Any:
    """``value`` with :func:`printable` applied to every text inside it."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, (list, tuple)):
        return [cleaned(item) for item in value]
    if isinstance(value, dict):
        return {cleaned(key): cleaned(item) for key, item in value.items()}
    return value


def cell(value: Any, formatter: str) -> Any:
    """One cell for ``formatter``: unchanged for json and yaml. cliff's table formatter
    prints a column's human text, its csv, value and shell formatters the machine value:
    those get the person's text, as a plain string. A list or mapping column is cleaned
    value by value, so the line breaks of its own layout stay."""
    if formatter not in TERMINAL_FORMATS and formatter not in SPREADSHEET_FORMATS:
        return value
    if isinstance(value, FormattableColumn):
        text = type(value)(cleaned(value.machine_readable())).human_readable()
        if formatter == "table":
            return Shown(value.machine_readable(), text)
    elif value is None or isinstance(value, (bool, int, float)):
        # safe_cell words None and booleans as the dashboard's CSV does
        return safe_cell(value) if formatter in SPREADSHEET_FORMATS else value
    else:
        text = printable(str(value))
    return safe_cell(text) if formatter in SPREADSHEET_FORMATS else text


def row(values, formatter: str) -> tuple[Any, ...]:
    return tuple(cell(value, formatter) for value in values)


class ExitCode:
    """A command that prints its rows and still ends with 1 when one of them failed."""

    exit_code = 0

    def run(self, parsed_args):
        code = super().run(parsed_args)  # type: ignore[misc]
        return code or self.exit_code


class Lister(ExitCode, command.Lister):
    def produce_output(self, parsed_args, column_names, data):
        formatter = getattr(parsed_args, "formatter", "table")
        return super().produce_output(
            parsed_args, column_names, [row(values, formatter) for values in data]
        )


class ShowOne(ExitCode, command.ShowOne):
    def produce_output(self, parsed_args, column_names, data):
        formatter = getattr(parsed_args, "formatter", "table")
        return super().produce_output(parsed_args, column_names, row(data, formatter))
