"""What the CLI's commands share: the cloud, the words, the help with examples."""

from __future__ import annotations

from cliff import _argparse

from patch_dashboard.cli import text


class ExamplesHelpFormatter(_argparse.SmartHelpFormatter):
    """cliff's help formatter, keeping the description's and epilog's lines (examples)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "".join(indent + line for line in text.splitlines(keepends=True))


class PatchCommand:
    """Mixin: the Cloud of this invocation, the language set up, examples kept as written."""

    examples = ""

    def get_epilog(self):  # type: ignore[override]
        epilog = super().get_epilog()  # type: ignore[misc]
        if not self.examples:
            return epilog
        return "examples:\n" + self.examples.strip("\n") + ("\n\n" + epilog if epilog else "")

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)  # type: ignore[misc]
        parser.formatter_class = ExamplesHelpFormatter
        return parser

    @property
    def cloud(self):
        text.configure()
        return self.app.client_manager.patch  # type: ignore[attr-defined]
