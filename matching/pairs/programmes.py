"""The one door through which programmes (meetings, challenge lists, dispatch rounds) move
pairs: :func:`pair_reach` creates the pair if it does not exist and walks it forward along
the transition table to the stage the programme saw, recording each move with its source.

Programmes never keep a parallel record of a pair; they call this and keep the pair's id.
Who may record the programme's outcome is the programme's rule (its services check it
before calling); the moves made here are recorded as that user's, with the programme named
in ``MatchTransition.source``.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from matching.models import ContractType, FollowUp, FollowUpChannel, Match, MatchStatus, PairKind
from matching.pairs.parties import STAFF
from matching.pairs.services import (
    FINAL_STAGES,
    PIPELINE,
    TRANSITIONS,
    _case,
    _decision,
    _lock,
    _notify_parties,
    _stage_fields,
    _transition,
)
from portal.models import Expert, Need, Result

S = MatchStatus


@dataclass(frozen=True)
class Activity:
    """What the programme did with the two sides (a dispatched expert's visit): kept on the
    pair as a follow-up (跟进记录), so its history shows it even when the pair had already
    reached the stage."""

    date: dt.date
    channel: str  # FollowUpChannel
    summary: str
    next_step: str = ""


# Stages a programme may ask a pair to reach.
REACHABLE: tuple[str, ...] = (S.APPROVED, S.CONTACTED, S.NEGOTIATING, S.INTENTION, S.SIGNED)


def _path(frm: str, to: str) -> list[str]:
    """The shortest forward walk from ``frm`` to ``to`` over the transition table, staying on
    the pipeline and never beyond ``to``."""
    allowed = set(PIPELINE[: PIPELINE.index(to) + 1])
    queue: deque[tuple[str, list[str]]] = deque([(frm, [])])
    seen = {frm}
    while queue:
        stage, walked = queue.popleft()
        if stage == to:
            return walked
        for (a, b), roles in sorted(TRANSITIONS.items()):
            if a == stage and b in allowed and b not in seen and STAFF in roles:
                seen.add(b)
                queue.append((b, [*walked, b]))
    return []


def _get_or_create(need: Need, offer: Result | Expert, *, since: dt.datetime | None) -> Match:
    lookup: dict[str, Any]
    if isinstance(offer, Result):
        kind, lookup = PairKind.NEED_RESULT, {"result": offer}
    else:
        kind, lookup = PairKind.NEED_EXPERT, {"expert": offer}
    existing = Match.objects.filter(need=need, **lookup).values_list("pk", flat=True).first()
    if existing is not None:
        return _since(_lock(existing), since)
    match = Match(kind=kind, need=need, score=0.0, explanation={"manual": True}, **lookup)
    try:
        with transaction.atomic():
            match.save()
    except IntegrityError:  # created by a concurrent call: take that one
        pk = Match.objects.filter(need=need, **lookup).values_list("pk", flat=True).get()
        return _lock(pk)
    return _since(_lock(match.pk), since)


def _since(match: Match, since: dt.datetime | None) -> Match:
    """A pair began no later than the programme that brought the two sides together (a
    meeting held last week), so its dates (a contract signed there) are not "before" it."""
    if since is not None and since < match.created_at:
        Match.objects.filter(pk=match.pk).update(created_at=since)
        match.created_at = since
    return match


@transaction.atomic
def pair_reach(
    *,
    user: User,
    need: Need,
    offer: Result | Expert,
    stage: str,
    source: str,
    source_url: str = "",
    note: str = "",
    since: dt.datetime | None = None,
    contract_amount: Decimal | None = None,
    contract_date: dt.date | None = None,
    contract_type: str = ContractType.values[0],
    activity: Activity | None = None,
) -> Match:
    """Make sure the pair ``need`` × ``offer`` exists and has reached at least ``stage``;
    with ``activity``, log it on the pair as a follow-up.

    A pair already at or past ``stage`` is left where it is. A pair that was rejected,
    declined or closed is not reopened silently: that is a conflict for staff to resolve.
    Reaching ``signed`` needs the contract amount (the date defaults to today).
    """
    if stage not in REACHABLE:
        raise ValidationError({"stage": _("未知的对接阶段：%(stage)s") % {"stage": stage}})
    match = _get_or_create(need, offer, since=since)
    if match.status in FINAL_STAGES and match.status != S.LANDED:
        raise ValidationError(
            _("该配对已是“%(stage)s”状态，请先在对接流程中处理（编号 %(id)s）。")
            % {"stage": S(match.status).label, "id": match.pk},
            code="conflict",
        )
    if activity is not None:
        _log(match, user, activity)
    if match.status == S.LANDED or PIPELINE.index(match.status) >= PIPELINE.index(stage):
        return match
    text = note or source
    case = _case(match, responsible=None)
    for step in _path(match.status, stage):
        if match.status == S.SUGGESTED:
            _decision(match=match, user=user, approved=True)
        if step == S.SIGNED:
            changed = _stage_fields(
                match,
                case,
                S.SIGNED,
                {
                    "contract_amount": contract_amount,
                    "contract_date": contract_date or timezone.localdate(),
                    "contract_type": contract_type,
                },
            )
            case.full_clean()
            case.save(update_fields=[*changed, "updated_at"])
        _transition(
            match=match,
            user=user,
            role=STAFF,
            to_status=step,
            note=text,
            source=source,
            source_url=source_url,
        )
    _notify_parties(
        match, event=f"stage:{match.status}", template="match-stage", stage=S(match.status).label
    )
    return match


def _log(match: Match, user: User, activity: Activity) -> None:
    if activity.channel not in FollowUpChannel.values:
        raise ValueError(activity.channel)
    FollowUp.objects.create(
        match=match,
        date=activity.date,
        channel=activity.channel,
        summary=activity.summary.strip()[:2000],
        next_step=activity.next_step.strip()[:500],
        by=user,
    )
    case = _case(match, responsible=None)
    case.last_activity_at = timezone.now()
    case.save(update_fields=["last_activity_at", "updated_at"])
