"""Demo pipeline for `manage.py seed_demo`: moves some suggested pairs along the workflow.

Idempotent: a second run finds its own marked transitions and does nothing. Uses the real
services (so every figure on the dashboard has its history), then backdates the rows so the
monthly charts show months of work: a pair starts after both its postings were published,
and its approval, answers, follow-ups, contract and landing follow in that order, spread
over up to a year. The pairs with the oldest postings go furthest (a pair published last
month cannot have landed). The best pair of a demo_enterprise need with a result of
demo_researcher's university, and every other pair of that need, are left untouched for a
live walk-through.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from matching.models import (
    FollowUp,
    FollowUpChannel,
    Match,
    MatchCase,
    MatchDecision,
    MatchResponse,
    MatchSide,
    MatchStatus,
    MatchTransition,
    RejectReason,
)
from matching.pairs import followups, scoping
from matching.pairs import services as workflow

logger = logging.getLogger(__name__)

DEMO_TAG = "（演示）"
S = MatchStatus

# Where each seeded pair ends, in order of the pairs picked (best scores first).
PLAN: list[str] = [
    S.LANDED,
    S.SIGNED,
    S.SIGNED,
    S.INTENTION,
    S.INTENTION,
    S.NEGOTIATING,
    S.NEGOTIATING,
    S.CONTACTED,
    S.CONTACTED,
    S.APPROVED,
    S.APPROVED,
    S.CLOSED,
    S.DECLINED,
    S.REJECTED,
    S.REJECTED,
    S.REJECTED,
]
AMOUNTS = [Decimal("120.00"), Decimal("85.50"), Decimal("260.00")]
CONTRACT_TYPES = ["development", "transfer", "license"]
REJECT_CODES = [RejectReason.IRRELEVANT, RejectReason.MATURITY, RejectReason.BUDGET]
# How long a pair that ends at each stage took, from suggestion to its last step (days).
DURATION: dict[str, int] = {
    S.LANDED: 330,
    S.SIGNED: 220,
    S.INTENTION: 150,
    S.NEGOTIATING: 110,
    S.CONTACTED: 60,
    S.APPROVED: 20,
    S.CLOSED: 120,
    S.DECLINED: 30,
    S.REJECTED: 6,
}
# A pair is suggested this long after the later of its two postings was published.
FIRST_LOOK_DAYS = 10


def _reserved_pair(orgs: dict[str, Any], candidates: list[Match]) -> int | None:
    enterprise, university = orgs.get("ent_qilu_chem"), orgs.get("uni_sdu")
    if enterprise is None or university is None:
        return None
    for match in candidates:
        if (
            match.need.organization_id == enterprise.pk
            and match.result_id
            and match.result.organization_id == university.pk  # type: ignore[union-attr]
        ):
            return match.pk
    return None


def _walk(match: Match, target: str, staff: User, index: int) -> None:
    """Move one pair to ``target`` through the services, with follow-ups on the way."""
    today = timezone.localdate()
    start = timezone.localdate(match.created_at)
    if target == S.REJECTED:
        workflow.match_reject(
            match_id=match.pk,
            user=staff,
            reason_code=REJECT_CODES[index % len(REJECT_CODES)],
            reason_text=DEMO_TAG,
        )
        return
    workflow.match_approve(match_id=match.pk, user=staff, note=DEMO_TAG)
    if target == S.APPROVED:
        return
    if target == S.DECLINED:
        workflow.match_respond(
            match_id=match.pk,
            user=staff,
            accept=False,
            reason="企业已自行解决该问题" + DEMO_TAG,
            side=MatchSide.NEED,
        )
        return
    for side in (MatchSide.NEED, MatchSide.OFFER):
        workflow.match_respond(match_id=match.pk, user=staff, accept=True, side=side)
    followups.followup_create(
        match_id=match.pk,
        user=staff,
        date=min(today, start + dt.timedelta(days=3)),
        channel=FollowUpChannel.PHONE,
        summary="电话联系双方，介绍对方情况，约定面谈时间。" + DEMO_TAG,
        next_step="组织双方到企业现场交流",
        next_contact_date=start + dt.timedelta(days=14),
    )
    if target == S.CLOSED:
        workflow.match_advance(
            match_id=match.pk, user=staff, stage=S.CLOSED, note="双方合作条件未谈拢" + DEMO_TAG
        )
        return
    if target == S.CONTACTED:
        return
    workflow.match_advance(match_id=match.pk, user=staff, stage=S.NEGOTIATING, note=DEMO_TAG)
    followups.followup_create(
        match_id=match.pk,
        user=staff,
        date=min(today, start + dt.timedelta(days=15)),
        channel=FollowUpChannel.VISIT,
        summary="陪同专家团队走访企业生产线，现场诊断技术问题。" + DEMO_TAG,
        next_step="双方细化技术方案和报价",
        next_contact_date=min(today, start + dt.timedelta(days=45)),
    )
    if target == S.NEGOTIATING:
        return
    workflow.match_advance(match_id=match.pk, user=staff, stage=S.INTENTION, note=DEMO_TAG)
    if target == S.INTENTION:
        return
    workflow.match_advance(
        match_id=match.pk,
        user=staff,
        stage=S.SIGNED,
        note=DEMO_TAG,
        contract_amount=AMOUNTS[index % len(AMOUNTS)],
        contract_date=min(today, start + dt.timedelta(days=60)),
        contract_type=CONTRACT_TYPES[index % len(CONTRACT_TYPES)],
        contract_reg_no=f"2026370100{index:06d}",
    )
    if target == S.SIGNED:
        return
    workflow.match_advance(
        match_id=match.pk,
        user=staff,
        stage=S.LANDED,
        note=DEMO_TAG,
        landed_summary="新工艺在企业生产线投入使用，产品合格率提升约5个百分点。",
        landed_date=today,
    )


def _published(match: Match) -> dt.datetime:
    """When the later of the pair's two postings was published (its earliest start)."""
    offer = match.result or match.expert
    stamps = [p.published_at or p.created_at for p in (match.need, offer) if p is not None]
    return max(stamps) if stamps else timezone.now()


def _start(match: Match, target: str, index: int) -> dt.datetime:
    """Start so the pair's history ends a little before today, never before its postings."""
    earliest = _published(match) + dt.timedelta(days=FIRST_LOOK_DAYS)
    wanted = timezone.now() - dt.timedelta(days=DURATION[target] + 10 + (index * 11) % 40)
    latest = timezone.now() - dt.timedelta(days=2)
    return min(max(earliest, wanted), latest)


def _backdate(match: Match, started: dt.datetime, target: str) -> None:
    """Spread the pair's history from ``started`` over its stage's duration (never past
    today), and date its decisions, answers, follow-ups, contract and landing to match."""
    Match.objects.filter(pk=match.pk).update(created_at=started)
    transitions = list(MatchTransition.objects.filter(match=match).order_by("at", "id"))
    end = min(timezone.now() - dt.timedelta(days=1), started + dt.timedelta(days=DURATION[target]))
    span = max(end - started, dt.timedelta(hours=len(transitions) + 1))
    at: dict[str, dt.datetime] = {}
    last = started
    for position, transition in enumerate(transitions, start=1):
        last = started + span * position / len(transitions) if transitions else started
        MatchTransition.objects.filter(pk=transition.pk).update(at=last)
        at.setdefault(transition.to_status, last)
    first = started + span / len(transitions) if transitions else started + dt.timedelta(hours=1)
    Match.objects.filter(pk=match.pk, decided_at__isnull=False).update(decided_at=first)
    MatchDecision.objects.filter(match=match).update(decided_at=first)
    answered = at.get(S.CONTACTED) or at.get(S.DECLINED) or first
    MatchResponse.objects.filter(match=match).update(responded_at=answered)
    # the phone call when both sides agreed, the visit when negotiations began
    steps = [at.get(S.CONTACTED, answered), at.get(S.NEGOTIATING, last)]
    for followup, when in zip(
        FollowUp.objects.filter(match=match).order_by("date", "id"), steps, strict=False
    ):
        day = timezone.localdate(when)
        FollowUp.objects.filter(pk=followup.pk).update(
            date=day,
            next_contact_date=min(timezone.localdate(), day + dt.timedelta(days=14)),
        )
    case = MatchCase.objects.filter(match=match)
    case.update(last_activity_at=last)
    if S.CONTACTED in at:
        case.filter(contacts_shared_at__isnull=False).update(contacts_shared_at=at[S.CONTACTED])
    if S.SIGNED in at:
        case.update(contract_date=timezone.localdate(at[S.SIGNED]))
    if S.LANDED in at:
        case.update(landed_date=timezone.localdate(at[S.LANDED]))


def seed_workflow(orgs: dict[str, Any]) -> int:
    """Move demo pairs of demo_staff's jurisdiction along the pipeline; returns pairs moved."""
    staff = User.objects.filter(username="demo_staff").first()
    if staff is None or scoping.jurisdiction_of(staff) is None:
        return 0
    if MatchTransition.objects.filter(note__contains=DEMO_TAG).exists():
        return 0
    candidates = list(
        scoping.scope_matches(
            Match.objects.filter(status=S.SUGGESTED).select_related("need", "result", "expert"),
            staff,
        ).order_by("-score", "id")[:200]
    )
    reserved = _reserved_pair(orgs, candidates)
    # Keep the walk-through pair's need out of the demo pipeline altogether, so nothing has
    # been agreed for it yet (contacts stay hidden until the walk-through's own answers).
    reserved_need = next((m.need_id for m in candidates if m.pk == reserved), None)
    picked: list[Match] = []
    seen_pairs: set[tuple[int, int | None, int | None]] = set()
    for match in candidates:
        key = (match.need_id, match.result_id, match.expert_id)
        if match.need_id == reserved_need or key in seen_pairs:
            continue
        seen_pairs.add(key)
        picked.append(match)
        if len(picked) == len(PLAN):
            break
    # The pairs whose postings are oldest go furthest along the pipeline.
    picked.sort(key=lambda m: (_published(m), m.pk))
    moved = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for index, (match, target) in enumerate(zip(picked, PLAN, strict=False)):
            started = _start(match, target, index)
            Match.objects.filter(pk=match.pk).update(created_at=started)
            match.refresh_from_db()
            try:
                _walk(match, target, staff, index)
            except (ValidationError, PermissionDenied) as exc:
                logger.warning("Demo workflow skipped match %s: %s", match.pk, exc)
                continue
            _backdate(match, started, target)
            moved += 1
    return moved
