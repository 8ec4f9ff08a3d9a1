"""The plugin in German (issue 14), in Chromium against the development cloud: a user switches
Horizon to Deutsch in User Settings, and every plugin page, the deprecate dialog and the launch
wizard's guidance read in German, with no English text of the plugin left.

What "no English left" means: the rendered text of the plugin's elements (text and the title,
aria-label and placeholder attributes) is compared with the plugin's catalogs
(patch_dashboard/locale/de): any msgid whose German differs and that appears on the page, as
the whole text of an element or, for a sentence or a message with placeholders, inside one,
fails the test. Known German texts must also be there (so a page that shows nothing passes
nothing).

Why the User Settings form: it is how a person switches Horizon's language, and what it
stores is this browser's alone. Horizon keeps the language in a cookie (horizon_language,
settings.LANGUAGE_COOKIE_NAME) and in the login session (horizon.utils.functions.
save_config_value), never in Keystone: the other tests, which log in as the same users from
their own browsers at the same time, keep English. At the end the test signs out and drops
this browser's cookies and cache, so later tests in it start in English too.

Horizon answers a browser that has its JavaScript catalog (/i18n/js/...) with 304 Not
Modified whatever the language: after the switch the test drops the browser's cache, as a
person would reload bypassing it; without that the wizard keeps its English labels.
"""

import contextlib
import pathlib
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.test_launch_wizard import (
    allocate,
    go_to_step,
    transfer_sections,
    wait_row,
)
from tests.devcloud import browser_login, credentials
from tests.packaging.test_catalogs import PLACEHOLDER, load, messages, translations

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
LOCALE = CHECKOUT / "patch_dashboard" / "locale" / "de" / "LC_MESSAGES"
LANGUAGE_COOKIE = "horizon_language"  # openstack_dashboard/settings.py LANGUAGE_COOKIE_NAME
STATE = "Patch state of an image"  # the msgctxt of the state badges
WAIT = 60

# Every text and text-bearing attribute inside the elements the selectors name, as the page
# renders it: the whole text of each element and of each attribute, white space folded.
# Raw Glance property values are data, shown as they are stored, and are left out.
RENDERED_TEXTS = """
const [selectors, skip] = arguments;
const fold = (s) => (s || "").replace(/\\s+/g, " ").trim();
const regions = new Set();
for (const selector of selectors) {
  for (const el of document.querySelectorAll(selector)) regions.add(el);
}
const texts = new Set();
const seen = new Set();
for (const region of regions) {
  for (const el of [region, ...region.querySelectorAll("*")]) {
    if (seen.has(el) || el.closest(skip)) continue;
    seen.add(el);
    let text = "";
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest(skip)) text += node.data + " ";
    }
    if (fold(text)) texts.add(fold(text));
    for (const name of ["title", "aria-label", "placeholder", "alt", "data-original-title"]) {
      if (fold(el.getAttribute(name))) texts.add(fold(el.getAttribute(name)));
    }
    if (el.matches("input[type=submit], input[type=button]") && fold(el.value)) {
      texts.add(fold(el.value));
    }
  }
}
return [...texts];
"""
SKIP = "script, style, noscript, .patch-dashboard-raw-value, #patch-invalid-values dd"
# The plugin's own elements on its pages: the page's main block and header, the links to its
# panels (the navigation's included), an open dialog.
PAGE_REGIONS = [
    "title",
    "#content_body",
    ".page-header",
    "a[href*='/image_patch_status/']",
    "a[href*='/outdated_instances/']",
    "a[href*='/patch_compliance/']",
    "a[href*='/image_lifecycle/']",
    ".modal",
]
# What the plugin adds to the launch wizard: the Source step's warning, the badges, the
# Flavor step's marks and the two columns' headers (found by their German titles below).
WIZARD_REGIONS = [
    ".patch-dashboard-source-guidance",
    ".patch-dashboard-image-state",
    ".patch-dashboard-flavor-fit",
    ".ng-wizard th",
]


class Message:
    """One form (singular or plural) of a catalog message: its English and its German."""

    def __init__(self, context, english, german):
        self.context, self.english, self.german = context, english, german
        parts = re.split("(%s)" % PLACEHOLDER.pattern, english)
        literal = "".join(parts[0::2])
        self.words = len(re.findall(r"[A-Za-z]{2,}", literal))
        self.has_placeholders = len(parts) > 1
        # The literal text as it renders (any white space where the msgid has some), each
        # placeholder any value; %% is a percent sign.
        pattern = ""
        for n, part in enumerate(parts):
            if n % 2 and part == "%%":
                pattern += "%"
            elif n % 2 and (part[-1] in "di" or part in ("%(count)s", "%(counter)s")):
                pattern += r"\d+"  # a number (blocktrans's count is %(counter)s)
            elif n % 2:
                pattern += ".+?"
            else:
                pattern += "".join(
                    r"\s+" if t.isspace() else re.escape(t) for t in re.split(r"(\s+)", part) if t
                )
        self.pattern = re.compile(r"(?<!\w)%s(?!\w)" % pattern)

    def left_in(self, text: str) -> bool:
        """Whether ``text`` (one element's or attribute's whole text) shows this English."""
        if self.words >= 3 or (self.has_placeholders and self.words == 2):
            return bool(self.pattern.search(text))  # a sentence: anywhere in the text
        if self.has_placeholders:  # a word and a value: the whole text
            return bool(self.pattern.fullmatch(text))
        return text == self.english

    def __repr__(self):
        return "%s%r" % ("[%s] " % self.context if self.context else "", self.english)


def load_catalog():
    """Every form of every message of the plugin's two German catalogs."""
    return [
        Message(message.context, english, german)
        for domain in ("django", "djangojs")
        for message in messages(load(LOCALE / ("%s.po" % domain)))
        for english, german in translations(message)
    ]


CATALOG = load_catalog()


def german(english, context=None):
    """The catalog's German of ``english`` (its first form)."""
    return next(m.german for m in CATALOG if m.english == english and m.context == context)


def english_left(texts):
    """(message, text) of each English message the texts still show."""
    return [
        (message, text[:160])
        for message in CATALOG
        if message.german != message.english
        for text in texts
        if message.left_in(text)
    ]


def rendered(browser, regions):
    return browser.execute_script(RENDERED_TEXTS, regions, SKIP)


def assert_german(browser, regions, expected, where):
    """No English of the plugin in the regions, and each expected German text there."""
    texts = rendered(browser, regions)
    assert texts, "%s: nothing rendered" % where
    left = english_left(texts)
    assert left == [], "%s: English left: %s" % (where, left)
    page = "\n".join(texts)
    missing = [text for text in expected if text not in page]
    assert missing == [], "%s: German missing: %s" % (where, missing)


# ---------------------------------------------------------------- the checker itself


def test_checker_finds_english_and_passes_german():
    """The comparison used below fails on the English forms the plugin renders and passes
    their German: a label, a label around a value, a sentence with values, a plural."""
    english = [
        "Outdated Instances",
        "Use Ubuntu 24.04",
        "Abgelöst: Superseded by Ubuntu 24.04",
        "Superseded: 2 newer builds of Ubuntu 24.04 exist. The latest is Ubuntu 24.04.",
        "3 of 5 instances run on current images (60%).",
    ]
    found = {repr(m) for m, _text in english_left(english)}
    assert {
        "'Outdated Instances'",
        "'Use %(name)s'",
        "'Superseded by %(name)s'",
        "'Superseded: %(count)d newer builds of %(family)s exist. The latest is %(name)s.'",
        "'%(current)s of %(total)s instances run on current images (%(percent)s%%).'",
    } <= found, found
    assert (
        english_left(
            [
                german("Outdated Instances"),
                "Ubuntu 24.04 verwenden",
                "Abgelöst durch Ubuntu 24.04",
                "3 von 5 Instanzen laufen mit aktuellen Abbildern (60 %).",
                # data in a German page: a name, a reason written in English by an admin
                "Ubuntu 24.04 20250101",
                "CVE-2025-4802: rebuilt as Debian 12",
            ]
        )
        == []
    )


# ---------------------------------------------------------------- the development cloud


@pytest.fixture(scope="module")
def cloud():
    return credentials()


@contextlib.contextmanager
def in_german(browser, cloud, who):
    """Logged in as ``who`` with Deutsch chosen in Horizon's User Settings; afterwards, whatever
    happened, signed out, the browser's cookies and cache dropped: English again."""
    browser_login(browser, cloud, who)
    try:
        browser.get(cloud["horizon_url"] + "/settings/")
        language = WebDriverWait(browser, WAIT).until(
            EC.presence_of_element_located((By.ID, "id_language"))
        )
        Select(language).select_by_value("de")
        language.find_element(By.XPATH, "./ancestor::form[1]").submit()
        WebDriverWait(browser, WAIT).until(
            lambda d: (d.get_cookie(LANGUAGE_COOKIE) or {}).get("value") == "de"
        )
        # Horizon serves its JavaScript catalog (/i18n/js/...) with Last-Modified set to its
        # start and answers 304 to a browser that has one: the catalog fetched in English at
        # login would stay in use. Dropping the cache is what a person does with a hard reload.
        browser.execute_cdp_cmd("Network.clearBrowserCache", {})
        yield
    finally:
        # Sign Out (the user menu's form: Horizon logs out on POST only), then no cookie left,
        # then the cache dropped: last, since the pages loaded here fetch the German
        # JavaScript catalog again, which the next test would be served.
        browser.get(cloud["horizon_url"] + "/settings/")
        for form in browser.find_elements(By.CSS_SELECTOR, "form[action$='/auth/logout/']"):
            browser.execute_script("arguments[0].submit()", form)
            WebDriverWait(browser, WAIT).until(lambda d: "/auth/login" in d.current_url)
            break
        browser.delete_all_cookies()
        browser.execute_cdp_cmd("Network.clearBrowserCache", {})
        assert browser.get_cookie(LANGUAGE_COOKIE) is None


def open_page(browser, cloud, path, table_id):
    browser.get(cloud["horizon_url"] + path.format(**cloud["images"]))
    WebDriverWait(browser, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#%s tbody tr[data-object-id]" % table_id)
    )


# The wizard's steps as Horizon names them: in German where Horizon's own catalogs are
# compiled (distributions do; Horizon's wheel ships only the .po files), else in English.
HORIZON_STEP_TITLES = {"Source": "Quelle", "Flavor": "Variante"}


def step_of(browser, title):
    titles = [
        link.text.strip() for link in browser.find_elements(By.CSS_SELECTOR, ".wizard-nav li a")
    ]
    german_title = HORIZON_STEP_TITLES[title]
    return go_to_step(browser, german_title if german_title in titles else title)


def state_labels():
    """The German of every state badge."""
    states = ("Current", "Superseded", "Stale", "Deprecated", "Obsolete", "End of life", "Unknown")
    return {german(state, STATE) for state in states}


# Per user, each page (screenshot name, path, its table's id) and German texts it must show
# (msgids, with their context after a "|"). One login per user.
PAGES = {
    "alpha": (
        (
            "image_patch_status",
            "/project/image_patch_status/",
            "image_patch_status",
            ["Image Patch Status", "Family", "Launch from recommended"]
            + ["%s|%s" % (state, STATE) for state in ("Current", "Superseded", "End of life")],
        ),
        (
            "image_detail",
            "/project/image_patch_status/{ubuntu-2404}/",
            "lineage",
            ["Build date", "Patch level", "Properties", "Current|" + STATE, "Superseded|" + STATE],
        ),
        (
            "outdated_instances",
            "/project/outdated_instances/",
            "outdated_instances",
            [
                "Outdated Instances",
                "Launch Replacement",
                "Recommended image",
                "Export CSV",
                "Deprecated|" + STATE,
            ],
        ),
    ),
    "admin": (
        (
            "patch_compliance",
            "/admin/patch_compliance/",
            "patch_compliance",
            ["Patch Compliance", "Per project", "Per family", "All projects", "Share"],
        ),
        (
            "image_lifecycle",
            "/admin/image_lifecycle/",
            "image_lifecycle",
            ["Image Lifecycle", "Deprecate Images", "Mark Images Obsolete", "Obsolete|" + STATE],
        ),
    ),
}


def germans(msgids):
    return [german(*msgid.split("|")) for msgid in msgids]


def check_pages(browser, cloud, screenshot, who):
    for name, path, table_id, expected in PAGES[who]:
        open_page(browser, cloud, path, table_id)
        assert_german(browser, PAGE_REGIONS, germans(expected), name)
        screenshot("german_" + name)


def test_member_pages_in_german(cloud, browser, screenshot):
    with in_german(browser, cloud, "alpha"):
        check_pages(browser, cloud, screenshot, "alpha")


def test_admin_pages_and_deprecate_dialog_in_german(cloud, browser, screenshot):
    with in_german(browser, cloud, "admin"):
        check_pages(browser, cloud, screenshot, "admin")  # Image Lifecycle last
        # The deprecate dialog of a superseded build that an instance runs (nothing submitted).
        row = browser.find_element(
            By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % cloud["images"]["ubuntu-2404-prev"]
        )
        row.find_element(By.CSS_SELECTOR, "a[id$='__action_deprecate']").click()
        WebDriverWait(browser, WAIT).until(
            EC.visibility_of_element_located((By.ID, "patch-lifecycle-impact"))
        )
        assert_german(
            browser,
            [".modal"],
            germans(
                [
                    "Deprecate Images",
                    "Replacement",
                    "Impact",
                    "Would move to",
                    "Takes effect",
                    "Obsolete from",
                ]
            ),
            "deprecate dialog",
        )
        screenshot("german_deprecate_dialog")


def test_launch_wizard_guidance_in_german(cloud, browser, screenshot):
    superseded = cloud["seed"]["images"]["ubuntu-2404-prev"]["name"]
    with in_german(browser, cloud, "alpha"):
        browser.get(cloud["horizon_url"] + "/project/instances/")
        WebDriverWait(browser, WAIT).until(
            EC.element_to_be_clickable((By.ID, "instances__action_launch-ng"))
        ).click()
        WebDriverWait(browser, WAIT).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, ".ng-wizard"))
        )
        step = step_of(browser, "Source")
        row = wait_row(browser, step, superseded)
        _allocated, available = transfer_sections(step)
        WebDriverWait(browser, WAIT).until(
            lambda b: row.find_elements(By.CSS_SELECTOR, ".patch-state")
        )
        badges = {e.text for e in available.find_elements(By.CSS_SELECTOR, ".patch-state")}
        assert badges <= state_labels(), badges
        assert german("Superseded", STATE) in badges, badges

        allocate(row)
        WebDriverWait(browser, WAIT).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, ".patch-dashboard-image-warning"))
        )
        assert_german(
            browser,
            WIZARD_REGIONS,
            [
                german("Patch state"),
                german("Superseded", STATE),
                german("Use %(name)s") % {"name": "Ubuntu 24.04"},
            ],
            "Source step",
        )
        screenshot("german_launch_source")

        step = step_of(browser, "Flavor")
        WebDriverWait(browser, WAIT).until(
            EC.visibility_of_element_located(
                (By.CSS_SELECTOR, ".patch-dashboard-flavor-recommended")
            )
        )
        WebDriverWait(browser, WAIT).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, ".patch-dashboard-flavor-misfit")
        )
        assert_german(
            browser,
            WIZARD_REGIONS,
            [german("Recommended"), german("Cannot boot this image:"), german("Fit for the image")],
            "Flavor step",
        )
        screenshot("german_launch_flavor")
