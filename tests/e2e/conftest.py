"""Browser tests: the real pages in headless Chromium (Debian's package), driven by Playwright."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.marketing.conftest import registry  # noqa: F401  (the hand-worked client registry, for the client pages)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The machine has no internet: without these Chromium keeps trying to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an event loop in the test thread from here on; the ORM calls
    # the tests and fixtures make there are plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, locale="en-US")  # Chinese all the same
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def log_in(page):
    def log_in_as(user, password="e2e-password-1"):
        user.set_password(password)
        user.save()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        return page

    return log_in_as
