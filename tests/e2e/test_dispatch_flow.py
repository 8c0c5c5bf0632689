"""Issue 13 in the browser, on a phone (375 px wide, nothing wider than the screen): staff
publish the solved round; the assigned expert logs a visit (one column) and then proposes a
cooperation on it."""

from __future__ import annotations

import pytest
from django.test import Client

from matching.models import Match
from portal.dispatch import services
from portal.dispatch.models import Assignment
from tests.dispatch import test_services
from tests.e2e.conftest import submit

pytestmark = pytest.mark.django_db(transaction=True)

field = test_services.field
world = test_services.world


def _login(page, user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base_url}]
    )


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return bool(widths[0] <= widths[1])


def test_the_visit_log_fits_a_phone(page, world, staff, field) -> None:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    services.volunteer(
        user=world["prof"], round_=round_, capacity=2, field_ids=[field.pk], districts=["370100"]
    )
    services.round_solve(user=staff, round_=round_)
    base = page.base_url
    _login(page, staff)
    page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{base}/dispatch/{round_.pk}/")  # type: ignore[attr-defined]
    assert "王教授" in page.inner_text("#assignments")  # type: ignore[attr-defined]
    page.screenshot(path="/tmp/dispatch-round-375.png", full_page=True)  # type: ignore[attr-defined]
    assert _fits(page), "the round page overflows at 375 px"
    submit(page, "#round-publish")
    row = Assignment.objects.get()
    page.context.clear_cookies()  # type: ignore[attr-defined]
    _login(page, world["prof"])
    page.goto(f"{base}/dispatch/mine/")  # type: ignore[attr-defined]
    submit(page, "a:has-text('记录服务')")
    page.select_option("#id_mode", "remote")  # type: ignore[attr-defined]
    page.fill("#id_problem", "注塑件表面缩痕，保压不足。")  # type: ignore[attr-defined]
    page.fill("#id_advice", "延长保压时间，调整模温。")  # type: ignore[attr-defined]
    page.fill("#id_next_step", "下周试制样件")  # type: ignore[attr-defined]
    page.screenshot(path="/tmp/dispatch-visit-375.png", full_page=True)  # type: ignore[attr-defined]
    assert _fits(page), "the visit form overflows at 375 px"
    submit(page, "#visit-form button[type=submit]")
    assert row.visits.count() == 1
    submit(page, "button:has-text('提出合作')")
    assert Match.objects.filter(need=world["need"], expert=world["expert"]).exists()
    assert page.locator("a:has-text('查看对接记录')").count() == 1  # type: ignore[attr-defined]
    assert _fits(page), "the visit page overflows at 375 px"
