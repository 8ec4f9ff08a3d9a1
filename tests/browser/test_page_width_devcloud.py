"""Every plugin page fits a 1400 x 1000 window, in Horizon's default and material themes
(issue 12): no sideways scrolling, the table actions inside the viewport, image names wrapped
at spaces (never a character per line), and still so when a row carries a long unbroken value.

One login per user, one browser; pages in both themes are the same session with the theme
cookie switched. Screenshots of the default theme go to artifacts/screenshots/<page>.png, and
with PATCH_DASHBOARD_DOCS_SCREENSHOTS=1 also to docs/screenshots/<page>.png (the README's).
"""

import os
import shutil

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import CHECKOUT, SCREENSHOTS, use_theme, viewport
from tests.devcloud import browser_login, credentials

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1400, 1000
THEMES = ("default", "material")
DOCS_SCREENSHOTS = CHECKOUT / "docs" / "screenshots"
# A value no wrapping at spaces or hyphens can fit: only `overflow-wrap: anywhere` keeps it in.
LONG_VALUE = "Windows_Server_2022_Datacenter_Core_Hardened_CIS_Level2_20240901_x86_64"

# (user, page name = screenshot name, path, table id); the Deprecate dialog opens on the
# Image Lifecycle page from the row of a superseded build that an instance runs.
PAGES = {
    "alpha": (
        ("image-patch-status", "/project/image_patch_status/", "image_patch_status"),
        ("image-detail", "/project/image_patch_status/{ubuntu-2404}/", "lineage"),
        ("outdated-instances", "/project/outdated_instances/", "outdated_instances"),
    ),
    "admin": (
        ("patch-compliance", "/admin/patch_compliance/", "patch_compliance"),
        ("image-lifecycle", "/admin/image_lifecycle/", "image_lifecycle"),
        ("image-lifecycle-deprecate", "/admin/image_lifecycle/", "image_lifecycle"),
    ),
}
# Users in order, each in both themes: one login per user.
CASES = [
    pytest.param(who, theme, *page, id="%s-%s" % (page[0], theme))
    for who in PAGES
    for theme in THEMES
    for page in PAGES[who]
]

# Helpers of both measurements: an element's box, the lines a list of rects spans, and the
# words (runs of 2-12 characters between spaces and hyphens) of an element that the browser
# broke across lines.
WORDS = """
const box = (el) => { const r = el.getBoundingClientRect(); return {
    left: r.left, right: r.right, width: r.width, height: r.height}; };
const lineCount = (rects) => {
  const tops = [];
  for (const r of rects) {
    if (r.width > 0 && !tops.some((t) => Math.abs(t - r.top) < 3)) tops.push(r.top);
  }
  return tops.length;
};
const brokenWords = (el) => {
  const broken = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/[^\\s-]{2,12}/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (lineCount(range.getClientRects()) > 1) broken.push(match[0]);
    }
  }
  return broken;
};
const brokenIn = (elements) => elements.map((el) => [el.textContent.trim().slice(0, 60),
                                                     brokenWords(el)])
                                       .filter((item) => item[1].length);
const visible = (el) => el.getClientRects().length > 0;
"""

# The page's layout: document width, the table's actions and row actions, the cells with
# broken words, and every name (the WrappingColumn and every link in a cell) with its width
# and lines.
MEASURE = (
    WORDS
    + """
const table = document.getElementById(arguments[0]);
const root = document.documentElement;
const names = [];
for (const td of table.querySelectorAll("tbody > tr > td")) {
  const texts = td.classList.contains("word-break") ? [td] : [...td.querySelectorAll("a")];
  for (const el of texts) {
    const text = el.textContent.trim();
    if (!text || !visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    names.push({text: text, cell: box(td).width, em: parseFloat(getComputedStyle(td).fontSize),
                lines: lineCount(range.getClientRects())});
  }
}
const controls = [...table.querySelectorAll(
    "caption .table_actions .btn, caption .table_actions input, td.actions_column .btn-group")]
  .filter(visible).map((el) => ({text: el.textContent.trim() || el.name, ...box(el)}));
return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
        innerWidth: window.innerWidth, innerHeight: window.innerHeight,
        table: box(table), controls: controls, names: names,
        broken: brokenIn([...table.querySelectorAll("tbody > tr > td")]),
        theme: (document.querySelector(".theme-picker .dropdown-selected") || {dataset: {}})
                 .dataset.theme};
"""
)

# Gives every name of the first row (the name column, each link: family, replacement,
# image, recommended image), its reasons and, in the dialog, the listed images and the
# impact table one long unbroken value each.
LENGTHEN = """
const [tableId, value] = arguments;
const row = document.querySelector("#" + tableId + " > tbody > tr[data-object-id]");
for (const el of row.querySelectorAll(
    "td.normal_column.word-break, td.normal_column > a, .patch-reasons li")) {
  (el.querySelector("a") || el).textContent = value;
}
for (const el of document.querySelectorAll(
    "#patch-lifecycle-selected li, #patch-lifecycle-impact td")) {
  el.textContent = value;
}
"""

# The open dialog: its content keeps inside the modal (Bootstrap clips the modal sideways,
# so an overflow there hides the impact table's last column rather than scrolling).
MEASURE_DIALOG = (
    WORDS
    + """
const modal = document.getElementById("deprecate_image_modal");
const content = modal.querySelector(".modal-content");
const right = content.getBoundingClientRect().right;
const overflowing = [...content.querySelectorAll("*")].filter(visible)
  .map((el) => ({tag: el.tagName, text: el.textContent.trim().slice(0, 40), ...box(el)}))
  .filter((b) => b.right > right + 1 || b.left < 0);
return {dialog: box(modal.querySelector(".modal-dialog")), content: box(content),
        submit: box(modal.querySelector("input.btn-primary[type=submit]")),
        opacity: getComputedStyle(modal).opacity, overflowing: overflowing,
        broken: brokenIn([...content.querySelectorAll(
            "#patch-lifecycle-impact td, #patch-lifecycle-selected li")])};
"""
)


@pytest.fixture(scope="module")
def cloud():
    return credentials()


@pytest.fixture(scope="module")
def session(cloud, browser):
    """The browser at 1400 x 1000 and a login that is reused while the user stays the same."""
    state = {"who": None}

    def as_user(who, theme):
        if state["who"] != who:
            browser_login(browser, cloud, who)
            state["who"] = who
        use_theme(browser, theme)

    with viewport(browser, WIDTH, HEIGHT):
        try:
            yield as_user
        finally:
            browser.delete_cookie("theme")


def save_screenshot(browser, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / ("%s.png" % name)
    browser.save_screenshot(str(path))
    if os.environ.get("PATCH_DASHBOARD_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)


def assert_fits(layout, where):
    assert (layout["innerWidth"], layout["innerHeight"]) == (WIDTH, HEIGHT), where
    # scrollWidth <= clientWidth: no horizontal scrollbar (clientWidth is innerWidth less a
    # vertical scrollbar, when there is one).
    assert layout["scrollWidth"] <= layout["clientWidth"] <= layout["innerWidth"], (
        "%s scrolls sideways: document %dpx wide in a %dpx window"
        % (where, layout["scrollWidth"], layout["clientWidth"])
    )
    assert layout["table"]["right"] <= layout["clientWidth"] + 0.5, where
    outside = [
        c for c in layout["controls"] if c["left"] < 0 or c["right"] > layout["clientWidth"] + 0.5
    ]
    assert outside == [], "%s: actions outside the viewport: %s" % (where, outside)
    # A name's cell is never squeezed to a few characters (at least 5em: about 10 of them).
    narrow = [n for n in layout["names"] if n["cell"] < 5 * n["em"]]
    assert narrow == [], "%s: name cells narrower than 5em: %s" % (where, narrow)


@pytest.mark.parametrize("who, theme, page, path, table_id", CASES)
def test_page_fits_1400_window(cloud, browser, session, who, theme, page, path, table_id):
    wait = WebDriverWait(browser, 60)
    session(who, theme)
    browser.get(cloud["horizon_url"] + path.format(**cloud["images"]))
    wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#%s tbody tr[data-object-id]" % table_id)
    )
    if page == "image-lifecycle-deprecate":
        row = browser.find_element(
            By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % cloud["images"]["ubuntu-2404-prev"]
        )
        row.find_element(By.CSS_SELECTOR, "a[id$='__action_deprecate']").click()
        wait.until(
            expected_conditions.visibility_of_element_located((By.ID, "patch-lifecycle-impact"))
        )
        wait.until(lambda d: d.execute_script(MEASURE_DIALOG)["opacity"] == "1")

    layout = browser.execute_script(MEASURE, table_id)
    where = "%s (%s theme)" % (page, theme)
    assert layout["theme"] == theme, where
    assert_fits(layout, where)
    if table_id in ("image_lifecycle", "outdated_instances", "patch_compliance"):
        assert layout["controls"], where
    if table_id == "image_lifecycle":
        labels = [c["text"] for c in layout["controls"]]
        assert "Mark Images Obsolete" in labels, labels

    # Text wraps at spaces (or hyphens): no word of up to 12 characters, in a name or any
    # other cell, is split across lines, and the seeded "Ubuntu 24.04 YYYYMMDD" builds take
    # at most 3 lines.
    assert layout["broken"] == [], "%s: words broken across lines: %s" % (where, layout["broken"])
    builds = {
        cloud["seed"]["images"][label]["name"] for label in ("ubuntu-2404-prev", "ubuntu-2404-old")
    }
    shown = [n for n in layout["names"] if n["text"] in builds]
    if table_id in ("image_patch_status", "lineage", "image_lifecycle"):
        assert {n["text"] for n in shown} == builds, where
    assert all(n["lines"] <= 3 for n in shown), (where, shown)

    if page == "image-lifecycle-deprecate":
        dialog = browser.execute_script(MEASURE_DIALOG)
        assert 0 <= dialog["dialog"]["left"] and dialog["dialog"]["right"] <= WIDTH, dialog
        assert dialog["submit"]["right"] <= dialog["content"]["right"], dialog
        assert dialog["overflowing"] == [], dialog
        assert dialog["broken"] == [], dialog
    if theme == "default":
        save_screenshot(browser, page)

    # A long unbroken name in a row (and in the dialog) breaks inside its cell: the page still
    # fits, and the name columns keep their width.
    browser.execute_script(LENGTHEN, table_id, LONG_VALUE)
    where += " with a %d-character word" % len(LONG_VALUE)
    assert_fits(browser.execute_script(MEASURE, table_id), where)
    if page == "image-lifecycle-deprecate":
        dialog = browser.execute_script(MEASURE_DIALOG)
        assert dialog["overflowing"] == [], (where, dialog)
