"""Issue 13 done-when, in the browser, on the demo data: demo_staff opens a dispatch round
(产业特派员) → demo_expert volunteers with capacity 3 → staff solve, pin demo_expert to
demo_enterprise's company, re-solve the rest and publish → demo_expert logs a visit with a
photo from a 375-px-wide screen → the enterprise confirms and rates it → the visit proposes
a cooperation, which is a pair in the staff pipeline → the ledger shows the visit and exports
it to Excel."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from matching.lists import index_cache
from matching.models import Match, MatchStatus
from portal.dispatch.models import Assignment, Round, Visit
from portal.services.attachments import attachment_bytes_for_tests
from tests.e2e.conftest import login, submit, success, switch_user

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "2027 年济南市产业特派员（浏览器测试）"
COMPANY = "山东齐鲁新材料科技有限公司"
EXPERT = "张海峰"
PROBLEM = "改性聚丙烯保险杠低温冲击开裂，增韧剂分散不均。"
ADVICE = "调整双螺杆组合，加强分散段；增韧剂预混后侧喂料。"


def _fits(page: object) -> bool:
    widths = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return bool(widths[0] <= widths[1])


def test_a_dispatch_round_from_opening_to_the_ledger(page: object, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    index_cache.index_cache_clear()
    call_command("seed_demo")
    base = page.base_url  # type: ignore[attr-defined]
    today = timezone.localdate()

    # 1. Staff create the round, open it and add the region's enterprises with open needs.
    login(page, "demo_staff")
    page.goto(f"{base}/dispatch/")  # type: ignore[attr-defined]
    submit(page, "#round-create")
    page.fill("#id_title", TITLE)  # type: ignore[attr-defined]
    page.select_option("#id_region_code", "370100")  # type: ignore[attr-defined]
    page.fill("#id_period_start", today.isoformat())  # type: ignore[attr-defined]
    page.fill("#id_period_end", (today + dt.timedelta(days=180)).isoformat())  # type: ignore[attr-defined]
    page.fill("#id_min_score", "0.1")  # type: ignore[attr-defined]
    page.fill("#id_visit_due_days", "14")  # type: ignore[attr-defined]
    fields = page.locator("#id_fields option").evaluate_all("os => os.map(o => o.value)")  # type: ignore[attr-defined]
    page.select_option("#id_fields", fields)  # type: ignore[attr-defined]
    submit(page, "#round-form button[type=submit]")
    created = re.search(r"/dispatch/(\d+)/", page.url)  # type: ignore[attr-defined]
    assert created is not None, page.url  # type: ignore[attr-defined]
    round_url = f"{base}/dispatch/{created.group(1)}/"
    submit(page, "#round-open")
    success(page)
    submit(page, "#enterprises-add")
    success(page)
    assert COMPANY in page.inner_text("#enterprises")  # type: ignore[attr-defined]

    # 2. demo_expert volunteers with capacity 3 for every field, in 济南.
    switch_user(page, "demo_expert")
    page.goto(round_url)  # type: ignore[attr-defined]
    page.fill("#volunteer input[name=capacity]", "3")  # type: ignore[attr-defined]
    for box in page.locator("#volunteer input[name=fields_]").all():  # type: ignore[attr-defined]
        box.check()
    page.select_option("#volunteer select[name=districts]", "370100")  # type: ignore[attr-defined]
    submit(page, "#volunteer-submit")
    success(page)

    # 3. Staff solve, send demo_expert to the company by hand, re-solve the rest, publish.
    switch_user(page, "demo_staff")
    page.goto(round_url)  # type: ignore[attr-defined]
    assert EXPERT in page.inner_text("#volunteers")  # type: ignore[attr-defined]
    submit(page, "#round-solve")
    success(page)
    page.select_option("#result select[name=enterprise]", label=COMPANY)  # type: ignore[attr-defined]
    page.select_option("#result select[name=volunteer]", label=EXPERT)  # type: ignore[attr-defined]
    submit(page, "#assignment-pin")
    success(page)
    submit(page, "#round-solve")
    success(page)
    rows = page.locator("#assignments tbody tr", has_text=EXPERT)  # type: ignore[attr-defined]
    served = rows.count()
    assert 1 <= served <= 3, "capacity 3"
    pinned = page.locator("#assignments tr", has_text=COMPANY).filter(has_text=EXPERT)  # type: ignore[attr-defined]
    assert "人工指定" in pinned.inner_text()
    submit(page, "#round-publish")
    success(page)
    round_ = Round.objects.get(title=TITLE)
    assert round_.status == Round.Status.PUBLISHED
    row = Assignment.objects.get(
        round=round_, enterprise__organization__name=COMPANY, volunteer__expert__name=EXPERT
    )

    # 4. demo_expert logs the visit with a photo on a phone.
    switch_user(page, "demo_expert")
    page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{base}/dispatch/mine/")  # type: ignore[attr-defined]
    card = page.locator("#serving .card", has_text=TITLE).filter(has_text=COMPANY)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        card.locator("a", has_text="记录服务").click()
    assert page.url.endswith(f"/dispatch/assignments/{row.pk}/visit/")  # type: ignore[attr-defined]
    page.select_option("#id_mode", "onsite")  # type: ignore[attr-defined]
    page.fill("#id_problem", PROBLEM)  # type: ignore[attr-defined]
    page.fill("#id_advice", ADVICE)  # type: ignore[attr-defined]
    page.fill("#id_next_step", "两周后复测低温冲击强度")  # type: ignore[attr-defined]
    photo = {"name": "现场照片.png", "mimeType": "image/png"}
    page.set_input_files(  # type: ignore[attr-defined]
        "#id_attachments", [{**photo, "buffer": attachment_bytes_for_tests("png")}]
    )
    page.screenshot(path="/tmp/dispatch-visit-375.png", full_page=True)  # type: ignore[attr-defined]
    assert _fits(page), "the visit form overflows at 375 px"
    submit(page, "#visit-form button[type=submit]")
    assert "服务记录已保存" in success(page)
    visit = Visit.objects.get(assignment=row)
    card = page.locator(f"#visit-{visit.pk}")  # type: ignore[attr-defined]
    assert "现场照片.png" in card.inner_text()
    assert "待企业确认" in card.inner_text()
    assert _fits(page), "the visit page overflows at 375 px"

    # 5. The enterprise (told in its inbox) confirms and rates the visit.
    switch_user(page, "demo_enterprise")
    page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{base}/dispatch/mine/")  # type: ignore[attr-defined]
    pending = page.locator("#to-confirm .card", has_text=PROBLEM)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        pending.locator("a", has_text="确认并评价").click()
    assert "现场照片.png" in page.inner_text("main")  # type: ignore[attr-defined]
    page.check("#rating-5")  # type: ignore[attr-defined]
    page.fill("#rate-form textarea[name=comment]", "诊断准确，建议可操作。")  # type: ignore[attr-defined]
    assert _fits(page), "the rating page overflows at 375 px"
    submit(page, "#rate-form button[type=submit]")
    assert "服务已确认" in success(page)
    visit.refresh_from_db()
    assert (visit.rating, visit.confirmed_at is not None) == (5, True)

    # 6. The expert proposes a cooperation on the visit: a pair in the staff pipeline.
    switch_user(page, "demo_expert")
    page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{base}/dispatch/assignments/{row.pk}/visit/")  # type: ignore[attr-defined]
    card = page.locator(f"#visit-{visit.pk}")  # type: ignore[attr-defined]
    assert "评分 5" in card.inner_text()
    need_title = card.locator("select[name=need] option").first.inner_text()
    with page.expect_navigation():  # type: ignore[attr-defined]
        card.locator("button", has_text="提出合作").click()
    assert "已提出合作" in success(page)
    visit.refresh_from_db()
    pair = Match.objects.get(pk=visit.match_id)
    assert (pair.status, pair.expert.name, pair.need.organization.name) == (  # type: ignore[union-attr]
        MatchStatus.CONTACTED,
        EXPERT,
        COMPANY,
    )
    assert pair.need.title in need_title  # type: ignore[union-attr]
    # The pair may have existed before (the demo's finished round): the visit is on its
    # follow-ups either way.
    assert pair.followups.filter(summary__contains=PROBLEM, channel="visit").count() == 1

    switch_user(page, "demo_staff")
    page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{base}/matching/pairs/?status=contacted")  # type: ignore[attr-defined]
    assert f"/matching/pairs/{pair.pk}/" in page.content()  # type: ignore[attr-defined]
    page.goto(f"{base}/matching/pairs/{pair.pk}/")  # type: ignore[attr-defined]
    assert TITLE in page.inner_text("#followups")  # type: ignore[attr-defined]
    assert "已联系" in page.inner_text("#match-status")  # type: ignore[attr-defined]

    # 7. The ledger shows the visit, its photo and rating, and exports them.
    page.goto(f"{round_url}ledger/")  # type: ignore[attr-defined]
    line = page.locator(f"#ledger-visits #visit-{visit.pk}")  # type: ignore[attr-defined]
    assert COMPANY in line.inner_text()
    assert "现场照片.png" in line.inner_text()
    expert_line = page.locator("#ledger-experts tr", has_text=EXPERT).inner_text()  # type: ignore[attr-defined]
    assert re.search(rf"\s{served}\s*/\s*3\s", expert_line), expert_line
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("#ledger-export")  # type: ignore[attr-defined]
    # openpyxl reads by the file name's extension; the download's temporary name has none
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    visits = list(book["服务记录"].values)
    assert [v[4] for v in visits[1:]] == [PROBLEM]
    assert visits[1][8] == 5
