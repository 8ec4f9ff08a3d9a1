"""WCAG 2.1 AA on every page the plugin renders (issue 14), by axe-core in Chromium against the
development cloud, in Horizon's default and material themes.

axe-core comes from npm (package.json, installed into node_modules/ by `npm ci`, the Makefile's
$(NODE_STAMP) rule that `make test` runs before this tier). It is injected into each page as
a person sees it, once the page is drawn: Image Patch Status, an image's page and Outdated
Instances (a member); Patch Compliance, Image Lifecycle and its Deprecate, Mark Obsolete and
Edit Patch Metadata dialogs (the admin); the Launch Instance wizard's Source step (with the
warning about a superseded build shown) and Flavor step (with the recommended flavor marked).
Rules: axe's wcag2a, wcag2aa, wcag21a and wcag21aa tags. Every plugin badge on a page is also
measured as drawn (text and background colour): at least 4.5:1.

Which violations count. A node axe reports is the plugin's when it is inside what the plugin
renders, found from the markup the plugin's own templates, cells and directives produce:
- one of its tables (#image_patch_status, #lineage, #outdated_instances, #patch_compliance,
  #image_lifecycle: the tables' Meta.name) or dialogs (#deprecate_image_modal,
  #obsolete_image_modal, #patch_metadata_modal: the views' modal_id);
- an element whose id or class starts with ``patch-`` (the plugin's templates mark all their
  containers so: #patch-state-summary, #patch-compliance-summary, .patch-image-detail,
  .patch-state badges, .patch-lifecycle-modal, .patch-dashboard-* in the wizard) or one of
  the wizard directives' own elements (<patch-dashboard-image-state>, ...).
Inside those containers, the parts that Horizon's DataTable and dialog templates draw the same
way for every Horizon table and dialog, whatever the plugin declares, are Horizon's widgets:
the search box, the header row, the footer (paging), the checkbox cells, the row-action menu's
caret, a dialog's close button (``.table_search, thead, tfoot, .multi_select_column,
.actions_column .dropdown-toggle, .modal-header .close``), unless the node's nearest plugin
container is itself inside such a part. The table and row actions (their names, colours) are
the plugin's. A contrast violation on an inactive control (``.disabled``, ``[disabled]``:
Horizon disables an action by class) is listed as inactive: WCAG 1.4.3 exempts it. Every
other node (Horizon's header, sidebar, breadcrumbs, the wizard's own frame and tables) is
Horizon's chrome. The plugin's violations fail the test; the others are printed (run with
-s), each node with its rule, and not counted.

The development cloud's Horizon compiles its SCSS once (django-compressor's offline manifest
keys a compress block by its markup, the same for both themes), so under the material cookie
it serves material's templates over the default theme's CSS. For the material runs this test
compiles the material theme's CSS with Horizon's own SCSS filter (the theme's variables, its
styles and the plugin's SCSS, as a deployment with material compiled serves it) and puts it in
place of the served CSS before axe runs.
"""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import CHECKOUT
from tests.browser.test_launch_wizard import allocate, go_to_step, open_wizard, wait_row
from tests.browser.test_page_width_devcloud import session  # noqa: F401 (fixture: login, theme)
from tests.devcloud import credentials, state_dir

pytestmark = pytest.mark.browser

AXE = CHECKOUT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
THEMES = ("default", "material")
WAIT = 60

# The plugin's containers, and Horizon's DataTable parts inside them (see the docstring).
PLUGIN_CONTAINERS = ", ".join(
    (
        "#image_patch_status",
        "#lineage",
        "#outdated_instances",
        "#patch_compliance",
        "#image_lifecycle",
        "#deprecate_image_modal",
        "#obsolete_image_modal",
        "#patch_metadata_modal",
        "[id^='patch-']",
        "[class^='patch-']",
        "[class*=' patch-']",
        "patch-dashboard-image-state",
        "patch-dashboard-flavor-fit",
        "patch-dashboard-source-guidance",
    )
)
HORIZON_PARTS = ", ".join(
    (
        ".table_search",
        "thead",
        "tfoot",
        ".multi_select_column",
        ".actions_column .dropdown-toggle",
        ".modal-header .close",
    )
)
# WCAG 1.4.3 asks no contrast of an inactive control (Horizon disables an action by class).
INACTIVE = ".disabled, [disabled], [aria-disabled='true']"

RUN_AXE = """
const [source, tags, done] = arguments;
if (!window.axe) { (0, eval)(source); }
axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then((result) => done(result.violations), (error) => done({error: String(error)}));
"""

# Each node of each violation with its owner: "plugin", "horizon-widget" (a part of Horizon's
# DataTable or dialog templates inside one of the plugin's containers) or "horizon".
CLASSIFY = """
const [violations, containers, horizonParts, inactive] = arguments;
const nodes = [];
for (const violation of violations) {
  for (const node of violation.nodes) {
    const selector = node.target[node.target.length - 1];
    const el = typeof selector === "string" ? document.querySelector(selector) : null;
    const container = el && el.closest(containers);
    let owner = "horizon";
    if (container) {
      // Horizon's part within the plugin's container (not the plugin's element in a part).
      const part = el.closest(horizonParts);
      owner = part && part !== container && container.contains(part) ? "horizon-widget" : "plugin";
      if (owner === "plugin" && violation.id === "color-contrast" && el.closest(inactive)) {
        owner = "inactive";
      }
    }
    nodes.push({owner: owner, rule: violation.id, impact: violation.impact,
                target: node.target.join(" "), html: node.html.slice(0, 200),
                summary: (node.failureSummary || "").replace(/\\s+/g, " ").slice(0, 300)});
  }
}
return nodes;
"""

# The colours of the plugin's badges as drawn, per state (its least readable badge): text,
# background and their contrast ratio.
BADGES = """
const channel = (c) => {
  c /= 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const parse = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
const luminance = (rgb) =>
  0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
const hex = (rgb) => "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
const seen = {};
for (const el of document.querySelectorAll(".patch-state")) {
  const style = getComputedStyle(el);
  const fg = parse(style.color), bg = parse(style.backgroundColor);
  const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
  const ratio = Math.round((a + 0.05) / (b + 0.05) * 100) / 100;
  const state = el.dataset.patchState;
  if (!(state in seen) || ratio < seen[state].ratio) {  // the lowest of each state's badges
    seen[state] = {text: hex(fg), background: hex(bg), ratio: ratio, filter: style.filter};
  }
}
return seen;
"""

# Material's CSS in place of the served one: the served sheets that come from the theme's and
# the plugins' SCSS blocks are switched off, the compiled material CSS put after them.
SWAP_CSS = """
const [css] = arguments;
if (document.getElementById("patch-a11y-material-css")) { return; }
for (const link of document.querySelectorAll("link[rel=stylesheet][href*='/css/output.']")) {
  let rules = [];
  try { rules = [...link.sheet.cssRules].map((r) => r.cssText); } catch (e) { continue; }
  if (rules.some((t) => t.includes(".label-warning") || t.includes(".patch-state"))) {
    link.disabled = true;
  }
}
const style = document.createElement("style");
style.id = "patch-a11y-material-css";
style.textContent = css;
document.head.appendChild(style);
"""

# Compiles with the development cloud's Horizon settings (its finders know the themes and the
# plugin's static files), in a process of its own: this one runs the test settings.
COMPILE = textwrap.dedent(
    """
    import os, sys
    os.environ["DJANGO_SETTINGS_MODULE"] = "openstack_dashboard.settings"
    import django
    django.setup()
    from django.conf import settings
    from horizon import themes
    from horizon.utils import scss_filter
    themes._local.theme = sys.argv[1]
    sources = ['@import "/dashboard/scss/themes.scss";']
    sources += ['@import "/%s";' % f for f in settings.HORIZON_CONFIG["scss_files"]]
    css = scss_filter.ScssFilter("\\n".join(sources), filename=None).input()
    sys.stdout.write(css)
    """
)


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        pytest.fail(
            "axe-core is missing (%s): install the npm packages with `make node_modules/.installed`"
            " (npm ci; `make test` does it before this tier)" % AXE,
            pytrace=False,
        )
    return AXE.read_text()


@pytest.fixture(scope="module")
def cloud():
    return credentials()


@pytest.fixture(scope="module")
def material_css(cloud):
    """The material theme's CSS as Horizon compiles it (themes.scss and every plugin's SCSS
    under the material theme), from the checkout's Horizon and the cloud's settings."""
    horizon_state = state_dir() / "horizon"
    done = subprocess.run(
        [sys.executable, "-c", COMPILE, "material"],
        cwd=horizon_state,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    css = done.stdout.lstrip("\ufeff")  # libsass's BOM would void the leading @import
    # Material's own colour and the plugin's badges are in it: it is the theme compiled.
    assert "#00897b" in css.lower() and ".patch-state" in css, css[:500]
    return css


@pytest.fixture
def audit(browser, axe_source, material_css):
    """axe on the page as it is now, in a theme: the plugin's violations, after printing all
    of them."""

    def run(theme, where):
        return _audit(browser, axe_source, material_css if theme == "material" else None, where)

    return run


def _audit(browser, axe_source, material_css, where):
    if material_css:
        browser.execute_script(SWAP_CSS, material_css)
        time.sleep(0.3)  # the new sheet applied before axe reads colours
    browser.set_script_timeout(120)
    violations = browser.execute_async_script(RUN_AXE, axe_source, TAGS)
    assert not isinstance(violations, dict), violations
    nodes = browser.execute_script(CLASSIFY, violations, PLUGIN_CONTAINERS, HORIZON_PARTS, INACTIVE)
    counts = {owner: 0 for owner in ("plugin", "inactive", "horizon-widget", "horizon")}
    for node in nodes:
        counts[node["owner"]] += 1
    print("\n== %s: %s" % (where, json.dumps(counts)))
    for owner in ("horizon", "horizon-widget", "inactive", "plugin"):
        for node in nodes:
            if node["owner"] == owner:
                print("   %-13s %-22s %s" % (owner, node["rule"], node["target"][:120]))
    return [node for node in nodes if node["owner"] == "plugin"]


def report(nodes):
    return "\n".join(
        "%s (%s) %s\n    %s\n    %s"
        % (node["rule"], node["impact"], node["target"], node["html"], node["summary"])
        for node in nodes
    )


def badges(browser):
    return browser.execute_script(BADGES)


def wait_for(browser, selector):
    WebDriverWait(browser, WAIT).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, selector))
    )


def open_dialog(browser, row_id, action):
    """A row action's dialog, opened as a person does (through the row's menu if need be)."""
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % row_id)
    link = row.find_element(By.CSS_SELECTOR, "[id$='__action_%s']" % action)
    if not link.is_displayed():
        row.find_element(By.CSS_SELECTOR, ".actions_column .dropdown-toggle").click()
    link.click()
    dialogs = {
        "deprecate": "deprecate_image",
        "obsolete": "obsolete_image",
        "patch_metadata": "patch_metadata",
    }
    modal = "#%s_modal" % dialogs[action]
    wait_for(browser, modal + " .modal-footer")
    WebDriverWait(browser, WAIT).until(
        lambda d: (
            d.execute_script(
                "return getComputedStyle(document.querySelector(arguments[0])).opacity", modal
            )
            == "1"
        )
    )


# (user, page, path, what shows that it is drawn, dialog to open: (image label, action))
PAGES = [
    ("alpha", "image-patch-status", "/project/image_patch_status/", "#image_patch_status", None),
    ("alpha", "image-detail", "/project/image_patch_status/{ubuntu-2404}/", "#lineage", None),
    ("alpha", "outdated-instances", "/project/outdated_instances/", "#outdated_instances", None),
    ("admin", "patch-compliance", "/admin/patch_compliance/", "#patch-compliance-chart", None),
    ("admin", "image-lifecycle", "/admin/image_lifecycle/", "#image_lifecycle", None),
    (
        "admin",
        "image-lifecycle-deprecate",
        "/admin/image_lifecycle/",
        "#image_lifecycle",
        ("ubuntu-2404-prev", "deprecate"),
    ),
    (
        "admin",
        "image-lifecycle-obsolete",
        "/admin/image_lifecycle/",
        "#image_lifecycle",
        ("ubuntu-2404-old", "obsolete"),
    ),
    (
        "admin",
        "image-lifecycle-metadata",
        "/admin/image_lifecycle/",
        "#image_lifecycle",
        ("ubuntu-2404", "patch_metadata"),
    ),
]
CASES = [
    pytest.param(theme, *page, id="%s-%s" % (page[1], theme))
    for who in ("alpha", "admin")
    for theme in THEMES
    for page in PAGES
    if page[0] == who
]


@pytest.mark.parametrize("theme, who, page, path, ready, dialog", CASES)
def test_plugin_page_has_no_axe_violation(
    cloud,
    browser,
    session,  # noqa: F811
    audit,
    theme,
    who,
    page,
    path,
    ready,
    dialog,
):
    session(who, theme)
    browser.get(cloud["horizon_url"] + path.format(**cloud["images"]))
    wait_for(browser, ready)
    if dialog:
        label, action = dialog
        open_dialog(browser, cloud["images"][label], action)
    plugin = audit(theme, "%s (%s theme)" % (page, theme))
    shown = badges(browser)
    print("   badges: %s" % json.dumps(shown, sort_keys=True))
    if page == "image-patch-status":
        # The summary shows a badge of every state the seed holds, each readable.
        assert {"current", "superseded", "stale", "deprecated", "obsolete"} <= set(shown), shown
    low = {state: badge for state, badge in shown.items() if badge["ratio"] < 4.5}
    assert low == {}, "badges below 4.5:1 on %s (%s): %s" % (page, theme, low)
    assert plugin == [], "axe violations on the plugin's elements, %s (%s theme):\n%s" % (
        page,
        theme,
        report(plugin),
    )


@pytest.mark.parametrize("theme", THEMES)
def test_launch_wizard_guidance_has_no_axe_violation(
    cloud,
    browser,
    session,  # noqa: F811
    audit,
    theme,
):
    session("alpha", theme)
    open_wizard(browser, cloud, "a11y-never-launched")

    # Source step: a badge on each image, and a superseded build chosen: the warning with
    # its one-click switch to the latest build.
    step = go_to_step(browser, "Source")
    superseded = cloud["seed"]["images"]["ubuntu-2404-prev"]["name"]
    allocate(wait_row(browser, step, superseded))
    wait_for(browser, ".patch-dashboard-image-warning .patch-dashboard-use-latest")
    wait_for(browser, "transfer-table .patch-dashboard-image-state .patch-state")
    plugin = audit(theme, "wizard Source step (%s theme)" % theme)
    low = {s: b for s, b in badges(browser).items() if b["ratio"] < 4.5}
    assert low == {}, low
    assert plugin == [], report(plugin)

    # Flavor step: the recommended flavor marked, and why.
    go_to_step(browser, "Flavor")
    wait_for(browser, ".patch-dashboard-flavor-recommended")
    plugin = audit(theme, "wizard Flavor step (%s theme)" % theme)
    assert plugin == [], report(plugin)
