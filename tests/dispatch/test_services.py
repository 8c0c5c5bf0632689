"""A dispatch round through the services: volunteers, the optimised assignment under the
rules, publication, visits by the assigned expert only, ratings by the served enterprise
only, and a visit's proposed cooperation as a pair."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Membership
from matching.lists import services as lists
from matching.models import Match, MatchStatus
from portal.dispatch import services
from portal.dispatch.models import Assignment, Round
from portal.models import TechField
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import ExpertFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def field() -> TechField:
    return TechField.objects.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def world(staff, alice, org_a, field):  # type: ignore[no-untyped-def]
    need = NeedFactory(
        organization=org_a,
        created_by=alice,
        title="注塑件缩痕问题",
        description="改性塑料注塑件表面缩痕，需要工艺优化。",
    )
    need.fields.set([field])
    institute = OrganizationFactory(name="材料研究院", org_type="institute", region_code="370100")
    prof = member("prof", institute, Membership.Role.EXPERT)
    expert = ExpertFactory(
        organization=institute, user=prof, name="王教授", biography="改性塑料注塑工艺与缩痕控制。"
    )
    expert.fields.set([field])
    for kind, posting in (("need", need), ("expert", expert)):
        lists.document_index(kind=kind, pk=posting.pk)
    today = timezone.localdate()
    round_ = services.round_create(
        user=staff,
        data={
            "title": "2026 年产业特派员第一批",
            "region_code": "370100",
            "period_start": today,
            "period_end": today + dt.timedelta(days=180),
            "min_score": 0.0,
        },
        field_ids=[field.pk],
    )
    services.round_open(user=staff, round_=round_)
    services.enterprises_add(user=staff, round_=round_, organization_ids=[org_a.pk])
    return {"round": round_, "need": need, "expert": expert, "prof": prof}


def test_bad_volunteering_is_refused(world, field) -> None:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    with pytest.raises(ValidationError) as err:
        services.volunteer(
            user=world["prof"],
            round_=round_,
            capacity=0,
            field_ids=[field.pk],
            districts=["440100"],
        )
    assert "1 到 50" in err.value.message_dict["capacity"][0]
    assert "地区之内" in err.value.message_dict["districts"][0]


def test_solved_published_visited_rated_and_proposed(world, staff, alice, charlie, field) -> None:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    services.volunteer(
        user=world["prof"], round_=round_, capacity=3, field_ids=[field.pk], districts=["370100"]
    )
    solution = services.round_solve(user=staff, round_=round_)
    assert len(solution.assigned) == 1
    row = Assignment.objects.get()
    assert row.volunteer.expert == world["expert"]
    services.round_publish(user=staff, round_=round_)
    assert Round.objects.get(pk=round_.pk).status == Round.Status.PUBLISHED
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.visit_log(
            user=alice,
            assignment_id=row.pk,
            date=today,
            mode="onsite",
            problem="缩痕",
            advice="调整保压",
        )
    with pytest.raises(ValidationError) as err:
        services.visit_log(
            user=world["prof"],
            assignment_id=row.pk,
            date=today + dt.timedelta(days=1),
            mode="onsite",
            problem="缩痕",
            advice="调整保压",
        )
    assert "晚于今天" in err.value.message_dict["date"][0]
    visit = services.visit_log(
        user=world["prof"],
        assignment_id=row.pk,
        date=today,
        mode="onsite",
        problem="注塑件缩痕",
        advice="延长保压时间",
    )
    with pytest.raises(PermissionDenied):
        services.visit_rate(user=charlie, visit_id=visit.pk, rating=5)
    with pytest.raises(ValidationError):
        services.visit_rate(user=alice, visit_id=visit.pk, rating=6)
    services.visit_rate(user=alice, visit_id=visit.pk, rating=5, comment="很有帮助")
    services.visit_propose(user=world["prof"], visit_id=visit.pk, need_id=world["need"].pk)
    pair = Match.objects.get(need=world["need"], expert=world["expert"])
    assert pair.status == MatchStatus.CONTACTED
    assert pair.transitions.filter(source__contains=round_.title).exists()


def test_an_expert_is_never_sent_to_their_own_organisation(world, staff, field) -> None:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    own = member("own_expert", world["need"].organization, Membership.Role.EXPERT)
    insider = ExpertFactory(organization=world["need"].organization, user=own, name="内部专家")
    insider.fields.set([field])
    lists.document_index(kind="expert", pk=insider.pk)
    services.volunteer(
        user=own, round_=round_, capacity=2, field_ids=[field.pk], districts=["370100"]
    )
    services.round_solve(user=staff, round_=round_)
    assert not Assignment.objects.filter(volunteer__expert=insider).exists()
    row = round_.enterprises.get()
    assert row.unserved_reason == "conflict"
    # A manual pin that breaks the rule is refused when the round is published.
    services.assignment_pin(
        user=staff,
        round_=round_,
        enterprise_id=row.pk,
        volunteer_id=round_.volunteers.get(expert=insider).pk,
    )
    with pytest.raises(ValidationError):
        services.round_publish(user=staff, round_=round_)
    assert Round.objects.get(pk=round_.pk).status == Round.Status.OPEN


def test_the_ledger_counts_visits_ratings_pairs_and_coverage(world, staff, alice, field) -> None:  # type: ignore[no-untyped-def]
    from portal.dispatch.selectors import ledger

    round_ = world["round"]
    services.volunteer(
        user=world["prof"], round_=round_, capacity=3, field_ids=[field.pk], districts=["370100"]
    )
    services.round_solve(user=staff, round_=round_)
    services.round_publish(user=staff, round_=round_)
    row = Assignment.objects.get()
    visit = services.visit_log(
        user=world["prof"],
        assignment_id=row.pk,
        date=timezone.localdate(),
        mode="remote",
        problem="缩痕",
        advice="保压",
    )
    services.visit_rate(user=alice, visit_id=visit.pk, rating=4)
    services.visit_propose(user=world["prof"], visit_id=visit.pk, need_id=world["need"].pk)
    book = ledger(rounds=Round.objects.filter(pk=round_.pk))
    expert_row = book["experts"][0]
    assert (
        expert_row["institute"],
        expert_row["capacity"],
        expert_row["enterprises"],
        expert_row["visits"],
        expert_row["confirmed"],
        expert_row["rating"],
        expert_row["pairs"],
        expert_row["load"],
    ) == ("材料研究院", 3, 1, 1, 1, 4.0, 1, 0.33)
    assert book["institutes"][0]["institute"] == "材料研究院"
    assert book["coverage"] == [
        {
            "field": field.name,
            "district": world["need"].organization.region_name,
            "to_serve": 1,
            "served": 1,
            "experts": 1,
        }
    ]
    assert book["load"] == [
        {"field": field.name, "experts": 1, "capacity": 3, "assigned": 1, "load": 0.33}
    ]


def test_an_expert_with_no_visit_after_the_first_visit_days_is_on_the_to_do_list(
    world, staff, staff_client, field
) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    round_ = world["round"]
    services.volunteer(
        user=world["prof"], round_=round_, capacity=1, field_ids=[field.pk], districts=["370100"]
    )
    services.round_solve(user=staff, round_=round_)
    services.round_publish(user=staff, round_=round_)
    page = staff_client.get("/matching/pairs/due/").content.decode()
    assert "王教授 → " not in page
    later = timezone.now() + dt.timedelta(days=round_.visit_due_days + 1)
    with time_machine.travel(later):
        staff_client.force_login(staff)  # the earlier session has expired by then
        page = staff_client.get("/matching/pairs/due/").content.decode()
    assert "王教授 → " in page
