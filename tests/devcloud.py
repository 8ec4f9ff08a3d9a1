"""The development cloud as the browser tier sees it: its credentials and a real login."""

import json
import os
import pathlib

import pytest
import requests

CHECKOUT = pathlib.Path(__file__).resolve().parent.parent


def state_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PATCH_DASHBOARD_DEVCLOUD_DIR") or CHECKOUT / ".devcloud")


def credentials() -> dict:
    """credentials.json of the running cloud; skips locally, fails in CI, when it is down."""
    path = state_dir() / "credentials.json"
    problem = None
    if not path.is_file():
        problem = f"{path} missing"
    else:
        data = json.loads(path.read_text())
        try:
            requests.get(data["horizon_url"] + "/auth/login/", timeout=30).raise_for_status()
        except requests.RequestException as error:
            problem = f"Horizon does not answer: {error}"
    if problem:
        if os.environ.get("CI"):
            pytest.fail("development cloud unavailable in CI: " + problem, pytrace=False)
        pytest.skip("development cloud not running (make demo): " + problem)
    return data


def browser_login(driver, cloud: dict, who: str) -> None:
    """Log in through Horizon's form in the browser, as a person does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    user = cloud["users"][who]
    driver.delete_all_cookies()  # a new session (Horizon 27 logs out on POST only)
    driver.get(cloud["horizon_url"] + "/auth/login/")
    wait = WebDriverWait(driver, 60)
    wait.until(expected_conditions.presence_of_element_located((By.ID, "id_username")))
    driver.find_element(By.ID, "id_username").send_keys(user["username"])
    driver.find_element(By.ID, "id_password").send_keys(user["password"])
    driver.find_element(By.CSS_SELECTOR, "#loginBtn, button[type=submit]").click()
    wait.until(lambda d: "/auth/login" not in d.current_url)
    # Items Per Page at Horizon's largest: every seeded row on one page, bench data or not.
    driver.add_cookie({"name": "API_RESULT_PAGE_SIZE", "value": "1000", "path": "/"})
