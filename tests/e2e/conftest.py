"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Skipped with a visible reason when /usr/bin/chromium is not installed (.ci/run installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"e2e: {CHROMIUM} not installed"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, live_server: object) -> Iterator[object]:
    # The flows drive pages with page.wait_for_function(), which Playwright evaluates with
    # eval() inside the page: the site's CSP (no 'unsafe-eval') would refuse it. The policy
    # itself is tested in a context that keeps it (tests/e2e/test_csp_flow.py).
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="zh-CN", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def login(page: object, username: str, password: str = "duijie-demo") -> None:
    base = page.base_url  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/")  # type: ignore[attr-defined]
    page.fill("#id_username", username)  # type: ignore[attr-defined]
    page.fill("#id_password", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def switch_user(page: object, username: str) -> None:
    page.context.clear_cookies()  # type: ignore[attr-defined]
    login(page, username)


def submit(page: object, selector: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(selector)  # type: ignore[attr-defined]


def success(page: object) -> str:
    """The page's messages; fails on an error message (it says why)."""
    errors = page.locator(".messages .alert-danger")  # type: ignore[attr-defined]
    assert errors.count() == 0, errors.first.inner_text()
    return page.inner_text(".messages")  # type: ignore[attr-defined, no-any-return]
