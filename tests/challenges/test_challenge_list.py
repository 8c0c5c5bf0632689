"""A challenge list from publication to a delivered award, and the rules on the way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching.models import Match, MatchStatus
from portal.challenges import awards, entries, reviews, selectors
from portal.challenges.models import Entry, Milestone, Programme
from tests.challenges.conftest import ListWorld

pytestmark = pytest.mark.django_db


def _consortium(world: ListWorld, dora, erin, shares=(70, 30)) -> Entry:  # type: ignore[no-untyped-def]
    return entries.entry_submit(
        user=dora,
        programme=world.programme,
        challenge_id=world.challenge.pk,
        data={"title": "高盐废水分质处理方案", "proposal": "分质分盐，催化氧化深度处理。"},
        members=[
            {"organization": dora.organization.pk, "role": "lead", "budget_share": shares[0]},
            {"organization": erin.organization.pk, "role": "member", "budget_share": shares[1]},
        ],
        result_id=world.result.pk,
    )


def test_a_consortium_bid_counts_once_every_member_confirms(list_world, dora, erin) -> None:
    entry = _consortium(list_world, dora, erin)
    assert entry.status == Entry.Status.CONFIRMING
    assert not entry.counts
    entries.member_confirm(user=erin, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.status == Entry.Status.SUBMITTED


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([{"role": "member", "budget_share": 100}], "牵头单位"),
        ("twice", "两次"),
        ("shares", "合计须为 100"),
    ],
)
def test_bad_consortia_are_refused_and_nothing_is_saved(
    list_world, dora, erin, members, message
) -> None:
    lead = {"organization": dora.organization.pk, "role": "lead", "budget_share": 50}
    rows = (
        {
            "twice": [lead, {**lead, "role": "member"}],
            "shares": [
                lead,
                {"organization": erin.organization.pk, "role": "member", "budget_share": 20},
            ],
        }.get(members)
        if isinstance(members, str)
        else [{**members[0], "organization": erin.organization.pk}]
    )
    with pytest.raises(ValidationError, match=message):
        entries.entry_submit(
            user=dora,
            programme=list_world.programme,
            challenge_id=list_world.challenge.pk,
            data={"title": "方案", "proposal": "内容"},
            members=rows,
            result_id=list_world.result.pk,
        )
    assert not Entry.objects.exists()


def test_a_bid_after_the_deadline_is_refused(list_world, dora, erin) -> None:
    late = list_world.programme.entry_deadline + dt.timedelta(minutes=1)
    with time_machine.travel(late), pytest.raises(ValidationError, match="截止"):
        _consortium(list_world, dora, erin)


def test_bidders_see_only_their_own_bids(list_world, dora, erin, charlie) -> None:
    entry = _consortium(list_world, dora, erin)
    visible = selectors.entry_list_visible_to(user=charlie, programme=list_world.programme)
    assert list(visible) == []
    assert list(selectors.entry_list_visible_to(user=erin, programme=list_world.programme)) == [
        entry
    ]


def test_a_reviewer_with_a_conflict_cannot_be_assigned_and_is_told_why(
    list_world, dora, erin, staff
) -> None:
    entry = _consortium(list_world, dora, erin)
    entries.member_confirm(user=erin, entry_id=entry.pk)
    stage = list_world.programme.stages.get()
    with pytest.raises(ValidationError, match="同属一个单位"):
        reviews.reviewer_assign(
            user=staff, stage=stage, reviewer_id=erin.pk, challenge_id=list_world.challenge.pk
        )
    reviews.conflict_declare(
        user=list_world.reviewer_expert.user,
        organization_id=erin.organization.pk,
        reason="近三年合作",
    )
    with pytest.raises(ValidationError, match="近三年合作"):
        reviews.reviewer_assign(
            user=staff,
            stage=stage,
            expert_id=list_world.reviewer_expert.pk,
            challenge_id=list_world.challenge.pk,
        )


def _reviewed(world: ListWorld, dora, erin, staff, judge) -> Entry:  # type: ignore[no-untyped-def]
    entry = _consortium(world, dora, erin)
    entries.member_confirm(user=erin, entry_id=entry.pk)
    stage = world.programme.stages.get()
    reviews.reviewer_assign(
        user=staff, stage=stage, expert_id=world.reviewer_expert.pk, challenge_id=world.challenge.pk
    )
    return entry


def test_scores_are_checked_and_weighted(list_world, dora, erin, staff, judge) -> None:
    entry = _reviewed(list_world, dora, erin, staff, judge)
    criteria = list(list_world.programme.stages.get().criteria.all())
    with pytest.raises(ValidationError, match="0 到 100"):
        reviews.review_submit(
            user=judge, entry_id=entry.pk, scores={str(c.pk): 120 for c in criteria}
        )
    review = reviews.review_submit(
        user=judge, entry_id=entry.pk, scores={str(c.pk): 80 for c in criteria}, comment="可行"
    )
    assert review.total == Decimal("80.00")
    with pytest.raises(PermissionDenied):
        reviews.review_submit(user=dora, entry_id=entry.pk, scores={})


def test_the_award_becomes_a_pair_at_negotiating_with_milestones(
    list_world, dora, erin, staff, judge
) -> None:
    entry = _reviewed(list_world, dora, erin, staff, judge)
    after = list_world.programme.entry_deadline + dt.timedelta(hours=1)
    with time_machine.travel(after, tick=False):
        with pytest.raises(ValidationError, match="未提交"):
            reviews.winner_select(
                user=staff, challenge=list_world.challenge, entry_id=entry.pk, reason="综合评分第一"
            )
        criteria = list(list_world.programme.stages.get().criteria.all())
        reviews.review_submit(
            user=judge, entry_id=entry.pk, scores={str(c.pk): 90 for c in criteria}
        )
        reviews.winner_select(
            user=staff, challenge=list_world.challenge, entry_id=entry.pk, reason="综合评分第一"
        )
        awards.publicity_start(user=staff, programme=list_world.programme)
        awards.objection_file(
            user=erin,
            programme=list_world.programme,
            entry_id=entry.pk,
            grounds="联合体分工描述与实际不符，请核实。",
        )
        with pytest.raises(ValidationError, match="公示期"):
            awards.programme_finalize(user=staff, programme=list_world.programme)
    programme = Programme.objects.get(pk=list_world.programme.pk)
    after_publicity = programme.publicity_end + dt.timedelta(minutes=1)
    with time_machine.travel(after_publicity, tick=False):
        with pytest.raises(ValidationError, match="不在公示期"):
            awards.objection_file(user=erin, programme=programme, grounds="再次提出异议的理由。")
        with pytest.raises(ValidationError, match="未处理"):
            awards.programme_finalize(user=staff, programme=programme)
        objection = programme.objections.get()
        awards.objection_handle(
            user=staff, objection_id=objection.pk, handling="dismissed", note="经核实分工属实。"
        )
        awards.programme_finalize(user=staff, programme=programme)
    entry.refresh_from_db()
    assert entry.status == Entry.Status.AWARDED
    pair = Match.objects.get(need=list_world.challenge.need, result=list_world.result)
    assert entry.match == pair
    assert pair.status == MatchStatus.NEGOTIATING
    kinds = list(Milestone.objects.filter(entry=entry).values_list("kind", flat=True))
    assert kinds == ["task_book", "midterm", "acceptance"]
    with time_machine.travel(after_publicity + dt.timedelta(days=7), tick=False):
        awards.award_sign(
            user=staff,
            entry_id=entry.pk,
            contract_amount=Decimal(500),
            contract_date=timezone.localdate(),
        )
    pair.refresh_from_db()
    assert pair.status == MatchStatus.SIGNED


def test_the_lead_attaches_documents_checked_by_content(list_world, dora, erin) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.services.attachments import attachment_bytes_for_tests

    entry = _consortium(list_world, dora, erin)
    pdf = SimpleUploadedFile("方案.pdf", attachment_bytes_for_tests("pdf"))
    stored = entries.entry_attach(user=dora, entry_id=entry.pk, upload=pdf)
    assert stored.owner == entry
    assert stored.mime_type == "application/pdf"
    fake = SimpleUploadedFile("方案.pdf", b"MZ\x90\x00 not a pdf at all")
    with pytest.raises(ValidationError):
        entries.entry_attach(user=dora, entry_id=entry.pk, upload=fake)
    with pytest.raises(PermissionDenied):
        entries.entry_attach(user=erin, entry_id=entry.pk, upload=pdf)


def test_one_live_bid_per_unit_and_an_unchanged_consortium_stays_confirmed(
    list_world, dora, erin
) -> None:
    entry = _consortium(list_world, dora, erin)
    entries.member_confirm(user=erin, entry_id=entry.pk)
    with pytest.raises(ValidationError, match="已揭榜"):
        _consortium(list_world, dora, erin)
    same = [
        {"organization": dora.organization.pk, "role": "lead", "budget_share": "70.00"},
        {"organization": erin.organization.pk, "role": "member", "budget_share": 30},
    ]
    entries.entry_update(
        user=dora,
        entry_id=entry.pk,
        data={"title": "修改后的方案"},
        members=same,
        result_id=list_world.result.pk,
    )
    entry.refresh_from_db()
    assert entry.status == Entry.Status.SUBMITTED
    changed = [{**same[0], "budget_share": 60}, {**same[1], "budget_share": 40}]
    entries.entry_update(
        user=dora, entry_id=entry.pk, data={}, members=changed, result_id=list_world.result.pk
    )
    entry.refresh_from_db()
    assert entry.status == Entry.Status.CONFIRMING
    entries.entry_update(user=dora, entry_id=entry.pk, data={}, members=changed)
    entry.refresh_from_db()
    assert entry.result == list_world.result  # the offer stays unless another is named
