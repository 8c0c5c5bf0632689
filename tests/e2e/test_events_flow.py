"""Issue 11 done-when, in the browser: staff create a matchmaking meeting (对接会) with its
venues and postings and publish it → an enterprise and a university register with what
they bring and are approved → the enterprise asks the university for a 1:1 meeting, which
is accepted → staff schedule and publish → each side's agenda (and its .ics) shows the
meeting → the outcome 达成意向 puts exactly one pair at intention in the staff pipeline
and the dashboard's 对接会 table."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from matching.lists import index_cache
from matching.models import Match, MatchStatus, MatchTransition
from portal.events.models import Event, Meeting
from portal.models import Need, Result
from tests.e2e.conftest import login, submit, success, switch_user

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "济南市新材料产学研专场对接会（浏览器测试）"
ENTERPRISE = "山东齐鲁新材料科技有限公司"
UNIVERSITY = "山东大学"
# The meeting is about this need × result: in the demo no pair of them has been taken up.
NEED = "长玻纤增强聚丙烯制品翘曲变形"
RESULT = "耐低温高韧性聚丙烯复合材料"
# Also attached to the event (another field, to see the grouping on the public page).
OTHER_NEED = "稀土永磁电机磁钢高温退磁问题"
OTHER_RESULT = "低重稀土烧结钕铁硼工艺"
MAIN_VENUE = "经十路会议中心"
OUTCOME_NOTE = "双方同意开展中试合作，一个月内签订技术开发合同。"


def _attach(page: object, kind: str, keyword: str, titles: list[str]) -> None:
    """Staff find published postings with the "add from the registers" search and add them."""
    page.select_option("#posting-search select[name=kind]", kind)  # type: ignore[attr-defined]
    page.fill("#posting-search input[name=q]", keyword)  # type: ignore[attr-defined]
    submit(page, "#posting-search button[type=submit]")
    for title in titles:
        page.locator("#attach-form").get_by_label(title, exact=True).check()  # type: ignore[attr-defined]
    submit(page, "#attach-form button[type=submit]")
    assert "已加入" in success(page)


def _register(page: object, base: str, event_pk: int, what: str) -> None:
    """The signed-in participant registers for the main venue, bringing one posting."""
    page.goto(f"{base}/events/{event_pk}/")  # type: ignore[attr-defined]
    form = page.locator("#register-form")  # type: ignore[attr-defined]
    main = form.locator("select[name=venue] option", has_text="主会场").get_attribute("value")
    form.locator("select[name=venue]").select_option(main)
    form.get_by_label(what, exact=True).check()
    submit(page, "#register-form button[type=submit]")
    assert "报名已提交" in success(page)
    assert "待审核" in page.inner_text("#registration-status")  # type: ignore[attr-defined]


def test_staff_run_a_matchmaking_meeting_from_creation_to_intention(page: object) -> None:
    # Registration and requests close later today, outcomes open today: run at 10:00 in
    # Shanghai whatever the clock says (the live server's thread is travelled too).
    today = dt.datetime.now(SHANGHAI).date()
    morning = dt.datetime.combine(today, dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(morning, tick=True):
        _story(page, today)


def _story(page: object, today: dt.date) -> None:
    index_cache.index_cache_clear()
    call_command("seed_demo")
    need = Need.objects.get(organization__name=ENTERPRISE, title=NEED)
    result = Result.objects.get(organization__name=UNIVERSITY, title=RESULT)
    assert not Match.objects.filter(need=need, result=result).exclude(status="suggested").exists()
    base = page.base_url  # type: ignore[attr-defined]

    # 1. Staff create the event, add two venues and the postings, and publish it.
    login(page, "demo_staff")
    page.goto(f"{base}/events/")  # type: ignore[attr-defined]
    submit(page, "#event-create")
    page.fill("#id_title", TITLE)  # type: ignore[attr-defined]
    page.fill("#id_summary", "新材料领域企业技术需求与高校成果一对一洽谈。")  # type: ignore[attr-defined]
    page.fill("#id_start_date", today.isoformat())  # type: ignore[attr-defined]
    page.fill("#id_end_date", today.isoformat())  # type: ignore[attr-defined]
    page.fill("#id_registration_deadline", f"{today.isoformat()}T18:00")  # type: ignore[attr-defined]
    page.fill("#id_request_cutoff", f"{today.isoformat()}T20:00")  # type: ignore[attr-defined]
    page.select_option("#id_region_code", "370100")  # type: ignore[attr-defined]
    page.fill("#id_organizer_name", "济南市科学技术局")  # type: ignore[attr-defined]
    page.fill("#id_slots_per_day", "6")  # type: ignore[attr-defined]
    submit(page, "#event-form button[type=submit]")
    assert "对接会已创建" in success(page)
    created = re.search(r"/events/(\d+)/manage/#venues$", page.url)  # type: ignore[attr-defined]
    assert created is not None, page.url  # type: ignore[attr-defined]
    event_pk = int(created.group(1))
    manage_url = f"{base}/events/{event_pk}/manage/"
    assert "筹备中" in page.inner_text("#event-status")  # type: ignore[attr-defined]

    venues = [
        ("main", MAIN_VENUE, "济南市历下区经十路 9999 号 浏览器测试会议中心一楼", "120", "4"),
        ("branch", "新材料分会场", "济南市高新区舜华路 1 号 浏览器测试创新谷", "40", "2"),
    ]
    for kind, name, address, capacity, tables in venues:
        page.select_option("#venue-add select[name=kind]", kind)  # type: ignore[attr-defined]
        page.fill("#venue-add input[name=name]", name)  # type: ignore[attr-defined]
        page.fill("#venue-add input[name=address]", address)  # type: ignore[attr-defined]
        page.fill("#venue-add input[name=capacity]", capacity)  # type: ignore[attr-defined]
        page.fill("#venue-add input[name=tables]", tables)  # type: ignore[attr-defined]
        submit(page, "#venue-add button[type=submit]")
        assert f"已添加{'主会场' if kind == 'main' else '分会场'}" in success(page)
    venue_table = page.inner_text("#venue-table")  # type: ignore[attr-defined]
    assert MAIN_VENUE in venue_table
    assert "新材料分会场" in venue_table

    _attach(page, "need", "长玻纤", [NEED])
    _attach(page, "need", "稀土永磁", [OTHER_NEED])
    _attach(page, "result", "耐低温高韧性", [RESULT])
    _attach(page, "result", "低重稀土", [OTHER_RESULT])
    postings = page.inner_text("#posting-table")  # type: ignore[attr-defined]
    for title in (NEED, OTHER_NEED, RESULT, OTHER_RESULT):
        assert title in postings

    submit(page, "#publish-event")
    assert "活动已发布" in success(page)
    assert "已发布" in page.inner_text("#event-status")  # type: ignore[attr-defined]

    # 2. The enterprise sees the postings by field and registers; so does the university;
    # staff approve both.
    switch_user(page, "demo_enterprise")
    page.goto(f"{base}/events/")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"a:has-text('{TITLE}')")  # type: ignore[attr-defined]
    groups = page.locator("#postings .posting-group").all_inner_texts()  # type: ignore[attr-defined]
    assert "金属材料" in groups
    assert "高分子材料" in groups
    polymers = page.locator(  # type: ignore[attr-defined]
        "#postings .posting-group:has-text('高分子材料') + ol"
    ).inner_text()
    assert NEED in polymers
    assert RESULT in polymers
    _register(page, base, event_pk, NEED)

    switch_user(page, "demo_researcher")
    _register(page, base, event_pk, RESULT)

    switch_user(page, "demo_staff")
    page.goto(f"{manage_url}#registrations")  # type: ignore[attr-defined]
    for org in (ENTERPRISE, UNIVERSITY):
        row = f"#registration-table tr:has-text('{org}')"
        submit(page, f"{row} button[name=approve][value='1']")
        assert "已通过" in page.inner_text(row)  # type: ignore[attr-defined]

    # 3. The enterprise asks the university for a meeting on its need and their result.
    switch_user(page, "demo_enterprise")
    page.goto(f"{base}/events/{event_pk}/")  # type: ignore[attr-defined]
    assert "已通过" in page.inner_text("#registration-status")  # type: ignore[attr-defined]
    card = page.locator(".participant", has_text=UNIVERSITY)  # type: ignore[attr-defined]
    card.locator("summary", has_text="预约洽谈").click()
    card.locator("select[name=need]").select_option(label=f"本单位：{NEED}")
    card.locator("select[name=offer]").select_option(label=f"{UNIVERSITY}：{RESULT}")
    card.locator("textarea[name=message]").fill("希望了解低重稀土磁钢的耐温等级和中试条件。")
    with page.expect_navigation():  # type: ignore[attr-defined]
        card.locator("button[type=submit]").click()
    assert "洽谈预约已发出" in success(page)
    assert UNIVERSITY in page.inner_text("#requests-sent")  # type: ignore[attr-defined]

    switch_user(page, "demo_researcher")
    page.goto(f"{base}/events/{event_pk}/#requests")  # type: ignore[attr-defined]
    received = page.locator("#requests-received tr", has_text=ENTERPRISE)  # type: ignore[attr-defined]
    assert NEED in received.inner_text()
    with page.expect_navigation():  # type: ignore[attr-defined]
        received.locator("button", has_text="接受").click()
    assert "已接受洽谈预约" in success(page)
    assert "已接受" in received.locator(".request-status").inner_text()

    # 4. Staff schedule the accepted meeting and publish the schedule.
    switch_user(page, "demo_staff")
    page.goto(f"{manage_url}#schedule")  # type: ignore[attr-defined]
    submit(page, "#solve-button")
    assert "已排入 1 场" in success(page)
    assert page.inner_text("#run-placed").strip() == "1"  # type: ignore[attr-defined]
    cell = page.locator(".schedule-grid td[id^=cell-]")  # type: ignore[attr-defined]
    assert cell.count() == 1
    assert ENTERPRISE in cell.inner_text()
    assert UNIVERSITY in cell.inner_text()
    meeting_pk = int(cell.get_attribute("id").removeprefix("cell-"))
    submit(page, "#publish-schedule")
    assert "日程已发布" in success(page)
    # The grid at 1280 px, from a full-page shot (an element shot scrolls the section under
    # the sticky section nav, which then covers its heading).
    box = page.evaluate(  # type: ignore[attr-defined]
        "(() => { const r = document.querySelector('#schedule').getBoundingClientRect();"
        " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; })()"
    )
    page.screenshot(path="/tmp/events-manage-schedule-1280.png", full_page=True, clip=box)  # type: ignore[attr-defined]

    # 5. Each side's agenda shows the meeting with the other side; the .ics is a calendar.
    for username, other in (("demo_enterprise", UNIVERSITY), ("demo_researcher", ENTERPRISE)):
        switch_user(page, username)
        page.goto(f"{base}/events/{event_pk}/")  # type: ignore[attr-defined]
        with page.expect_navigation():  # type: ignore[attr-defined]
            page.click("#agenda-link")  # type: ignore[attr-defined]
        assert f"/events/{event_pk}/agenda/" in page.url  # type: ignore[attr-defined]
        row = page.inner_text(f"#agenda #meeting-{meeting_pk}")  # type: ignore[attr-defined]
        assert other in row
        assert MAIN_VENUE in row
        assert "日程尚未正式发布" not in page.inner_text("#agenda")  # type: ignore[attr-defined]
        ics = page.request.get(base + page.get_attribute("#ics-link", "href"))  # type: ignore[attr-defined]
        assert ics.ok
        assert ics.headers["content-type"].startswith("text/calendar")
        assert "BEGIN:VEVENT" in ics.text()
        if username == "demo_enterprise":
            page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
            page.screenshot(path="/tmp/events-agenda-375.png", full_page=True)  # type: ignore[attr-defined]
            widths = page.evaluate(  # type: ignore[attr-defined]
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], f"the agenda overflows at 375 px: {widths}"
            page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]

    # 6. The university records the outcome 达成意向 from its agenda.
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"#meeting-{meeting_pk} a:has-text('记录结果')")  # type: ignore[attr-defined]
    page.select_option("#outcome-form select[name=outcome]", "intention")  # type: ignore[attr-defined]
    page.fill("#outcome-form textarea[name=note]", OUTCOME_NOTE)  # type: ignore[attr-defined]
    submit(page, "#outcome-form button[type=submit]")
    assert "洽谈结果已记录" in success(page)
    assert "达成意向" in page.inner_text("#recorded-outcome")  # type: ignore[attr-defined]

    # 7. Staff see the pair at 达成意向 in the pipeline and the event on the dashboard.
    switch_user(page, "demo_staff")
    page.goto(f"{manage_url}#outcomes")  # type: ignore[attr-defined]
    outcome_row = page.locator(f"#outcome-table #meeting-{meeting_pk}")  # type: ignore[attr-defined]
    assert outcome_row.locator("select[name=outcome]").input_value() == "intention"
    page.goto(f"{base}/matching/pairs/")  # type: ignore[attr-defined]
    page.select_option("select[name=status]", "intention")  # type: ignore[attr-defined]
    submit(page, "form[method=get] button[type=submit]")
    pair_row = page.locator("#match-list tr", has_text=NEED).filter(has_text=RESULT)  # type: ignore[attr-defined]
    assert pair_row.count() == 1
    assert "达成意向" in pair_row.inner_text()
    with page.expect_navigation():  # type: ignore[attr-defined]
        pair_row.locator(f"a:has-text('{NEED}')").click()
    assert "达成意向" in page.inner_text("#match-status")  # type: ignore[attr-defined]
    assert TITLE in page.inner_text("#history")  # type: ignore[attr-defined]

    page.goto(f"{base}/matching/dashboard/")  # type: ignore[attr-defined]
    table = page.locator("#table-events")  # type: ignore[attr-defined]
    headers = table.locator("thead th").all_inner_texts()
    # the first cell of a row is its header (th scope=row), the rest are data cells
    cells = table.locator("tbody tr", has_text=TITLE).locator("th, td").all_inner_texts()
    assert cells, "the event is in the dashboard's 对接会 table"
    figures = dict(zip(headers, cells, strict=True))
    assert figures["达成意向"] == "1"
    assert figures["参会单位"] == "2"
    assert figures["已排洽谈"] == "1"

    # The database: one pair for that need × result, at intention, the event its source.
    assert Event.objects.get(pk=event_pk).title == TITLE
    pairs = Match.objects.filter(need=need, result=result)
    assert pairs.count() == 1
    pair = pairs.get()
    assert pair.status == MatchStatus.INTENTION
    sources = MatchTransition.objects.filter(match=pair).values_list("source", flat=True)
    assert any(TITLE in source for source in sources)
    meeting = Meeting.objects.get(pk=meeting_pk)
    assert meeting.outcome == Meeting.Outcome.INTENTION
    assert meeting.request.match_id == pair.pk
