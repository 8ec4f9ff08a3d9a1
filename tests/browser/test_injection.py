"""Hostile image metadata renders inert in Chromium, on every plugin page.

pytest-django's live_server serves the plugin with Horizon's API mocked (no real network call
is allowed); Glance holds images whose names, family names, properties and deprecation
reasons carry HTML, JavaScript and AngularJS expressions, and Nova servers named the same way.
Before any page script runs, ``window.alert`` is replaced by a recorder; every payload either
calls ``alert`` or sets ``window.__pdx_ran``. A page fails the test when:

- any payload ran (an alert was recorded, the flag is set, or a real dialog is open);
- an AngularJS expression was evaluated (``pdx49pdx`` is in the page text) or the literal
  ``pdx{{7*7}}pdx`` / ``pdx{$7*7$}pdx`` is missing where the name is shown.

Horizon's ``<body ng-app>`` compiles the whole server-rendered page, so Django's escaping alone
would not stop an expression: AngularJS 1.8 has no sandbox, and ``constructor.constructor``
runs any JavaScript. Horizon interpolates ``{$ ... $}`` (framework.module.js), so that form is
tested beside the usual ``{{ ... }}``; Horizon's escape() shows it defused as ``{% ... %}``.
"""

import uuid
from unittest import mock

import pytest
from openstack_dashboard import api
from selenium.common.exceptions import UnexpectedAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import logged_in_without_network
from tests.views import data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=False)]

ANGULAR = "pdx{{7*7}}pdx"
# Horizon's AngularJS interpolates {$ $}, not {{ }} (framework.module.js): the live vector.
HORIZON_ANGULAR = "pdx{$7*7$}pdx"
# Horizon's escape() (horizon/utils/escape.py, patched into Django) turns {$ $} into {% %}.
DEFUSED = "pdx{%7*7%}pdx"
EVALUATED = "pdx49pdx"
PAYLOADS = (
    "<script>window.__pdx_ran=1;alert('script')</script>",
    '"><img src=x onerror="window.__pdx_ran=1;alert(\'img\')">',
    "'><svg onload=alert('svg')>",
    ANGULAR,
    HORIZON_ANGULAR,
    "{{constructor.constructor('window.__pdx_ran=1;alert(\"angular\")')()}}",
    "{$constructor.constructor('window.__pdx_ran=1;alert(\"horizon\")')()$}",
)
HOOK = """
window.__pdx_alerts = [];
window.alert = window.confirm = window.prompt = function (message) {
  window.__pdx_alerts.push(String(message));
};
"""


def hostile_cloud():
    """Images and servers whose every shown field carries a payload."""
    images = []
    reason = " ".join(PAYLOADS)
    for index, payload in enumerate(PAYLOADS):
        family = "Fam %d %s" % (index, payload)
        images.append(
            data.glance_image(
                f"hostile-old-{index}",
                payload,
                image_name=family,
                image_build_date=data.days_ago(90),
                internal_version="1 " + payload,
                patchlevel=payload,
                replace_frequency="monthly",
                deprecation_state="deprecated",
                deprecated_at=data.timestamp(2),
                deprecation_reason=reason,
                os_distro=payload,
                hw_cpu_policy=payload,
            )
        )
        images.append(
            data.glance_image(
                f"hostile-new-{index}",
                payload + " new",
                image_name=family,
                image_build_date="garbage " + payload,  # unparsable: raw value shown
                internal_version="2",
                patchlevel=payload,
                replace_frequency=payload,
                provided_until=payload,
            )
        )
    servers = [
        data.nova_server(payload, image_label=f"hostile-old-{index}")
        for index, payload in enumerate(PAYLOADS)
    ]
    return images, servers


@pytest.fixture(params=["member", "admin"])
def hostile_horizon(request, live_server, browser, monkeypatch):
    """A logged-in member or admin; Glance, Nova, Cinder, Keystone answer the hostile cloud."""
    role = request.param
    images, servers = hostile_cloud()
    by_id = {image.id: image for image in images}

    def image_list(request, marker=None, filters=None, paginate=False, **kwargs):
        hidden = bool((filters or {}).get("os_hidden"))
        return [i for i in images if bool(i.os_hidden) == hidden], False, False

    with (
        logged_in_without_network(monkeypatch, admin=role == "admin") as test_data,
        mock.patch.object(api.glance, "image_list_detailed", side_effect=image_list),
        mock.patch.object(api.glance, "image_get", side_effect=lambda r, i: by_id[i]),
        mock.patch.object(api.nova, "server_list", return_value=(servers, False)),
        mock.patch.object(api.nova, "flavor_list", return_value=data.flavors()),
        mock.patch.object(api.cinder, "volume_list", return_value=[]),
        mock.patch.object(
            api.keystone, "tenant_list", return_value=(test_data.tenants.list(), False)
        ),
    ):
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
        yield role, live_server.url


def pages(role):
    old = data.image_id("hostile-old-0")
    new = data.image_id("hostile-new-3")  # named ANGULAR
    reflected = uuid.uuid4().hex + '"><img src=x onerror=alert(9)>'
    project = [
        "/project/image_patch_status/",
        f"/project/image_patch_status/{old}/",
        f"/project/image_patch_status/{new}/",
        "/project/image_patch_status/?family=" + "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(5)%3E",
        "/project/image_patch_status/?state=%3Cscript%3Ealert(6)%3C/script%3E",
        f"/project/image_patch_status/{reflected}/",  # redirected with an error message
        "/project/outdated_instances/?show=all",
    ]
    if role == "member":
        return project
    return project + [
        "/admin/image_lifecycle/",
        f"/admin/image_lifecycle/deprecate/?image={old}",
        f"/admin/image_lifecycle/obsolete/?image={old}",
        f"/admin/image_lifecycle/{new}/metadata/",
        "/admin/patch_compliance/",
        "/admin/patch_compliance/?family=%3Cscript%3Ealert(7)%3C/script%3E",
    ]


def angular_ready(driver):
    return driver.execute_script(
        "return document.readyState === 'complete' && !!window.angular && "
        "!!angular.element(document.body).injector();"
    )


def test_payloads_render_inert(hostile_horizon, browser, screenshot):
    role, base = hostile_horizon
    problems = []
    seen = set()
    for path in pages(role):
        try:
            browser.get(base + path)
            WebDriverWait(browser, 60).until(angular_ready)
            # Let Angular finish its digest and images fail to load (onerror).
            browser.execute_script("return new Promise(r => setTimeout(r, 300));")
            alerts = browser.execute_script("return window.__pdx_alerts || [];")
            ran = browser.execute_script("return !!window.__pdx_ran;")
            page_text = browser.find_element(By.TAG_NAME, "body").text
        except UnexpectedAlertPresentException as error:
            problems.append(f"{path}: a real dialog opened: {error.alert_text}")
            continue
        if alerts or ran:
            problems.append(f"{path}: script ran: alerts={alerts} flag={ran}")
        if EVALUATED in page_text:
            problems.append(f"{path}: AngularJS evaluated {{{{7*7}}}}")
        shown = {text for text in (ANGULAR, HORIZON_ANGULAR, DEFUSED) if text in page_text}
        seen |= shown
        if "alert(9)" not in path and "?" not in path and not shown:
            problems.append(f"{path}: no expression shown as text (page did not render?)")
    if ANGULAR not in seen or not {HORIZON_ANGULAR, DEFUSED} & seen:
        problems.append(f"expressions shown as text: {sorted(seen)}")
    screenshot(f"injection_{role}_last_page")
    assert problems == [], "\n".join(problems)
