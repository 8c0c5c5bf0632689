"""Issue 5 done-when, in the browser: approve → both accept from the inbox → contacts shown →
visit logged → intention → signed, and the dashboard's signed count and value move."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization, User
from matching.lists import index_cache
from matching.models import Match, MatchStatus, PairKind
from portal import demo
from portal.demo.workflow import seed_workflow
from portal.models import Need, PostingStatus, Result
from tests.e2e.conftest import login, switch_user

pytestmark = pytest.mark.django_db(transaction=True)


def _number(page: object, selector: str) -> Decimal:
    return Decimal(page.inner_text(selector).strip())  # type: ignore[attr-defined]


def _demo_pair() -> Match:
    """A new pair of a need of demo_enterprise's company with a result of demo_researcher's
    university, neither of them in any pair yet: the test builds what it needs instead of
    taking whichever pair the engine happens to rank first."""
    in_pairs = Match.objects.exclude(status=MatchStatus.SUGGESTED)
    need = (
        Need.objects.filter(
            organization__name="山东齐鲁新材料科技有限公司", status=PostingStatus.PUBLISHED
        )
        .exclude(pk__in=in_pairs.values("need_id"))
        .order_by("pk")
        .first()
    )
    result = (
        Result.objects.filter(organization__name="山东大学", status=PostingStatus.PUBLISHED)
        .exclude(pk__in=in_pairs.values("result_id"))
        .order_by("pk")
        .first()
    )
    assert need is not None
    if result is None:  # the demo programmes may have taken every result of 山东大学
        university = Organization.objects.get(name="山东大学")
        result = Result.objects.create(
            organization=university,
            created_by=User.objects.get(username="demo_researcher"),
            title="高分子材料在线检测与质量追溯系统",
            summary="近红外在线检测与生产数据追溯，用于改性塑料生产线质量控制。",
            region_code=university.region_code,
            status=PostingStatus.PUBLISHED,
            published_at=timezone.now(),
        )
    match, _created = Match.objects.get_or_create(
        need=need, result=result, defaults={"kind": PairKind.NEED_RESULT, "score": 0.5}
    )
    assert match.status == MatchStatus.SUGGESTED
    return match


def test_staff_broker_a_pair_from_suggestion_to_signed(page: object) -> None:
    # Earlier browser tests flushed the database under this process's cached index, whose
    # version numbers then restart; drop it so seed_demo's postings are matched afresh.
    index_cache.index_cache_clear()
    call_command("seed_demo")
    # The demo pipeline (seed_demo calls it once wired; idempotent) gives a non-empty dashboard.
    seed_workflow({spec.key: Organization.objects.get(name=spec.name) for spec in demo.DEMO_ORGS})
    match = _demo_pair()
    base = page.base_url  # type: ignore[attr-defined]
    pair_url = f"{base}/matching/pairs/{match.pk}/"

    login(page, "demo_staff")
    page.goto(f"{base}/matching/dashboard/")  # type: ignore[attr-defined]
    signed_before = _number(page, "#stat-signed")
    value_before = _number(page, "#stat-contract-value")
    assert page.locator("#chart-funnel canvas").count() == 1  # type: ignore[attr-defined]

    # Staff approve the suggestion for the demo need.
    page.goto(pair_url)  # type: ignore[attr-defined]
    assert match.need.title in page.inner_text("#need-side")  # type: ignore[attr-defined]
    page.click("#approve-button")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已审核" in page.inner_text("#match-status")  # type: ignore[attr-defined]

    # Each side accepts from their inbox; before both did, no contact details are shown.
    for username in ("demo_enterprise", "demo_researcher"):
        switch_user(page, username)
        assert page.locator("#nav-unread-count").count() == 1  # type: ignore[attr-defined]
        page.goto(f"{base}/accounts/notifications/")  # type: ignore[attr-defined]
        page.click("#notification-list a:has-text('对接')")  # type: ignore[attr-defined]
        page.wait_for_load_state()  # type: ignore[attr-defined]
        assert page.url.rstrip("/").endswith(f"/matching/pairs/{match.pk}")  # type: ignore[attr-defined]
        other = "#offer-contact" if username == "demo_enterprise" else "#need-contact"
        assert "双方均同意对接后展示" in page.inner_text(other)  # type: ignore[attr-defined]
        page.click("#accept-button")  # type: ignore[attr-defined]
        page.wait_for_load_state()  # type: ignore[attr-defined]

    # Both accepted: each now sees the other's contact details.
    match.refresh_from_db()
    need_phone = match.need.contact_phone or match.need.organization.contact_phone
    assert match.result is not None
    result_phone = match.result.contact_phone or match.result.organization.contact_phone
    assert "已联系" in page.inner_text("#match-status")  # type: ignore[attr-defined]
    assert need_phone in page.inner_text("#need-contact")  # type: ignore[attr-defined]
    switch_user(page, "demo_enterprise")
    page.goto(pair_url)  # type: ignore[attr-defined]
    assert result_phone in page.inner_text("#offer-contact")  # type: ignore[attr-defined]

    # Staff log a visit, move the pair to intention, then signed with an amount.
    switch_user(page, "demo_staff")
    page.goto(pair_url)  # type: ignore[attr-defined]
    page.select_option("#followup-form select[name=channel]", "visit")  # type: ignore[attr-defined]
    page.fill("#followup-form textarea[name=summary]", "走访企业车间，双方技术人员现场交流。")  # type: ignore[attr-defined]
    page.click("#followup-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "走访企业车间" in page.inner_text("#followups")  # type: ignore[attr-defined]

    page.select_option("#advance-form select[name=stage]", "intention")  # type: ignore[attr-defined]
    page.click("#advance-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "达成意向" in page.inner_text("#match-status")  # type: ignore[attr-defined]

    page.select_option("#advance-form select[name=stage]", "signed")  # type: ignore[attr-defined]
    page.fill("#advance-form input[name=contract_amount]", "150")  # type: ignore[attr-defined]

    page.fill("#advance-form input[name=contract_date]", timezone.localdate().isoformat())  # type: ignore[attr-defined]
    page.select_option("#advance-form select[name=contract_type]", "development")  # type: ignore[attr-defined]
    page.click("#advance-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已签约" in page.inner_text("#match-status")  # type: ignore[attr-defined]
    assert "150" in page.inner_text("#contract-box")  # type: ignore[attr-defined]
    history = page.inner_text("#history")  # type: ignore[attr-defined]
    assert "达成意向 → 已签约" in history

    page.goto(f"{base}/matching/dashboard/")  # type: ignore[attr-defined]
    assert _number(page, "#stat-signed") == signed_before + 1
    assert _number(page, "#stat-contract-value") == value_before + 150
