"""Browser tests: the admin driven in headless Chromium as staff would (Selenium, Debian's
`chromium` and `chromium-driver`).

Where no Chromium is installed they are skipped with the reason; under `CI=true` a missing
browser fails them instead, because `.ci/run` installs it (a CI run must never skip them).
"""

import os
import shutil

import pytest

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_CANDIDATES = ("chromedriver",)


def _first_on_path(names):
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium_paths():
    browser = os.environ.get("CHROMIUM_BINARY") or _first_on_path(CHROMIUM_CANDIDATES)
    driver = os.environ.get("CHROMEDRIVER") or _first_on_path(DRIVER_CANDIDATES)
    if browser and driver:
        return browser, driver
    reason = "no Chromium and ChromeDriver on PATH (Debian: apt-get install chromium chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; .ci/run installs them, so CI must not skip browser tests")
    pytest.skip(reason)


@pytest.fixture
def browser(chromium_paths):
    """A headless Chromium at 1440x900 (the width staff use), closed after the test."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium_paths
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1440,900",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def admin_login(browser, live_server):
    """Log a staff user into the admin through its login form, as a person would."""
    from selenium.webdriver.common.by import By

    def login(username: str, password: str) -> None:
        browser.get(f"{live_server.url}/admin/login/")
        browser.find_element(By.NAME, "username").send_keys(username)
        browser.find_element(By.NAME, "password").send_keys(password)
        browser.find_element(By.CSS_SELECTOR, "input[type=submit], button[type=submit]").click()
        browser.find_element(By.ID, "user-tools")  # the logged-in header; waits for the page

    return login
