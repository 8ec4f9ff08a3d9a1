"""Words for the CLI: the dashboard's own (:mod:`patch_dashboard.wording` and its catalogs).

``wording`` marks its texts with Django's gettext. The CLI gives Django the least it needs
for that and nothing more: settings with no installed app, no database, no middleware, the
plugin's catalogs as ``LOCALE_PATHS``, and the language of the user's locale (``LANGUAGE``,
``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads them). No Horizon module is loaded.
When Django is already configured (a test run, a Horizon process), it is left as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def locale_language(environ=None) -> str:
    """The language of the user's locale as Django names it ("de", "pt-br"); "en" for C."""
    environ = os.environ if environ is None else environ
    for variable in LOCALE_VARIABLES:
        value = (environ.get(variable) or "").strip()
        if not value:
            continue
        # LANGUAGE may list several ("de:en"); a locale may carry an encoding or modifier.
        first = value.split(":")[0].split(".")[0].split("@")[0]
        if first in ("C", "POSIX", ""):
            return "en"
        return first.replace("_", "-").lower()
    return "en"


def configure(environ=None) -> None:
    """Make ``wording`` usable outside Horizon, in the user's language (idempotent)."""
    import django
    from django.conf import settings
    from django.utils import translation

    if not settings.configured:
        settings.configure(
            USE_I18N=True,
            USE_TZ=True,
            LANGUAGE_CODE="en-us",
            INSTALLED_APPS=[],
            LOCALE_PATHS=[str(LOCALE_DIR)],
        )
        django.setup()
        translation.activate(locale_language(environ))
