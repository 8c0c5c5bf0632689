"""The matching lists run a fixed number of SQL queries, whatever the page holds.

Each case builds a few rows, requests the list, builds more (three times as many in all) and
requests it again, then asserts that the number of queries did not change and stays under a
small ceiling: a query per pair, per response, per case or per contact shows as a difference.
The pair page is measured with one follow-up and transition, then with four.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, User
from matching.models import (
    FollowUpChannel,
    Match,
    MatchCase,
    MatchSide,
    MatchStatus,
    MatchTransition,
    PairKind,
    Recommendation,
)
from matching.pairs import followups
from matching.pairs import services as pairs
from portal.models import Expert, Need, Result
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import ExpertFactory, MatchFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db

FEW = 4
MANY = 12
# User, membership, the page and its count, one query per relation fetched in bulk
# (responses, the memberships of the people behind the postings), the unread badge of the
# page header: 6 at most today.
CEILING = 8
# The pair page also reads its responses, transitions, follow-ups and decisions: 8 today.
DETAIL_CEILING = 12


@dataclass(frozen=True)
class World:
    alice: User  # enterprise member of org A (Jinan): the need side
    staff: User  # Jinan bureau: jurisdiction 3701
    rita: User  # researcher of the university (Qingdao): the result side
    eddie: User  # an expert in person
    university: Organization


@pytest.fixture
def world(alice: User, staff: User) -> World:
    university = OrganizationFactory(
        name="丙大学", org_type=Organization.Type.UNIVERSITY, region_code="370200"
    )
    return World(
        alice=alice,
        staff=staff,
        rita=member("rita", university, Membership.Role.RESEARCHER),
        eddie=member("eddie", university, Membership.Role.EXPERT),
        university=university,
    )


def _persona(world: World, name: str) -> User:
    return {
        "staff": world.staff,
        "owner": world.alice,
        "result-owner": world.rita,
        "expert": world.eddie,
    }[name]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# What one row of each list looks like: a pair's or a notice's link, a list entry.
ROW = re.compile(
    r'href="/matching/pairs/\d+/"|href="/accounts/notifications/\d+/"|class="list-group-item"'
)


def _count(client: Client, url: str) -> tuple[int, int]:
    """The queries one request runs, and how many rows it showed."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(
            url, headers={"HX-Request": "true"} if "/recommendations/" in url else {}
        )
    assert response.status_code == 200, response.content[:500]
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        rows = len(body["results"] if isinstance(body, dict) else body)
    else:
        rows = len(ROW.findall(response.content.decode()))
    return len(ctx.captured_queries), rows


# ------------------------------------------------------------------------- rows


def _title(i: int) -> str:
    """A title of its own (lists fold one organisation's near-identical titles)."""
    return "".join(chr(0x4E00 + (i * 977 + k * 131) % 20000) for k in range(8))


def _need(world: World, i: int = 0) -> Need:
    """A need of alice's organisation; every other one without contact details of its own,
    so its contact falls back to the organisation's or to its creator."""
    contact = {} if i % 2 else {"contact_name": "王工", "contact_phone": "13905310001"}
    return NeedFactory(
        organization=world.alice.organization, created_by=world.alice, title=_title(i), **contact
    )


def _result(world: World, i: int = 0) -> Result:
    """A result of the university, every other one in Jinan (inside the staff's region)."""
    return ResultFactory(
        organization=world.university,
        created_by=world.rita,
        region_code="370100" if i % 2 else "370200",
        title=_title(i),
    )


def _expert(world: World, i: int = 0) -> Expert:
    """An expert without an account of their own (entered by rita), without contacts."""
    return ExpertFactory(organization=world.university, created_by=world.rita, user=None)


def _pair(world: World, i: int, *, need: Need | None = None, offer: Any = None) -> Match:
    need = need or _need(world, i)
    if offer is None:
        offer = _result(world, i) if i % 2 == 0 else _expert(world, i)
    if isinstance(offer, Expert):
        return MatchFactory(kind=PairKind.NEED_EXPERT, need=need, result=None, expert=offer)
    return MatchFactory(kind=PairKind.NEED_RESULT, need=need, result=offer)


def _listed(match: Match, rank: int) -> None:
    """The pair in both sides' ranked lists, as the engine leaves it."""
    offer_kind = "result" if match.result_id else "expert"
    Recommendation.objects.create(
        owner_kind="need", owner_id=match.need_id, target_kind=offer_kind, match=match, rank=rank
    )
    Recommendation.objects.create(
        owner_kind=offer_kind,
        owner_id=match.result_id or match.expert_id,
        target_kind="need",
        match=match,
        rank=rank,
    )


def _broker(world: World, match: Match, i: int) -> None:
    """Approve the pair (a case, a transition, notices); every other one both sides then
    accept, so contacts are shared, and every fourth one is signed with a contract."""
    pairs.match_approve(match_id=match.pk, user=world.staff)
    if i % 2:
        return
    for side in (MatchSide.NEED, MatchSide.OFFER):
        pairs.match_respond(match_id=match.pk, user=world.staff, accept=True, side=side)
    if i % 4 == 0:
        for stage in (MatchStatus.NEGOTIATING, MatchStatus.INTENTION):
            pairs.match_advance(match_id=match.pk, user=world.staff, stage=stage)
        pairs.match_advance(
            match_id=match.pk,
            user=world.staff,
            stage=MatchStatus.SIGNED,
            contract_amount=50,
            contract_date=timezone.localdate(),
            contract_type="development",
        )


# ------------------------------------------------------------------------- cases
#
# A case prepares what stays the same (the posting whose lists grow) and returns a function
# that adds ``n`` rows and answers the URL to measure.

Adder = Callable[[int], str]


def _brokered_pairs(world: World, url: str) -> Adder:
    """``n`` pairs at every stage of brokering, and ``n`` suggestions beside them (no case
    yet; staff see them, the parties do not)."""
    made = [0]

    def add(n: int) -> str:
        for i in range(made[0], made[0] + n):
            _broker(world, _pair(world, i), i)
            _pair(world, i + 1)
        made[0] += n
        return url

    return add


def match_api(world: World) -> Adder:
    return _brokered_pairs(world, reverse("api:match-list"))


def match_page(world: World) -> Adder:
    return _brokered_pairs(world, reverse("matching:match-list"))


def notification_api(world: World) -> Adder:
    return _brokered_pairs(world, reverse("api:notification-list"))


def notification_page(world: World) -> Adder:
    return _brokered_pairs(world, reverse("accounts:notification-list"))


def review_queue(world: World) -> Adder:
    made = [0]

    def add(n: int) -> str:
        for i in range(made[0], made[0] + n):
            _listed(_pair(world, i), rank=i % 3 + 1)
        made[0] += n
        return reverse("matching:review-queue")

    return add


def due_list(world: World) -> Adder:
    made = [0]

    def add(n: int) -> str:
        for i in range(made[0], made[0] + n):
            match = _pair(world, i)
            pairs.match_approve(match_id=match.pk, user=world.staff)
            MatchCase.objects.filter(match=match).update(
                last_activity_at=timezone.now() - dt.timedelta(days=60),
                next_contact_date=timezone.localdate() - dt.timedelta(days=i % 3 + 1),
            )
        made[0] += n
        return reverse("matching:due-list")

    return add


def _recommendations(world: World, owner: str, *, api: bool, approve: bool) -> Adder:
    """A posting whose lists grow by ``n`` pairs per kind of the other side."""
    # in Jinan, the staff's region (a result of index 1 is)
    posting: Any = {"need": _need, "result": _result, "expert": _expert}[owner](world, 1)
    if owner == "expert":
        posting.user = world.eddie
        posting.save(update_fields=["user"])
    made = [0]

    def add(n: int) -> str:
        for i in range(made[0], made[0] + n):
            if owner == "need":
                matches = [
                    _pair(world, i, need=posting, offer=_result(world, i)),
                    _pair(world, i, need=posting, offer=_expert(world, i)),
                ]
            else:
                matches = [_pair(world, i, offer=posting)]
            for match in matches:
                _listed(match, rank=i + 1)
                if approve:
                    _broker(world, match, i)
        made[0] += n
        if api:
            return f"/api/{owner}s/{posting.pk}/recommendations/?limit={MANY}"
        return reverse("matching:recommendations", args=[owner, posting.pk])

    return add


@dataclass(frozen=True)
class ListCase:
    build: Callable[[World], Adder]
    persona: str

    def __str__(self) -> str:
        return f"{self.build.__name__}-{self.persona}"


def _rec_case(owner: str, api: bool, persona: str) -> ListCase:
    def build(world: World) -> Adder:
        return _recommendations(world, owner, api=api, approve=persona != "staff")

    build.__name__ = f"{owner}_recommendations_{'api' if api else 'partial'}"
    return ListCase(build, persona)


OWNER_OF = {"need": "owner", "result": "result-owner", "expert": "expert"}

LIST_CASES = [
    pytest.param(case, id=str(case))
    for case in [
        ListCase(match_api, "staff"),
        ListCase(match_api, "owner"),
        ListCase(match_api, "result-owner"),
        ListCase(notification_api, "owner"),
        ListCase(notification_api, "result-owner"),
        ListCase(match_page, "staff"),
        ListCase(match_page, "owner"),
        ListCase(notification_page, "owner"),
        ListCase(review_queue, "staff"),
        ListCase(due_list, "staff"),
        *[
            _rec_case(owner, api, persona)
            for owner in ("need", "result", "expert")
            for api in (True, False)
            for persona in ("staff", OWNER_OF[owner])
        ],
    ]
]


@pytest.mark.parametrize("case", LIST_CASES)
def test_a_matching_list_runs_the_same_queries_for_few_and_many_rows(
    world: World, case: ListCase
) -> None:
    client = _client(_persona(world, case.persona))
    add = case.build(world)
    few, few_rows = _count(client, add(FEW))
    many, many_rows = _count(client, add(MANY - FEW))

    assert many_rows > few_rows >= FEW
    assert many == few, f"{few} queries for {FEW} rows, {many} for {MANY}"
    assert few <= CEILING


# ------------------------------------------------------------------------- the pair page


def _history(world: World, match: Match, count: int) -> None:
    """``count`` follow-ups and ``count`` recorded moves of the pair (the approval being
    the first), without moving it on: the page differs only in how long its tables are."""
    for n in range(count):
        followups.followup_create(
            match_id=match.pk,
            user=world.staff,
            date=timezone.localdate(),
            channel=FollowUpChannel.PHONE,
            summary=f"第{n + 1}次电话沟通",
        )
    for _ in range(count - 1):
        MatchTransition.objects.create(
            match=match,
            from_status=MatchStatus.APPROVED,
            to_status=MatchStatus.APPROVED,
            by=world.staff,
            note="补记",
        )


@pytest.mark.parametrize("persona", ["staff", "owner", "result-owner"])
@pytest.mark.parametrize("offer", ["result", "expert"])
def test_the_pair_page_runs_the_same_queries_for_one_or_four_followups(
    world: World, persona: str, offer: str
) -> None:
    client = _client(_persona(world, persona))
    counts = []
    for count in (1, 4):
        make = _result if offer == "result" else _expert
        match = _pair(world, 0, offer=make(world, 1))
        pairs.match_approve(match_id=match.pk, user=world.staff)
        pairs.match_respond(match_id=match.pk, user=world.staff, accept=True, side="need")
        _history(world, match, count)
        queries, _rows = _count(client, reverse("matching:match-detail", args=[match.pk]))
        counts.append(queries)

    assert counts[1] == counts[0], f"{counts[0]} queries with one follow-up, {counts[1]} with four"
    assert counts[0] <= DETAIL_CEILING
