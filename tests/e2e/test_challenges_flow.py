"""Issue 12 done-when, in the browser: staff publish a challenge list (揭榜挂帅) with two
challenges → a university bids as the lead of a consortium with an enterprise, resting on
one of its results, and the enterprise confirms → after the deadline an expert without ties
to the bidders scores the bid → staff select it with a reason and publish the result →
after the publicity period staff finalize it → the award is a pair at 洽谈中 in the staff
pipeline, its first milestone 任务书签订."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from matching.lists import index_cache
from matching.models import Match, MatchStatus, MatchTransition
from portal.challenges.models import Challenge, Entry, Milestone, Programme
from portal.models import Expert, Need, Result
from tests.e2e.conftest import login, submit, success, switch_user

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "济南市新材料产业揭榜挂帅榜单（浏览器测试）"
ENTERPRISE = "山东齐鲁新材料科技有限公司"
UNIVERSITY = "山东大学"
# Written directly on the manage page: it enters the need register under the bureau.
WRITTEN = "汽车内饰件低气味高韧性聚丙烯材料开发"
# The other challenge comes from a published demo need, found with the need search.
FROM_NEED = "铝合金电池托盘焊缝气孔率高"
# The bid rests on this published result of 山东大学.
RESULT = "耐低温高韧性聚丙烯复合材料"
BID = "低气味高韧性聚丙烯内饰材料揭榜方案"
REVIEWER = "demo_reviewer"
WINNER_REASON = "评审专家综合评分较高，技术路线成熟，联合体具备中试条件。"


def _section_shot(page: object, selector: str, path: str) -> None:
    """A section from a full-page shot (an element shot scrolls it under the sticky nav)."""
    box = page.evaluate(  # type: ignore[attr-defined]
        "(s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; })",
        selector,
    )
    page.screenshot(path=path, full_page=True, clip=box)  # type: ignore[attr-defined]


def test_a_challenge_list_from_publication_to_an_awarded_pair(page: object) -> None:
    # Bids close at 18:00 today: bid at 10:00 in Shanghai, review after the deadline at
    # 19:00, finalize once the publicity period is over (the live server's thread travels
    # too; each jump logs in again, the 8-hour session having expired).
    today = dt.datetime.now(SHANGHAI).date()
    with time_machine.travel(dt.datetime.combine(today, dt.time(10), tzinfo=SHANGHAI), tick=True):
        programme_pk, written_pk, entry_pk = _publish_and_bid(page, today)
    with time_machine.travel(dt.datetime.combine(today, dt.time(19), tzinfo=SHANGHAI), tick=True):
        _review_and_publish_result(page, programme_pk, written_pk, entry_pk)
    publicity_end = Programme.objects.get(pk=programme_pk).publicity_end
    assert publicity_end is not None
    with time_machine.travel(publicity_end + dt.timedelta(minutes=1), tick=True):
        _finalize_and_see_the_pair(page, programme_pk, written_pk, entry_pk)


def _publish_and_bid(page: object, today: dt.date) -> tuple[int, int, int]:
    index_cache.index_cache_clear()
    call_command("seed_demo")
    result = Result.objects.get(organization__name=UNIVERSITY, title=RESULT)
    base = page.base_url  # type: ignore[attr-defined]

    # 1. Staff create the list, add a challenge written directly and one from a published
    # need, and publish it.
    login(page, "demo_staff")
    page.goto(f"{base}/challenges/")  # type: ignore[attr-defined]
    submit(page, "#programme-create")
    page.select_option("#id_kind", "challenge_list")  # type: ignore[attr-defined]
    page.fill("#id_title", TITLE)  # type: ignore[attr-defined]
    page.fill("#id_summary", "面向新材料产业链关键技术难题公开揭榜。")  # type: ignore[attr-defined]
    page.select_option("#id_region_code", "370100")  # type: ignore[attr-defined]
    page.fill("#id_period_start", today.isoformat())  # type: ignore[attr-defined]
    page.fill("#id_period_end", (today + dt.timedelta(days=365)).isoformat())  # type: ignore[attr-defined]
    page.fill("#id_entry_deadline", f"{today.isoformat()}T18:00")  # type: ignore[attr-defined]
    page.fill("#id_objection_days", "5")  # type: ignore[attr-defined]
    submit(page, "#programme-form button[type=submit]")
    assert "榜单已创建" in success(page)
    created = re.search(r"/challenges/(\d+)/manage/#challenges$", page.url)  # type: ignore[attr-defined]
    assert created is not None, page.url  # type: ignore[attr-defined]
    programme_pk = int(created.group(1))
    assert "筹备中" in page.inner_text("#programme-status")  # type: ignore[attr-defined]

    form = page.locator("#challenge-add")  # type: ignore[attr-defined]
    form.locator("#challenge_title").fill(WRITTEN)
    form.locator("#challenge_problem").fill(
        "汽车内饰件用聚丙烯材料气味等级偏高，低温下易开裂，主机厂认证难以通过。"
    )
    form.locator("#challenge_targets").fill(
        "气味等级不高于 3.0 级，零下三十度缺口冲击强度提高 50%。"
    )
    form.locator("#challenge_funding").fill("300")
    form.locator("#challenge_duration_months").fill("18")
    form.locator("#challenge_eligibility").fill("鼓励高校、科研院所与企业组成联合体揭榜。")
    form.locator("#challenge_keywords").fill("聚丙烯，低气味，增韧")
    form.locator("#challenge_fields").select_option(label="高分子材料")
    submit(page, "#challenge-add button[type=submit]")
    assert f"已添加榜题“{WRITTEN}”" in success(page)

    page.fill("#need-q", "焊缝")  # type: ignore[attr-defined]
    submit(page, "#need-search button[type=submit]")
    # Exactly that need (its second phase, （二期）, is found too).
    title_link = page.get_by_role("link", name=FROM_NEED, exact=True)  # type: ignore[attr-defined]
    found = page.locator("#need-results tr").filter(has=title_link)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        found.locator("a", has_text="用作榜题").click()
    need = Need.objects.get(title=FROM_NEED)
    assert page.input_value("#challenge_need") == str(need.pk)  # type: ignore[attr-defined]
    page.fill("#challenge_targets", "焊缝气孔率低于 0.5%，焊接效率提高 30%。")  # type: ignore[attr-defined]
    page.fill("#challenge_duration_months", "12")  # type: ignore[attr-defined]
    submit(page, "#challenge-add button[type=submit]")
    assert f"已添加榜题“{FROM_NEED}”" in success(page)
    table = page.inner_text("#challenge-table")  # type: ignore[attr-defined]
    assert WRITTEN in table
    assert FROM_NEED in table

    submit(page, "#publish-programme")
    assert "已发布，开始征集" in success(page)
    assert "征集中" in page.inner_text("#programme-status")  # type: ignore[attr-defined]
    written = Challenge.objects.get(programme_id=programme_pk, title=WRITTEN)
    assert written.need is not None
    assert [f.name for f in written.need.fields.all()] == ["高分子材料"]
    assert Challenge.objects.get(programme_id=programme_pk, title=FROM_NEED).need_id == need.pk

    # 2. The university bids for the written challenge as the lead of a consortium with the
    # enterprise (70/30), resting on its result; the enterprise confirms.
    switch_user(page, "demo_researcher")
    page.goto(f"{base}/challenges/")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"#programme-{programme_pk} a:has-text('{TITLE}')")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"#challenges a:has-text('{WRITTEN}')")  # type: ignore[attr-defined]
    assert page.url.endswith(f"/challenges/{programme_pk}/challenges/{written.pk}/")  # type: ignore[attr-defined]
    assert "揭榜中" in page.inner_text("#challenge-info")  # type: ignore[attr-defined]
    page.fill("#id_title", BID)  # type: ignore[attr-defined]
    page.fill(  # type: ignore[attr-defined]
        "#id_proposal",
        "以乙烯-辛烯弹性体与β成核剂协同增韧，配合除味助剂降低气味等级；"
        "山东大学负责配方与机理研究，齐鲁新材料负责吨级试生产和主机厂认证。",
    )
    page.fill("#id_budget", "280")  # type: ignore[attr-defined]
    page.select_option("#id_offer", f"result:{result.pk}")  # type: ignore[attr-defined]
    page.fill("#id_m0_duty", "配方设计与机理研究")  # type: ignore[attr-defined]
    page.fill("#id_m0_people", "李明华等 6 人")  # type: ignore[attr-defined]
    page.fill("#id_m0_share", "70")  # type: ignore[attr-defined]
    page.select_option("#id_m1_organization", label=ENTERPRISE)  # type: ignore[attr-defined]
    page.fill("#id_m1_duty", "吨级试生产与主机厂认证")  # type: ignore[attr-defined]
    page.fill("#id_m1_people", "王建国等 4 人")  # type: ignore[attr-defined]
    page.fill("#id_m1_share", "30")  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.screenshot(path="/tmp/challenges-bid-375.png", full_page=True)  # type: ignore[attr-defined]
    widths = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the challenge page overflows at 375 px: {widths}"
    page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]
    submit(page, "#entry-form button[type=submit]")
    assert "待联合体各成员单位确认" in success(page)
    entry_match = re.search(r"/challenges/entries/(\d+)/$", page.url)  # type: ignore[attr-defined]
    assert entry_match is not None, page.url  # type: ignore[attr-defined]
    entry_pk = int(entry_match.group(1))
    assert "待联合体成员确认" in page.inner_text("#entry-status")  # type: ignore[attr-defined]
    assert page.locator("#confirming-note").count() == 1  # type: ignore[attr-defined]

    switch_user(page, "demo_enterprise")
    page.goto(f"{base}/challenges/mine/")  # type: ignore[attr-defined]
    item = page.locator("#to-confirm .to-confirm-item", has_text=BID)  # type: ignore[attr-defined]
    assert UNIVERSITY in item.inner_text()
    assert "30%" in item.inner_text()
    with page.expect_navigation():  # type: ignore[attr-defined]
        item.locator(f"a:has-text('{BID}')").click()
    assert page.url.endswith(f"/challenges/entries/{entry_pk}/")  # type: ignore[attr-defined]
    submit(page, "#confirm-form button[type=submit]")
    assert "方案已正式提交" in success(page)
    assert "已提交" in page.inner_text("#entry-status")  # type: ignore[attr-defined]
    assert page.locator("#members .member-unconfirmed").count() == 0  # type: ignore[attr-defined]
    return programme_pk, written.pk, entry_pk


def _review_and_publish_result(
    page: object, programme_pk: int, written_pk: int, entry_pk: int
) -> None:
    base = page.base_url  # type: ignore[attr-defined]
    manage_url = f"{base}/challenges/{programme_pk}/manage/"
    expert = Expert.objects.get(user__username=REVIEWER)
    assert expert.organization is not None
    assert expert.organization.name == "北京智能信息技术研究院"

    # 4. After the deadline staff assign the expert to the bid's challenge; the expert
    # scores the bid on every criterion.
    switch_user(page, "demo_staff")
    page.goto(f"{manage_url}#review")  # type: ignore[attr-defined]
    assign = page.locator("#review form.reviewer-assign")  # type: ignore[attr-defined]
    assign.locator("select[name=challenge]").select_option(str(written_pk))
    assign.locator("select[name=expert]").select_option(str(expert.pk))
    with page.expect_navigation():  # type: ignore[attr-defined]
        assign.locator("button[type=submit]").click()
    assert "已分配评审人" in success(page)
    block = f"#challenge-review-{written_pk}"
    assert "1 份评审意见未提交" in page.inner_text(block)  # type: ignore[attr-defined]

    switch_user(page, REVIEWER)
    page.goto(f"{base}/challenges/reviews/")  # type: ignore[attr-defined]
    row = page.locator(".assignment", has_text=TITLE).locator(".review-row", has_text=BID)  # type: ignore[attr-defined]
    assert "待评" in row.inner_text()
    with page.expect_navigation():  # type: ignore[attr-defined]
        row.locator(f"a:has-text('{BID}')").click()
    assert "提交本人评分后" in page.inner_text("#reviews-hidden")  # type: ignore[attr-defined]
    scores = page.locator("#review-form .score-row input")  # type: ignore[attr-defined]
    assert scores.count() == 4
    for index in range(scores.count()):
        scores.nth(index).fill(str(90 - 5 * index))
    page.fill("#review-form textarea[name=comment]", "技术路线清晰，联合体分工合理。")  # type: ignore[attr-defined]
    submit(page, "#review-form button[type=submit]")
    assert "评审意见已提交" in success(page)
    # 90×40% + 85×30% + 80×20% + 75×10%
    assert page.inner_text("#average").strip() == "85.00"  # type: ignore[attr-defined]
    page.goto(f"{base}/challenges/reviews/")  # type: ignore[attr-defined]
    assert "已评" in page.locator(".review-row", has_text=BID).inner_text()  # type: ignore[attr-defined]

    # 5. Staff select the bid as the winner with a reason and publish the result.
    switch_user(page, "demo_staff")
    page.goto(f"{manage_url}#review")  # type: ignore[attr-defined]
    row_text = page.inner_text(f"#review tr[id$='-{entry_pk}']")  # type: ignore[attr-defined]
    assert "85.00" in row_text
    assert "评审意见未提交" not in page.inner_text(block)  # type: ignore[attr-defined]
    _section_shot(page, "#review", "/tmp/challenges-manage-review-1280.png")
    winner = page.locator(f"{block} form.winner-form")  # type: ignore[attr-defined]
    winner.locator("select[name=entry]").select_option(str(entry_pk))
    winner.locator("input[name=reason]").fill(WINNER_REASON)
    with page.expect_navigation():  # type: ignore[attr-defined]
        winner.locator("button[type=submit]").click()
    assert "拟揭榜方" in success(page)
    assert "拟入选" in page.inner_text(f"#review tr[id$='-{entry_pk}']")  # type: ignore[attr-defined]
    submit(page, "#start-publicity")
    assert "结果已公示" in success(page)
    assert "公示中" in page.inner_text("#programme-status")  # type: ignore[attr-defined]
    assert page.locator("#publicity-dates").count() == 1  # type: ignore[attr-defined]


def _finalize_and_see_the_pair(
    page: object, programme_pk: int, written_pk: int, entry_pk: int
) -> None:
    base = page.base_url  # type: ignore[attr-defined]
    manage_url = f"{base}/challenges/{programme_pk}/manage/"

    # 6. The publicity period is over (no objection): staff finalize the result.
    switch_user(page, "demo_staff")
    page.goto(manage_url)  # type: ignore[attr-defined]
    submit(page, "#finalize-programme")
    assert "结果已确定，1 项入选" in success(page)
    assert "结果已确定" in page.inner_text("#programme-status")  # type: ignore[attr-defined]

    # 7. The award is a pair at 洽谈中 in the pipeline; its first milestone is 任务书签订.
    award = page.locator(f"#award-{entry_pk}")  # type: ignore[attr-defined]
    assert BID in award.inner_text()
    assert RESULT in award.inner_text()
    assert "洽谈中" in award.locator(".pair-status").inner_text()
    first = award.locator(".milestone-table tbody tr").first
    finalized_on = dt.datetime.now(SHANGHAI).date()
    assert "任务书签订" in first.inner_text()
    assert (finalized_on + dt.timedelta(days=30)).isoformat() in first.inner_text()
    href = award.locator("a.pair-link").get_attribute("href")
    pair_link = re.fullmatch(r"/matching/pairs/(\d+)/", href or "")
    assert pair_link is not None, href
    with page.expect_navigation():  # type: ignore[attr-defined]
        award.locator("a.pair-link").click()
    assert "洽谈中" in page.inner_text("#match-status")  # type: ignore[attr-defined]
    assert TITLE in page.inner_text("#history")  # type: ignore[attr-defined]

    # The database: one pair for the challenge's need × the result, negotiating; the entry
    # awarded with its pair; its first milestone the task book.
    entry = Entry.objects.select_related("challenge", "result").get(pk=entry_pk)
    assert entry.status == Entry.Status.AWARDED
    assert entry.challenge_id == written_pk
    assert entry.challenge is not None
    assert entry.result is not None
    assert entry.result.title == RESULT
    assert entry.challenge.need is not None
    pairs = Match.objects.filter(need=entry.challenge.need, result=entry.result)
    assert pairs.count() == 1
    pair = pairs.get()
    assert pair.pk == int(pair_link.group(1)) == entry.match_id
    assert pair.status == MatchStatus.NEGOTIATING
    sources = MatchTransition.objects.filter(match=pair).values_list("source", flat=True)
    assert any(TITLE in source for source in sources)
    milestone = entry.milestones.first()
    assert milestone is not None
    assert milestone.kind == Milestone.Kind.TASK_BOOK
    assert milestone.due_date == finalized_on + dt.timedelta(days=30)
    assert sorted(entry.members.values_list("organization__name", "budget_share")) == sorted(
        [(UNIVERSITY, 70), (ENTERPRISE, 30)]
    )
