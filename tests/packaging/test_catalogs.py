"""The translation catalogs under patch_dashboard/locale/ are current, complete and compiled.

Current: `make messages`, run on a copy of the plugin's tree, finds exactly the msgids the
committed .po files hold (a string added, changed or removed in the code and not extracted
fails here). Complete: no message of a committed catalog is untranslated or fuzzy (msgfmt
drops fuzzy ones: the user would read English), and each translation keeps its message's
placeholders. Compiled: the committed .mo holds what msgfmt makes of the committed .po (Django
reads only the .mo), and Django, configured as Horizon is, serves the plugin's German.
See docs/translations.md.
"""

import collections
import gettext
import os
import pathlib
import re
import shutil
import subprocess

import pytest
from babel.messages.pofile import read_po

pytestmark = pytest.mark.packaging

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
TREE = CHECKOUT / "patch_dashboard"
LOCALE = TREE / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
CATALOG_IDS = [str(po.relative_to(LOCALE)) for po in CATALOGS]

# What must come through a translation unchanged: Python's %-format (named, positional and
# %%), str.format fields ({0}, {name}) and Django template variables ({{ row.name }}, which
# Horizon renders in page titles).
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"
    r"|\{\{\s*[A-Za-z_][\w.]*\s*\}\}"
    r"|\{[A-Za-z_0-9][\w.]*(?:![rsa])?(?::[^{}]*)?\}"
)


def test_there_are_german_catalogs_for_both_domains():
    assert {"de/LC_MESSAGES/django.po", "de/LC_MESSAGES/djangojs.po"} <= set(CATALOG_IDS)


def load(po: pathlib.Path):
    with po.open("rb") as handle:
        return read_po(handle, locale=po.parts[-3])


def messages(catalog):
    """The catalog's messages without its header."""
    return [message for message in catalog if message.id]


def key(message):
    """What identifies a message to gettext: its context, msgid and plural msgid."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    return (message.context or "",) + ids


def describe(message):
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    where = ", ".join("%s:%s" % place for place in message.locations[:2])
    context = "[%s] " % message.context if message.context else ""
    return "%s%r (%s)" % (context, ids[0], where or "no location")


def translations(message):
    """(the English each translation renders, the translation) of a message's forms."""
    if not isinstance(message.id, tuple):
        return [(message.id, message.string)]
    singular, plural = message.id
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [(singular if n == 0 else plural, text) for n, text in enumerate(strings)]


def placeholders(text):
    return collections.Counter(PLACEHOLDER.findall(text or ""))


# ---------------------------------------------------------------- current


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The locale folder of a copy of the plugin's tree after `make messages` ran there."""
    work = tmp_path_factory.mktemp("messages")
    copy = work / "patch_dashboard"
    # symlinks=False: the tree's static/ and enabled/ are links to the checkout's top level.
    shutil.copytree(TREE, copy, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    # makemessages needs no settings, and the tests' are not importable from the copy.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(CHECKOUT),
            "-o",  # the virtualenv as it is: a test installs nothing
            "venv",
            "messages",
            "MESSAGES_TREE=%s" % copy,
            "TMPDIR=%s" % work,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return copy / "locale"


@pytest.mark.parametrize("po", CATALOGS, ids=CATALOG_IDS)
def test_catalog_holds_exactly_the_extracted_messages(po, extracted):
    fresh = extracted / po.relative_to(LOCALE)
    committed = {key(m): m for m in messages(load(po))}
    wanted = {key(m): m for m in messages(load(fresh))}
    missing = sorted(describe(wanted[k]) for k in wanted.keys() - committed.keys())
    stale = sorted(describe(committed[k]) for k in committed.keys() - wanted.keys())
    assert (missing, stale) == ([], []), (
        "%s is out of date: run `make messages`, translate, `make compilemessages`.\n"
        "not in the catalog: %s\nno longer in the code: %s"
        % (po.relative_to(CHECKOUT), missing, stale)
    )


# ---------------------------------------------------------------- complete


@pytest.mark.parametrize("po", CATALOGS, ids=CATALOG_IDS)
def test_every_message_is_translated(po):
    catalog = load(po)
    assert not catalog.fuzzy, "the header is fuzzy: msgfmt would ignore its Plural-Forms"
    assert catalog.plural_forms.startswith("nplurals="), catalog.plural_forms
    fuzzy = [describe(m) for m in messages(catalog) if m.fuzzy]
    empty = [
        describe(m)
        for m in messages(catalog)
        if not all(text.strip() for _english, text in translations(m))
    ]
    assert (fuzzy, empty) == ([], []), "fuzzy: %s\nuntranslated: %s" % (fuzzy, empty)


@pytest.mark.parametrize("po", CATALOGS, ids=CATALOG_IDS)
def test_translations_keep_the_placeholders(po):
    wrong = []
    for message in messages(load(po)):
        for english, text in translations(message):
            if placeholders(english) != placeholders(text):
                wrong.append(
                    "%s: %s in the English, %s in the translation %r"
                    % (
                        describe(message),
                        sorted(placeholders(english).elements()),
                        sorted(placeholders(text).elements()),
                        text,
                    )
                )
    assert wrong == []


def test_placeholder_pattern():
    """The check above sees each kind of placeholder, and no ordinary text or percentage."""
    found = placeholders(
        "%(name)s, %(count)d, %s, %d, %%, {0}, {name}, {{ row.name }}, 50 % off, {not one}"
    )
    assert sorted(found) == sorted(
        ["%(name)s", "%(count)d", "%s", "%d", "%%", "{0}", "{name}", "{{ row.name }}"]
    )


# ---------------------------------------------------------------- compiled


def read_mo(path: pathlib.Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


@pytest.mark.parametrize("po", CATALOGS, ids=CATALOG_IDS)
def test_committed_mo_is_compiled_from_the_po(po, tmp_path):
    mo = po.with_suffix(".mo")
    assert mo.is_file(), "%s missing: run `make compilemessages`" % mo.relative_to(CHECKOUT)
    fresh = tmp_path / mo.name
    # What Django's compilemessages runs.
    msgfmt = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(po)], capture_output=True, text=True
    )
    assert msgfmt.returncode == 0, msgfmt.stderr
    committed, compiled = read_mo(mo), read_mo(fresh)
    differing = sorted(
        repr(k) for k in committed.keys() | compiled.keys() if committed.get(k) != compiled.get(k)
    )
    assert differing == [], "%s is not compiled from the .po (`make compilemessages`): %s" % (
        mo.relative_to(CHECKOUT),
        differing[:10],
    )


def test_django_serves_the_plugins_german():
    """Horizon's settings with the plugin's enabled files (tests/settings.py): every msgid of
    the plugin's django catalog reads in German, the plugin's own translation unless Horizon's
    catalog translates the same msgid (Horizon's apps come first)."""
    from django.utils import translation

    catalog = load(LOCALE / "de" / "LC_MESSAGES" / "django.po")
    english = []
    with translation.override("de"):
        for message in messages(catalog):
            context = message.context
            if isinstance(message.id, tuple):
                for n, (text, wanted) in enumerate(translations(message)):
                    count = 1 if n == 0 else 2
                    if context:
                        served = translation.npgettext(context, *message.id, count)
                    else:
                        served = translation.ngettext(*message.id, count)
                    if served == text != wanted:
                        english.append(describe(message))
            else:
                if context:
                    served = translation.pgettext(context, message.id)
                else:
                    served = translation.gettext(message.id)
                if served == message.id != message.string:
                    english.append(describe(message))
        assert translation.pgettext("Patch state of an image", "Superseded") == "Abgelöst"
        assert translation.gettext("Outdated Instances") == "Veraltete Instanzen"
    assert english == []
