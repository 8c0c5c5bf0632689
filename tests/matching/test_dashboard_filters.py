"""The dashboard's filters (period, field, region): figures, breakdowns, drill-down lists
and exports all count the same pairs and postings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from matching.dashboards import stats
from matching.dashboards.filters import StatsFilter
from matching.models import Match, MatchStatus, PairKind
from matching.pairs import services as workflow
from tests.matching.factories import NeedFactory, ResultFactory, listed
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus
JAN = StatsFilter(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
FEB = StatsFilter(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
BOTH = StatsFilter(dt.date(2026, 1, 1), dt.date(2026, 2, 28))


def _at(day: dt.date) -> Any:
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))), tick=False
    )


def _pair(
    *, user: User, region: str, field: str, day: dt.date, stage: str, amount: str = "0"
) -> Match:
    """A need and a result in ``region`` published on ``day``, paired and moved to ``stage``
    that same day."""
    with _at(day):
        need = NeedFactory(region_code=region, field_codes=[field])
        result = ResultFactory(region_code=region, field_codes=[field])
        match = listed(
            Match.objects.create(kind=PairKind.NEED_RESULT, need=need, result=result, score=0.6)
        )
        if stage == S.SUGGESTED:
            return match
        workflow.match_approve(match_id=match.pk, user=user)
        if stage in (S.INTENTION, S.SIGNED):
            workflow.match_advance(match_id=match.pk, user=user, stage=S.CONTACTED)
            workflow.match_advance(match_id=match.pk, user=user, stage=S.INTENTION)
        if stage == S.SIGNED:
            workflow.match_advance(
                match_id=match.pk,
                user=user,
                stage=S.SIGNED,
                contract_amount=Decimal(amount),
                contract_date=day,
                contract_type="development",
            )
    return match


@pytest.fixture
def story(staff: User, qd_staff: User) -> dict[str, Match]:
    """Jinan (历下区 370102, 市中区 370103) and Qingdao (市南区 370202); fields 0101 (电子
    信息) and 0402 (top-level 04); January and February 2026."""
    jan, feb = dt.date(2026, 1, 15), dt.date(2026, 2, 10)
    return {
        "jan_signed": _pair(
            user=staff, region="370102", field="0101", day=jan, stage=S.SIGNED, amount="100"
        ),
        "jan_intention": _pair(
            user=staff, region="370102", field="0101", day=jan, stage=S.INTENTION
        ),
        "feb_signed": _pair(
            user=staff, region="370103", field="0402", day=feb, stage=S.SIGNED, amount="50.5"
        ),
        "feb_approved": _pair(user=staff, region="370102", field="0402", day=feb, stage=S.APPROVED),
        "feb_suggested": _pair(
            user=staff, region="370103", field="0101", day=feb, stage=S.SUGGESTED
        ),
        "qingdao_signed": _pair(
            user=qd_staff, region="370202", field="0101", day=jan, stage=S.SIGNED, amount="999"
        ),
    }


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_period_changes_the_figures(story: dict[str, Match], staff: User) -> None:
    jan = stats.stats_for(user=staff, filters=JAN)["totals"]
    assert (jan["signed"], jan["contract_value"]) == (1, 100.0)
    assert jan["intentions"] == 2  # the signed pair reached intention in January too
    assert jan["approved"] == 2
    assert jan["needs"] == 2
    assert jan["results"] == 2
    feb = stats.stats_for(user=staff, filters=FEB)["totals"]
    assert (feb["signed"], feb["contract_value"]) == (1, 50.5)
    assert feb["intentions"] == 1
    assert feb["approved"] == 2
    assert feb["suggested"] == 1
    assert feb["needs"] == 3
    both = stats.stats_for(user=staff, filters=BOTH)["totals"]
    assert (both["signed"], both["contract_value"]) == (2, 150.5)  # Qingdao's 999 is not ours
    late = stats.stats_for(
        user=staff, filters=StatsFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    )
    assert late["totals"]["signed"] == late["totals"]["needs"] == 0


def test_field_and_region_change_the_figures(story: dict[str, Match], staff: User) -> None:
    def totals(**kwargs: str) -> dict[str, Any]:
        return stats.stats_for(
            user=staff, filters=StatsFilter(BOTH.date_from, BOTH.date_to, **kwargs)
        )["totals"]

    assert totals(field="01")["signed"] == 1
    assert totals(field="01")["contract_value"] == 100.0
    assert totals(field="0402")["signed"] == 1
    assert totals(field="04")["approved"] == 2
    assert totals(field="04")["needs"] == 2
    assert totals(region="370103")["signed"] == 1
    assert totals(region="370103")["contract_value"] == 50.5
    assert totals(region="370102")["approved"] == 3
    assert totals(region="370102", field="04")["approved"] == 1
    assert totals(region="370102", field="04")["signed"] == 0


def test_breakdowns_by_district_field_and_month(
    story: dict[str, Match], staff: User, admin_user: User
) -> None:
    figures = stats.stats_for(user=staff, filters=BOTH)
    districts = {row["code"]: row for row in figures["by_region"]}
    assert set(districts) == {"370102", "370103"}  # the districts of the city, not Qingdao
    assert districts["370102"]["signed"] == 1
    assert districts["370102"]["approved"] == 3
    assert districts["370103"]["contract_value"] == 50.5
    assert districts["370103"]["needs"] == 2
    district = stats.stats_for(
        user=staff, filters=StatsFilter(BOTH.date_from, BOTH.date_to, region="370103")
    )["by_region"]
    assert [(row["code"], row["signed"]) for row in district] == [("370103", 1)]
    fields = {row["code"]: row for row in figures["by_field"]}
    assert set(fields) == {"01", "04"}
    assert (fields["01"]["signed"], fields["04"]["signed"]) == (1, 1)
    # drilling into one top-level field lists its fields
    drilled = stats.stats_for(
        user=staff, filters=StatsFilter(BOTH.date_from, BOTH.date_to, field="04")
    )
    assert [row["code"] for row in drilled["by_field"]] == ["0402"]
    months = {row["month"]: row for row in figures["by_month"]}
    assert list(months) == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    jan, feb = months[dt.date(2026, 1, 1)], months[dt.date(2026, 2, 1)]
    assert (jan["signed"], jan["contract_value"], jan["intentions"]) == (1, 100.0, 2)
    assert (feb["signed"], feb["contract_value"], feb["approved"]) == (1, 50.5, 2)
    assert (jan["needs"], feb["needs"]) == (2, 3)
    # administrators start from the provinces, and a province breaks down into its cities
    country = stats.stats_for(user=admin_user, filters=BOTH)["by_region"]
    assert [(row["code"], row["signed"]) for row in country] == [("370000", 3)]
    shandong = stats.stats_for(
        user=admin_user, filters=StatsFilter(BOTH.date_from, BOTH.date_to, region="370000")
    )["by_region"]
    assert [(row["code"], row["signed"]) for row in shandong] == [("370100", 2), ("370200", 1)]


def test_city_staff_cannot_widen_beyond_their_jurisdiction(
    story: dict[str, Match], staff: User
) -> None:
    client = _client(staff)
    base = {"from": "2026-01-01", "to": "2026-02-28"}
    for wider in ("370000", "370200", "370202"):
        page = client.get(reverse("matching:dashboard"), {**base, "region": wider})
        assert page.status_code == 200
        assert "只能查看您管辖范围内的地区。" in page.content.decode()
        assert page.context["totals"]["signed"] == 2
        assert page.context["totals"]["contract_value"] == 150.5
        export = client.get(
            reverse("matching:dashboard-export", args=["totals"]), {**base, "region": wider}
        )
        rows = dict(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
        assert rows["合同金额(万元)"] == 150.5
    # narrowing inside the city is fine
    page = client.get(reverse("matching:dashboard"), {**base, "region": "370103"})
    assert page.context["totals"]["signed"] == 1
    assert "只能查看" not in page.content.decode()
    # and the pipeline list never shows another city's pairs, whatever the region asked
    listing = client.get(reverse("matching:match-list"), {"region": "370202"})
    assert listing.context["total"] == 0


def _list_count(client: Client, url: str) -> int:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return int(response.context["page"].paginator.count)


def test_drill_down_lists_agree_with_the_numbers(story: dict[str, Match], staff: User) -> None:
    client = _client(staff)
    page = client.get(reverse("matching:dashboard"), {"from": "2026-01-01", "to": "2026-02-28"})
    figures = page.context["figures"]
    totals = figures["totals"]
    checked = 0
    for key in ("needs", "results", "matches", "suggested", "approved", "intentions", "signed"):
        url = totals["links"][key]
        assert url, key
        assert _list_count(client, url) == totals[key], key
        checked += 1
    # the example of the issue: signed pairs in a district, in a period
    signed_link = totals["links"]["signed"]
    assert urlsplit(signed_link).path == "/matching/pairs/"
    assert parse_qs(urlsplit(signed_link).query)["status"] == ["signed,landed"]
    for row in figures["by_region"] + figures["by_field"] + figures["by_month"]:
        for key in ("approved", "signed"):
            assert _list_count(client, row["links"][key]) == row[key]
            checked += 1
    for row in figures["funnel"] + figures["by_stage"]:
        assert _list_count(client, row["link"]) == row["count"], row["stage"]
        checked += 1
    for row in figures["by_field"] + figures["by_region"] + figures["by_month"]:
        for key in ("needs", "results"):
            # a district's link exists once the register lists filter by district
            if row["links"][key]:
                assert _list_count(client, row["links"][key]) == row[key], row["links"][key]
                checked += 1
    assert checked > 30
    html = page.content.decode()
    assert f'href="{signed_link.replace("&", "&amp;")}"' in html
    # numbers in the tables below the charts link to the same lists
    month_links = [cell for row in page.context["chart_tables"]["by_month"].links for cell in row]
    assert figures["by_month"][0]["links"]["signed"] in month_links


def test_the_export_holds_the_filtered_rows_with_dates_and_numbers(
    story: dict[str, Match], staff: User
) -> None:
    client = _client(staff)
    response = client.get(
        reverse("matching:dashboard-export", args=["by_month"]),
        {"from": "2026-02-01", "to": "2026-02-28"},
    )
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "月份"
    assert len(rows) == 2  # February only
    month = rows[1][0]
    assert isinstance(month, dt.datetime)
    assert (month.year, month.month) == (2026, 2)
    assert sheet.cell(row=2, column=1).number_format == "yyyy-mm"
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["签约项目"] == 1
    assert isinstance(values["签约项目"], int)
    assert values["合同金额(万元)"] == 50.5
    region = client.get(
        reverse("matching:dashboard-export", args=["by_region"]),
        {"from": "2026-01-01", "to": "2026-02-28", "field": "0402"},
    )
    region_rows = list(load_workbook(BytesIO(region.content)).active.iter_rows(values_only=True))
    by_name = {row[0]: row for row in region_rows[1:]}
    assert [name.split()[-1] for name in by_name] == ["历下区", "市中区"]
    header = region_rows[0]
    assert by_name["山东省 济南市 市中区"][header.index("合同金额(万元)")] == 50.5
    assert by_name["山东省 济南市 历下区"][header.index("签约项目")] == 0


def test_empty_params_are_dropped(story: dict[str, Match], staff: User) -> None:
    client = _client(staff)
    response = client.get(
        reverse("matching:dashboard"), {"from": "", "to": "", "field": "", "region": "370102"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/matching/dashboard/?region=370102"
    listing = client.get(reverse("matching:match-list"), {"status": "", "region": "3701"})
    assert listing["Location"] == "/matching/pairs/?region=3701"
    page = client.get(reverse("matching:dashboard"), {"region": "370102"})
    html = page.content.decode()
    assert "=&amp;" not in html
    assert '=&"' not in html
    for link in [
        page.context["totals"]["links"]["signed"],
        *(p["query"] for p in page.context["quick_periods"]),
    ]:
        assert all(
            value
            for values in parse_qs(urlsplit(link).query, keep_blank_values=True).values()
            for value in values
        )


def test_bad_filter_values_get_a_message_not_an_error(staff: User) -> None:
    client = _client(staff)
    page = client.get(reverse("matching:dashboard"), {"from": "2026-05-01", "to": "2026-01-01"})
    assert page.status_code == 200
    assert "截止日期不能早于起始日期。" in page.content.decode()
    page = client.get(reverse("matching:dashboard"), {"from": "yesterday", "field": "zz"})
    assert page.status_code == 200
    listing = client.get(reverse("matching:match-list"), {"from": "yesterday"})
    assert listing.status_code == 200
    assert "不是有效日期" in listing.content.decode()
    assert client.get("/api/stats/", {"from": "2026-05-01", "to": "2026-01-01"}).status_code == 400


def test_the_api_takes_the_same_filters(story: dict[str, Match], staff: User) -> None:
    client = _client(staff)
    api = client.get("/api/stats/", {"from": "2026-02-01", "to": "2026-02-28", "region": "370103"})
    assert api.status_code == 200
    body = api.json()
    assert body["totals"]["signed"] == 1
    assert body["totals"]["contract_value"] == 50.5
    assert body["filter"] == {
        "from": "2026-02-01",
        "to": "2026-02-28",
        "field": "",
        "region": "370103",
    }
    assert [row["month"] for row in body["by_month"]] == ["2026-02-01"]
    wider = client.get("/api/stats/", {"region": "370200"})
    assert wider.status_code == 400
    assert "region" in wider.json()
