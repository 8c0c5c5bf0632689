"""Dashboards and statistics: every figure equals a direct count over the records."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from matching.dashboards import stats
from matching.models import Match, MatchCase, MatchStatus, PairKind
from matching.pairs import services as workflow
from portal.models import Expert, Need, PostingStatus, Result
from tests.matching.factories import ExpertFactory, NeedFactory, ResultFactory, listed
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus
P = PostingStatus


@pytest.fixture
def records(staff: User, qd_staff: User) -> dict[str, list[Match]]:
    """Postings in every status in Jinan and Qingdao, and pairs at many stages, each shown in
    both of its sides' lists (as the engine leaves them)."""
    for city in ("370100", "370102", "370200"):
        for status in (P.DRAFT, P.SUBMITTED, P.PUBLISHED, P.PUBLISHED, P.REJECTED, P.CLOSED):
            NeedFactory(region_code=city, status=status, field_codes=["0101", "0402"])
            ResultFactory(region_code=city, status=status, field_codes=["0101"])
        ExpertFactory(region_code=city, status=P.PUBLISHED, field_codes=["04"])
    today = timezone.localdate()
    plan = [
        ("370100", S.SUGGESTED, None),
        ("370100", S.APPROVED, None),
        ("370100", S.INTENTION, None),
        ("370100", S.SIGNED, Decimal("100.50")),
        ("370102", S.LANDED, Decimal("20")),
        ("370100", S.CLOSED, None),
        ("370100", S.REJECTED, None),
        ("370200", S.SIGNED, Decimal("999")),
        ("370200", S.INTENTION, None),
    ]
    made: dict[str, list[Match]] = {"jinan": [], "qingdao": []}
    for city, target, amount in plan:
        need = NeedFactory(region_code=city, field_codes=["0101"])
        result = ResultFactory(region_code=city)
        match = listed(
            Match.objects.create(kind=PairKind.NEED_RESULT, need=need, result=result, score=0.5)
        )
        user = qd_staff if city == "370200" else staff
        if target == S.REJECTED:
            workflow.match_reject(match_id=match.pk, user=user, reason_code="irrelevant")
        elif target != S.SUGGESTED:
            workflow.match_approve(match_id=match.pk, user=user)
        if target in (S.INTENTION, S.SIGNED, S.LANDED):
            workflow.match_advance(match_id=match.pk, user=user, stage=S.CONTACTED)
            workflow.match_advance(match_id=match.pk, user=user, stage=S.INTENTION)
        if target in (S.SIGNED, S.LANDED):
            workflow.match_advance(
                match_id=match.pk,
                user=user,
                stage=S.SIGNED,
                contract_amount=amount,
                contract_date=today,
                contract_type="development",
            )
        if target == S.LANDED:
            workflow.match_advance(
                match_id=match.pk,
                user=user,
                stage=S.LANDED,
                landed_summary="投产",
                landed_date=today,
            )
        if target == S.CLOSED:
            workflow.match_advance(match_id=match.pk, user=user, stage=S.CLOSED, note="终止")
        made["qingdao" if city == "370200" else "jinan"].append(match)
    return made


def _jinan(model: type) -> int:
    """Postings of Jinan published in the dashboard's default period (the last 12 months:
    these were all published today), whatever their status now."""
    return model.objects.filter(region_code__startswith="3701", published_at__isnull=False).count()


def test_staff_totals_equal_direct_counts(records: dict[str, list[Match]], staff: User) -> None:
    totals = stats.stats_for(user=staff)["totals"]
    jinan = Match.objects.filter(need__region_code__startswith="3701")
    assert totals["needs"] == _jinan(Need)
    assert totals["results"] == _jinan(Result)
    assert totals["experts"] == _jinan(Expert)
    assert totals["matches"] == jinan.count() == 7
    assert totals["suggested"] == jinan.filter(status=S.SUGGESTED).count()
    assert (
        totals["intentions"] == jinan.filter(status__in=[S.INTENTION, S.SIGNED, S.LANDED]).count()
    )
    assert totals["signed"] == jinan.filter(status__in=[S.SIGNED, S.LANDED]).count() == 2
    value = MatchCase.objects.filter(
        match__in=jinan, match__status__in=[S.SIGNED, S.LANDED]
    ).aggregate(v=Sum("contract_amount"))["v"]
    assert totals["contract_value"] == float(value) == 120.5
    assert totals["landed"] == jinan.filter(status=S.LANDED).count() == 1


def test_stage_counts_and_funnel_equal_direct_counts(
    records: dict[str, list[Match]], staff: User
) -> None:
    figures = stats.stats_for(user=staff)
    jinan = Match.objects.filter(need__region_code__startswith="3701")
    by_stage = {row["stage"]: row["count"] for row in figures["by_stage"]}
    for status in S.values:
        assert by_stage[status] == jinan.filter(status=status).count()
    funnel = {row["stage"]: row["count"] for row in figures["funnel"]}
    assert funnel[S.SUGGESTED] == 7
    # approved, intention, signed, landed, and the closed one that had been approved
    assert funnel[S.APPROVED] == 5
    assert funnel[S.CONTACTED] == 3
    assert funnel[S.NEGOTIATING] == 3  # reached through the stages beyond it
    assert funnel[S.INTENTION] == 3
    assert funnel[S.SIGNED] == 2
    assert funnel[S.LANDED] == 1
    counts = [row["count"] for row in figures["funnel"]]
    assert counts == sorted(counts, reverse=True)


def test_breakdowns_equal_direct_counts(records: dict[str, list[Match]], staff: User) -> None:
    figures = stats.stats_for(user=staff)
    by_field = {row["code"]: row for row in figures["by_field"]}
    needs = Need.objects.filter(region_code__startswith="3701", published_at__isnull=False)
    assert by_field["01"]["needs"] == needs.filter(fields__parent__code="01").distinct().count()
    assert by_field["04"]["needs"] == needs.filter(fields__parent__code="04").distinct().count()
    assert (
        by_field["04"]["experts"] == Expert.objects.filter(region_code__startswith="3701").count()
    )
    assert by_field["01"]["name"] == "电子信息"
    assert by_field["01"]["signed"] == 2
    # a city's staff see its districts, and what is filed at city level in a row of its own
    by_region = {row["code"]: row for row in figures["by_region"]}
    assert set(by_region) == {"370102", "=370100"}
    city_level = by_region["=370100"]
    assert city_level["needs"] == needs.filter(region_code="370100").count()
    assert city_level["signed"] == 1
    assert city_level["name"] == "山东省 济南市（未细分到下级地区）"
    assert city_level["links"] == {}
    assert by_region["370102"]["needs"] == needs.filter(region_code="370102").count()
    assert by_region["370102"]["signed"] == 1
    assert by_region["370102"]["name"].endswith("济南市 历下区")
    month = figures["by_month"][-1]
    assert month["month"] == timezone.localdate().replace(day=1)
    assert month["needs"] == needs.count()
    assert month["signed"] == 2
    assert month["contract_value"] == 120.5
    assert len(figures["by_month"]) == 12


def test_public_figures_count_published_postings_and_all_outcomes(
    records: dict[str, list[Match]],
) -> None:
    figures = stats.stats_for(user=None)
    assert figures["totals"]["needs"] == Need.objects.filter(status=P.PUBLISHED).count()
    assert figures["totals"]["results"] == Result.objects.filter(status=P.PUBLISHED).count()
    assert figures["totals"]["signed"] == 3
    assert figures["totals"]["contract_value"] == 1119.5
    response = Client().get(reverse("matching:statistics"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stat-contract-value">1119.50<' in html
    assert 'id="dashboard-data"' in html
    assert "vendor/echarts/echarts.min.js" in html


def test_the_api_returns_the_same_figures(records: dict[str, list[Match]], staff: User) -> None:
    client = Client()
    client.force_login(staff)
    api = client.get("/api/stats/").json()
    direct = stats.stats_for(user=staff)
    assert api["totals"] == direct["totals"]
    assert api["by_field"] == direct["by_field"]
    assert api["funnel"] == direct["funnel"]
    assert Client().get("/api/stats/").json()["totals"] == stats.stats_for(user=None)["totals"]


def test_the_dashboard_page_and_its_exports(records: dict[str, list[Match]], staff: User) -> None:
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("matching:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="stat-signed">2<' in html
    assert 'id="stat-contract-value">120.50<' in html
    assert "js/dashboard.js" in html
    for table in page.context["tables"]:
        response = client.get(reverse("matching:dashboard-export", args=[table.key]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(BytesIO(response.content)).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert rows[0] == table.headers
        assert len(rows) == len(table.rows) + 1
    totals = load_workbook(
        BytesIO(client.get(reverse("matching:dashboard-export", args=["totals"])).content)
    ).active
    values = {row[0]: row[1] for row in totals.iter_rows(min_row=2, values_only=True)}
    assert values["签约项目"] == 2
    assert values["合同金额(万元)"] == 120.5
    assert client.get(reverse("matching:dashboard-export", args=["nope"])).status_code == 404


def test_the_dashboard_is_for_staff(alice_client: Client) -> None:
    assert alice_client.get(reverse("matching:dashboard")).status_code == 403
    assert alice_client.get(reverse("matching:dashboard-export", args=["all"])).status_code == 403


def test_oldest_waiting_items_come_first(records: dict[str, list[Match]], staff: User) -> None:
    items = stats.stats_for(user=staff)["oldest_waiting"]
    assert items
    assert [i["since"] for i in items] == sorted(i["since"] for i in items)
    kinds = {i["waiting_for"] for i in items}
    assert {"待审核", "待批准", "待双方答复"} <= kinds
