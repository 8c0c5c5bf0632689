"""Each role's to-do home (工作台) at "/": the right groups for the role, scoped to the
user (staff: their jurisdiction; parties: their own organisation), items that leave the
page once done, and a number of queries that does not grow with the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, Organization, User
from matching.models import Match, MatchCase, PairKind
from matching.pairs import services as pairs
from portal.models import PostingStatus
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import MatchFactory, NeedFactory, ResultFactory, listed

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _groups(user: User) -> dict[str, Any]:
    response = _client(user).get("/")
    assert response.status_code == 200
    return {g.key: g for g in response.context["groups"]}


def _titles(group: Any) -> list[str]:
    return [item.title for item in group.items]


@pytest.fixture
def university(db: None) -> Organization:
    return OrganizationFactory(name="丙大学", org_type="university", region_code="370100")


@pytest.fixture
def rita(university: Organization) -> User:
    return member("rita", university, Membership.Role.RESEARCHER)


@pytest.fixture
def qingdao_staff(db: None) -> User:
    bureau = OrganizationFactory(name="青岛市科学技术局", org_type="bureau", region_code="370200")
    return member("qd_staff", bureau, Membership.Role.STAFF)


def _suggestion(
    alice: User, rita: User, title: str = "高盐废水零排放", score: float = 0.8
) -> Match:
    need = NeedFactory(
        organization=alice.organization, created_by=alice, title=title, region_code="370100"
    )
    result = ResultFactory(
        organization=rita.organization, created_by=rita, title=f"{title}成果", region_code="370100"
    )
    return listed(MatchFactory(need=need, result=result, kind=PairKind.NEED_RESULT, score=score))


def test_visitors_keep_the_landing_page() -> None:
    html = Client().get("/").content.decode()

    assert "立即注册" in html
    assert "我的工作台" not in html


def test_staff_see_postings_to_review_and_suggestions_of_their_region_only(
    staff: User, alice: User, rita: User, qingdao_staff: User
) -> None:
    NeedFactory(status=PostingStatus.SUBMITTED, title="济南待审需求", region_code="370102")
    NeedFactory(status=PostingStatus.SUBMITTED, title="青岛待审需求", region_code="370202")
    low = _suggestion(alice, rita, "低分推荐", score=0.3)
    high = _suggestion(alice, rita, "高分推荐", score=0.9)

    groups = _groups(staff)

    assert _titles(groups["review-postings"]) == ["济南待审需求"]
    assert groups["review-postings"].count == 1
    assert groups["suggestions"].count == 2
    # best first, each a link to the pair where it is approved
    assert [item.url for item in groups["suggestions"].items] == [
        f"/matching/pairs/{high.pk}/",
        f"/matching/pairs/{low.pk}/",
    ]
    other = _groups(qingdao_staff)
    assert _titles(other["review-postings"]) == ["青岛待审需求"]
    assert other["suggestions"].count == 0
    assert other["suggestions"].items == []


def test_an_approved_suggestion_leaves_the_staff_home_and_waits_for_the_parties(
    staff: User, alice: User, rita: User
) -> None:
    match = _suggestion(alice, rita)
    assert _groups(staff)["suggestions"].count == 1
    assert _groups(alice)["pairs-to-answer"].count == 0

    pairs.match_approve(match_id=match.pk, user=staff)

    assert _groups(staff)["suggestions"].count == 0
    html = _client(staff).get("/").content.decode()
    assert "暂无待办" in html
    for party in (alice, rita):
        group = _groups(party)["pairs-to-answer"]
        assert group.count == 1
        assert group.items[0].url == f"/matching/pairs/{match.pk}/#respond-box"


def test_a_pair_leaves_a_sides_home_once_that_side_answered(
    staff: User, alice: User, rita: User
) -> None:
    match = _suggestion(alice, rita)
    pairs.match_approve(match_id=match.pk, user=staff)

    pairs.match_respond(match_id=match.pk, user=alice, accept=True)

    assert _groups(alice)["pairs-to-answer"].count == 0
    assert _groups(rita)["pairs-to-answer"].count == 1
    recent = _groups(alice)["recent-pairs"]
    assert recent.items[0].badge == "已审核"


def test_an_enterprise_sees_its_own_drafts_never_another_organisations(
    alice: User, charlie: User
) -> None:
    mine = NeedFactory(
        organization=alice.organization,
        created_by=alice,
        status=PostingStatus.DRAFT,
        title="甲草稿",
    )
    NeedFactory(
        organization=charlie.organization,
        created_by=charlie,
        status=PostingStatus.DRAFT,
        title="乙草稿",
    )

    groups = _groups(alice)

    assert _titles(groups["my-postings"]) == ["甲草稿"]
    assert groups["my-postings"].items[0].url == f"/needs/{mine.pk}/edit/"
    assert "甲草稿" not in _titles(_groups(charlie)["my-postings"])

    # submitted: off the to-do group, onto "under review"; published: off both
    Need = type(mine)
    Need.objects.filter(pk=mine.pk).update(status=PostingStatus.SUBMITTED)
    groups = _groups(alice)
    assert groups["my-postings"].count == 0
    assert _titles(groups["in-review"]) == ["甲草稿"]
    Need.objects.filter(pk=mine.pk).update(status=PostingStatus.PUBLISHED)
    groups = _groups(alice)
    assert groups["my-postings"].count == groups["in-review"].count == 0


def test_needs_about_to_expire_within_two_weeks_are_listed(alice: User) -> None:
    today = timezone.localdate()
    NeedFactory(
        organization=alice.organization, title="五天后截止", deadline=today + dt.timedelta(days=5)
    )
    NeedFactory(
        organization=alice.organization, title="一月后截止", deadline=today + dt.timedelta(days=30)
    )
    NeedFactory(
        organization=alice.organization, title="昨天已截止", deadline=today - dt.timedelta(days=1)
    )

    group = _groups(alice)["my-postings"]

    assert _titles(group) == ["五天后截止"]
    assert group.items[0].badge == "5 天后截止"


def _open_pair(alice: User, rita: User, staff: User, title: str, idle_days: int) -> Match:
    match = _suggestion(alice, rita, title)
    pairs.match_approve(match_id=match.pk, user=staff)
    MatchCase.objects.filter(match=match).update(
        last_activity_at=timezone.now() - dt.timedelta(days=idle_days)
    )
    return match


def test_staff_see_idle_pairs_per_band_and_the_list_behind_each_count(
    staff: User, alice: User, rita: User, qingdao_staff: User
) -> None:
    _open_pair(alice, rita, staff, "闲置四十五天", 45)
    _open_pair(alice, rita, staff, "闲置一百天", 100)
    _open_pair(alice, rita, staff, "刚刚联系", 2)

    idle = _groups(staff)["idle"]

    assert [item.badge for item in idle.items] == ["1", "0", "1"]
    assert idle.items[2].url == "/workbench/idle/?band=90"
    html = _client(staff).get("/workbench/idle/?band=90").content.decode()
    assert "闲置一百天" in html
    assert "闲置四十五天" not in html
    assert "闲置四十五天" in _client(staff).get("/workbench/idle/?band=30").content.decode()
    # the follow-up list of today holds the two idle ones, not the fresh one
    assert sorted(t.split(" ↔ ")[0] for t in _titles(_groups(staff)["followups"])) == [
        "闲置一百天",
        "闲置四十五天",
    ]
    # other regions' staff see none of it; parties may not open the list
    assert [i.badge for i in _groups(qingdao_staff)["idle"].items] == ["0", "0", "0"]
    assert _client(alice).get("/workbench/idle/?band=90").status_code == 403


def test_a_follow_up_takes_the_pair_off_todays_list(staff: User, alice: User, rita: User) -> None:
    from matching.pairs import followups

    match = _open_pair(alice, rita, staff, "闲置四十五天", 45)
    assert _groups(staff)["followups"].count == 1

    followups.followup_create(
        match_id=match.pk,
        user=staff,
        date=timezone.localdate(),
        channel="phone",
        summary="电话沟通进度。",
    )

    assert _groups(staff)["followups"].count == 0
    assert [i.badge for i in _groups(staff)["idle"].items] == ["0", "0", "0"]


def _home_queries(user: User) -> int:
    client = _client(user)
    client.get("/")  # warm the session and the cached reference data
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_the_staff_home_runs_the_same_queries_for_few_or_many_items(
    staff: User, alice: User, rita: User
) -> None:
    for n in range(2):
        _suggestion(alice, rita, f"推荐{n}")
        _open_pair(alice, rita, staff, f"闲置{n}", 40)
        NeedFactory(status=PostingStatus.SUBMITTED, title=f"待审{n}")
    few = _home_queries(staff)
    for n in range(2, 14):
        _suggestion(alice, rita, f"推荐{n}")
        _open_pair(alice, rita, staff, f"闲置{n}", 40)
        NeedFactory(status=PostingStatus.SUBMITTED, title=f"待审{n}")

    assert _home_queries(staff) == few
    assert few <= 30


def test_the_party_home_runs_the_same_queries_for_few_or_many_items(
    staff: User, alice: User, rita: User
) -> None:
    for n in range(2):
        pairs.match_approve(match_id=_suggestion(alice, rita, f"推荐{n}").pk, user=staff)
        NeedFactory(organization=alice.organization, status=PostingStatus.DRAFT)
    few = _home_queries(alice)
    for n in range(2, 14):
        pairs.match_approve(match_id=_suggestion(alice, rita, f"推荐{n}").pk, user=staff)
        NeedFactory(organization=alice.organization, status=PostingStatus.DRAFT)

    assert _home_queries(alice) == few
    assert few <= 30
    assert _groups(alice)["pairs-to-answer"].count == 14
    assert len(_groups(alice)["pairs-to-answer"].items) == 10


def test_a_user_without_an_organisation_gets_an_empty_home() -> None:
    from tests.accounts.factories import UserFactory

    loner = UserFactory(username="loner")

    response = _client(loner).get("/")

    assert response.status_code == 200
    groups = {g.key: g for g in response.context["groups"]}
    assert groups["pairs-to-answer"].count == 0
    assert "暂无待办" in response.content.decode()
