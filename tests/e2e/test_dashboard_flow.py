"""Issue 14, the dashboard in the browser: demo_staff picks a district and a period, clicks a
number and lands on a list of that many pairs; the funnel's labels are readable; the page
fits a 375-px phone. Screenshots go to var/screenshots/ (ignored by git)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from portal.models import Need
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DISTRICT = "370102"  # 济南市 历下区


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(foreground: str, background: str = "#ffffff") -> float:
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_staff_filter_the_dashboard_and_drill_down_to_the_list(page: object) -> None:
    call_command("seed_demo")
    # The demo files Jinan's enterprises at city level; put their needs in a district so
    # the district breakdown and filter have something to show.
    moved = Need.objects.filter(region_code="370100").update(region_code=DISTRICT)
    assert moved > 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = page.base_url  # type: ignore[attr-defined]
    login(page, "demo_staff")
    page.goto(f"{base}/matching/dashboard/")  # type: ignore[attr-defined]
    assert "历下区" in page.inner_text("#card-region")  # type: ignore[attr-defined]

    # a district, applied: empty fields stay out of the URL
    page.select_option("#id_region", DISTRICT)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#dashboard-filter-form button[type=submit]")  # type: ignore[attr-defined]
    assert page.url.endswith(f"/matching/dashboard/?region={DISTRICT}")  # type: ignore[attr-defined]
    # then a period
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("[data-period=year]")  # type: ignore[attr-defined]
    url = page.url  # type: ignore[attr-defined]
    assert f"region={DISTRICT}" in url
    assert "from=" in url
    assert "to=" in url
    assert "历下区" in page.inner_text("#dashboard-scope")  # type: ignore[attr-defined]

    # the first card with pairs behind it: click the number, count the list
    number, card = 0, ""
    for card in ("approved", "intentions", "matches"):
        number = int(page.inner_text(f"#stat-{card}").strip())  # type: ignore[attr-defined]
        if number:
            break
    assert number > 0, "the demo district has no pairs this year"
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"#stat-{card}")  # type: ignore[attr-defined]
    assert "/matching/pairs/?" in page.url  # type: ignore[attr-defined]
    assert f"region={DISTRICT}" in page.url  # type: ignore[attr-defined]
    assert int(page.inner_text("#match-count")) == number  # type: ignore[attr-defined]
    rows = page.locator("#match-list tbody tr").count()  # type: ignore[attr-defined]
    assert rows == min(number, 25)

    # back on the dashboard: the funnel's labels are dark text outside the bars
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "window.echarts && echarts.getInstanceByDom(document.getElementById('chart-funnel'))"
    )
    label = page.evaluate(  # type: ignore[attr-defined]
        "echarts.getInstanceByDom(document.getElementById('chart-funnel'))"
        ".getOption().series[0].label"
    )
    assert label["show"] is True
    assert label["position"] in ("right", "left", "outside")
    assert _contrast(label["color"]) >= 7  # dark on the white card, WCAG AAA
    # the same figures as a table under the chart
    assert page.locator("#table-funnel tbody tr").count() == 7  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / "dashboard-1280.png"), full_page=True)  # type: ignore[attr-defined]

    # a phone: filters folded behind 筛选, charts and tables inside the page's width
    page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.goto(url)  # type: ignore[attr-defined]
    assert not page.is_visible("#dashboard-filter-form")  # type: ignore[attr-defined]
    page.click("#dashboard-filter-toggle")  # type: ignore[attr-defined]
    page.wait_for_selector("#dashboard-filter-form", state="visible")  # type: ignore[attr-defined]
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 375 px"
    chart_width = page.evaluate(  # type: ignore[attr-defined]
        "document.getElementById('chart-month').getBoundingClientRect().width"
    )
    assert 0 < chart_width <= 375
    page.screenshot(path=str(SCREENSHOTS / "dashboard-375.png"), full_page=True)  # type: ignore[attr-defined]
    assert (SCREENSHOTS / "dashboard-375.png").stat().st_size > 0
