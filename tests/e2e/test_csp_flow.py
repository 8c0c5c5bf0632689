"""The Content-Security-Policy in the browser: chromium blocks nothing the pages need.

The policy forbids inline scripts and styles. The markup is checked without a browser
(tests/test_security_headers.py); this test catches what only a browser does: a script that
writes style="…" through innerHTML, an htmx swap that injects a style element, a chart
tooltip. Every page below is opened, used a little (hover a chart, type in an htmx search)
and must end with no `securitypolicyviolation` event and no CSP message on the console.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login, switch_user

pytestmark = pytest.mark.django_db(transaction=True)

# Records the page's CSP violations; Playwright injects it, so the policy does not apply to it.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture
def strict_page(browser: object, live_server: object) -> Iterator[object]:
    """A page that keeps the site's CSP (the shared `page` fixture bypasses it). Waits use
    selectors only: Playwright's wait_for_function() needs eval, which the policy refuses."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def _open(page: object, path: str, console: list[str]) -> list[str]:
    """Open `path`, let it settle, and return its violations and CSP console messages."""
    base = page.base_url  # type: ignore[attr-defined]
    console.clear()
    page.goto(f"{base}{path}")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    return _violations(page, console)


def _violations(page: object, console: list[str]) -> list[str]:
    found = page.evaluate("window.__csp || []")  # type: ignore[attr-defined]
    return [*found, *console]


def _hover_charts(page: object) -> None:
    page.wait_for_selector(".chart[data-chart] canvas")  # type: ignore[attr-defined]
    for chart in page.locator(".chart[data-chart]:visible").all():  # type: ignore[attr-defined]
        box = chart.bounding_box()
        # the middle of the plot: a bar, a point or a funnel stage, so a tooltip opens
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]


def test_no_page_meets_the_content_security_policy(strict_page: object) -> None:
    page = strict_page
    call_command("seed_demo")
    console: list[str] = []
    page.on(  # type: ignore[attr-defined]
        "console",
        lambda message: "Content Security Policy" in message.text and console.append(message.text),
    )
    page.add_init_script(RECORD_VIOLATIONS)  # type: ignore[attr-defined]
    problems: dict[str, list[str]] = {}

    for path in ["/", "/needs/", "/results/", "/experts/", "/events/", "/api/docs/"]:
        problems[f"anonymous {path}"] = _open(page, path, console)
    # Swagger UI renders the schema with its own scripts
    assert page.locator(".swagger-ui .info").count() == 1  # type: ignore[attr-defined]

    login(page, "demo_enterprise")
    for path in ["/", "/needs/mine/", "/accounts/notifications/", "/needs/new/"]:
        problems[f"demo_enterprise {path}"] = _open(page, path, console)
    # the completeness meter (htmx, its bar a .w-pct-N class) redraws as the form is typed in
    page.fill("#id_title", "高温合金叶片精密铸造工艺优化")  # type: ignore[attr-defined]
    page.fill("#id_description", "叶片铸造合格率偏低，需要优化定向凝固工艺参数。")  # type: ignore[attr-defined]
    page.press("#id_description", "Tab")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector("#completeness-panel [role=progressbar]", state="attached")  # type: ignore[attr-defined]
    score = int(page.get_attribute("#completeness-panel [role=progressbar]", "aria-valuenow"))  # type: ignore[attr-defined]
    share = page.evaluate(  # type: ignore[attr-defined]
        "(() => { const bar = document.querySelector('#completeness-panel .progress-bar');"
        " const track = bar.parentElement.getBoundingClientRect();"
        " return bar.getBoundingClientRect().width / track.width; })()"
    )
    assert abs(share - score / 100) < 0.02, (share, score)
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    problems["demo_enterprise need form typed in"] = _violations(page, console)

    switch_user(page, "demo_staff")
    for path in ["/matching/dashboard/", "/matching/statistics/"]:
        problems[f"demo_staff {path}"] = _open(page, path, console)
        _hover_charts(page)
        problems[f"demo_staff {path} charts hovered"] = _violations(page, console)
    problems["demo_staff /matching/manual/"] = _open(page, "/matching/manual/", console)
    # the htmx search lists (hx-trigger "load" and typing) fill in
    page.wait_for_selector("#need-options > *")  # type: ignore[attr-defined]
    page.fill("#need-search", "材料")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    problems["demo_staff manual search typed in"] = _violations(page, console)
    for path in ["/review/", "/matching/review/", "/matching/pairs/", "/events/", "/challenges/"]:
        problems[f"demo_staff {path}"] = _open(page, path, console)

    found = {where: seen for where, seen in problems.items() if seen}
    assert found == {}, found
