"""The dashboards' figures from counts aggregated ahead (matching.dashboards.facts) are the
figures counted from the registers, for every view and filter; they are read only while a
rebuild is recent, and a pair's stage change still shows at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from matching.dashboards import facts, stats
from matching.dashboards.filters import StatsFilter
from matching.dashboards.models import StatsFact, StatsFactsBuild
from matching.models import Match, MatchStatus, PairKind
from matching.pairs import services as workflow
from portal.models import PostingStatus
from tests.matching.factories import ExpertFactory, NeedFactory, ResultFactory, listed
from tests.matching.test_dashboard_filters import (  # noqa: F401 (story: a fixture)
    BOTH,
    FEB,
    JAN,
    _at,
    _pair,
    story,
)
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus
JAN_15, FEB_10 = dt.date(2026, 1, 15), dt.date(2026, 2, 10)


@pytest.fixture
def world(request: pytest.FixtureRequest, staff: User) -> dict[str, Any]:
    """The dashboard filters' story (pairs at every stage in two cities and two districts)
    and postings that test the field keys: a need in a top field and one of its sub-fields,
    one in two sub-fields of the same top field, one in two top fields, one without a field;
    a closed result, a draft, an expert; an approved pair filed under the city itself; a
    pair across two cities; a suggestion of a need in another city."""
    made: dict[str, Any] = dict(request.getfixturevalue("story"))
    made["city_approved"] = _pair(
        user=staff, region="370100", field="0201", day=FEB_10, stage=S.APPROVED
    )
    with _at(JAN_15):
        NeedFactory(region_code="370102", field_codes=["01", "0101"])
        NeedFactory(region_code="370103", field_codes=["0401", "0402"])
        NeedFactory(region_code="370202", field_codes=["0101", "0402"])
        NeedFactory(region_code="370102", field_codes=[])
        ResultFactory(region_code="370102", field_codes=["0101"], status=PostingStatus.CLOSED)
        ResultFactory(
            region_code="370103",
            field_codes=["0101"],
            status=PostingStatus.DRAFT,
            published_at=None,
        )
        ExpertFactory(region_code="370103", field_codes=["0402"])
    with _at(FEB_10):
        # a Jinan need paired with a Qingdao result: in both cities' figures
        need = NeedFactory(region_code="370102", field_codes=["0402"])
        result = ResultFactory(region_code="370202", field_codes=["0402"])
        cross = listed(
            Match.objects.create(kind=PairKind.NEED_RESULT, need=need, result=result, score=0.5)
        )
        workflow.match_approve(match_id=cross.pk, user=staff)
        made["cross"] = cross
        # a suggestion of a Qingdao need with a Jinan expert
        listed(
            Match.objects.create(
                kind=PairKind.NEED_EXPERT,
                need=NeedFactory(region_code="370202", field_codes=["0101"]),
                expert=ExpertFactory(region_code="370102", field_codes=["0101"]),
                score=0.4,
            )
        )
    return made


FILTERS = [
    BOTH,
    JAN,
    FEB,
    StatsFilter(JAN.date_from, FEB.date_to, field="01"),
    StatsFilter(JAN.date_from, FEB.date_to, field="0101"),
    StatsFilter(JAN.date_from, FEB.date_to, field="04"),
    StatsFilter(JAN.date_from, FEB.date_to, region="370100"),
    StatsFilter(JAN.date_from, FEB.date_to, region="370102"),
    StatsFilter(JAN.date_from, FEB.date_to, field="04", region="370103"),
    StatsFilter(dt.date(2026, 1, 16), dt.date(2026, 2, 9)),
]


def _without_time(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in figures.items() if key != "facts_at"}


def _every_view(users: list[User | None]) -> dict[tuple[int, int], dict[str, Any]]:
    return {
        (u, f): _without_time(stats.stats_for(user=user, filters=filters))
        for u, user in enumerate(users)
        for f, filters in enumerate(FILTERS)
    }


def test_the_facts_give_the_figures_counted_from_the_registers(
    world: dict[str, Any], staff: User, qd_staff: User, admin_user: User, settings: Any
) -> None:
    users = [staff, qd_staff, admin_user, None]
    counted = _every_view(users)
    assert counted[(0, 0)]["totals"]["needs"] > 0
    assert counted[(0, 0)]["totals"]["matches"] > 0

    settings.STATS_FACTS_SECONDS = 60
    written = facts.facts_refresh()
    assert written == StatsFact.objects.count() > 0
    assert stats.stats_for(user=staff, filters=BOTH)["facts_at"] is not None

    summed = _every_view(users)
    for view, figures in counted.items():
        assert summed[view] == figures, f"user {view[0]}, filter {FILTERS[view[1]].query()}"


def test_the_facts_count_what_the_field_filter_keeps(
    world: dict[str, Any], admin_user: User, settings: Any
) -> None:
    """A need in 01 and its sub-field 0101 counts once under 01; one in 0401 and 0402
    counts once under 04 and once under each sub-field."""
    settings.STATS_FACTS_SECONDS = 60
    facts.facts_refresh()
    top = StatsFilter(JAN.date_from, FEB.date_to, field="04")
    figures = stats.stats_for(user=admin_user, filters=top)
    by_field = {row["code"]: row["needs"] for row in figures["by_field"]}
    # needs in 04: feb_signed, feb_approved, the 0401+0402 need, the Qingdao 0101+0402
    # need, the cross need
    assert figures["totals"]["needs"] == 5
    assert by_field == {"0401": 1, "0402": 5}
    # in 01: the four 0101 pairs' needs, the 01 + 0101 need (once), the Qingdao 0101 + 0402
    # need and the need of the expert suggestion
    ones = stats.stats_for(user=admin_user, filters=StatsFilter(JAN.date_from, FEB.date_to, "01"))
    assert ones["totals"]["needs"] == 7
    assert {row["code"]: row["needs"] for row in ones["by_field"]}["0101"] == 7


def test_facts_are_read_only_while_rebuilt_recently(
    world: dict[str, Any], staff: User, settings: Any
) -> None:
    settings.STATS_FACTS_SECONDS = 60
    facts.facts_refresh()
    before = stats.stats_for(user=staff, filters=BOTH)["totals"]["needs"]
    with _at(JAN_15):
        NeedFactory(region_code="370102", field_codes=["0101"])

    # until the next rebuild the new need is not in the figures
    assert stats.stats_for(user=staff, filters=BOTH)["totals"]["needs"] == before
    facts.facts_refresh()
    assert stats.stats_for(user=staff, filters=BOTH)["totals"]["needs"] == before + 1

    with _at(JAN_15):
        NeedFactory(region_code="370102", field_codes=["0101"])
    built = StatsFactsBuild.objects.get().computed_at
    # three intervals without a rebuild (the beat stopped): counted from the registers
    with time_machine.travel(built + dt.timedelta(seconds=181), tick=False):
        figures = stats.stats_for(user=staff, filters=BOTH)
    assert figures["facts_at"] is None
    assert figures["totals"]["needs"] == before + 2


def test_a_stage_change_shows_at_once_with_facts(
    world: dict[str, Any], staff: User, settings: Any
) -> None:
    settings.STATS_FACTS_SECONDS = 60
    facts.facts_refresh()
    until_today = StatsFilter(JAN.date_from, timezone.localdate())  # approved today
    before = stats.stats_for(user=staff, filters=until_today)["totals"]
    workflow.match_approve(match_id=world["feb_suggested"].pk, user=staff)
    after = stats.stats_for(user=staff, filters=until_today)["totals"]
    # suggestions are counted ahead, approvals live
    assert after["approved"] == before["approved"] + 1
    assert after["suggested"] == before["suggested"]


def test_the_dashboard_says_when_the_facts_were_counted(
    world: dict[str, Any], staff: User, settings: Any
) -> None:
    settings.STATS_FACTS_SECONDS = 60
    counted_at = timezone.make_aware(dt.datetime.combine(dt.date(2026, 3, 1), dt.time(9, 5)))
    with time_machine.travel(counted_at, tick=False):
        facts.facts_refresh()
    with time_machine.travel(counted_at + dt.timedelta(seconds=90), tick=False):
        client = Client()
        client.force_login(staff)
        page = client.get("/matching/dashboard/?from=2026-01-01&to=2026-02-28")
    assert page.status_code == 200
    assert "2026-03-01 09:05" in page.content.decode()


def test_the_beat_rebuilds_the_facts(world: dict[str, Any], settings: Any) -> None:
    from matching.dashboards.tasks import stats_facts_refresh_task

    rows = stats_facts_refresh_task.delay().get()
    build = StatsFactsBuild.objects.get()
    assert rows == build.rows == StatsFact.objects.count() > 0


def test_suggestions_are_counted_not_picked(staff: User) -> None:
    with pytest.raises(ValueError):
        stats.picked([], BOTH, status=S.SUGGESTED)
