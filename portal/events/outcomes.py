"""How each 1:1 meeting went. A positive outcome never records a parallel "result": it
creates or advances the pair through :func:`matching.pairs.programmes.pair_reach`, with
the meeting in the pair's history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from matching.models import MatchStatus
from matching.pairs.programmes import pair_reach
from portal.events.models import (
    Meeting,
)
from portal.events.requests import _event_url, _pair_postings
from portal.events.services import can_manage, registration_is_mine
from portal.models import Expert, Result

# Outcome → the stage the pair reaches (None: the pair is left as it is).
OUTCOME_STAGE: dict[str, str | None] = {
    Meeting.Outcome.NOT_HELD: None,
    Meeting.Outcome.NO_INTEREST: None,
    Meeting.Outcome.FOLLOW_UP: MatchStatus.CONTACTED,
    Meeting.Outcome.INTENTION: MatchStatus.INTENTION,
    Meeting.Outcome.SIGNED: MatchStatus.SIGNED,
}


# ------------------------------------------------------------------------------ outcomes


def can_record_outcome(user: Any, meeting: Meeting) -> bool:
    request = meeting.request
    return (
        can_manage(user, request.event)
        or registration_is_mine(user, request.requester)
        or registration_is_mine(user, request.invitee)
    )


@transaction.atomic
def meeting_outcome_record(
    *,
    user: User,
    meeting_id: int,
    outcome: str,
    note: str = "",
    need_id: int | None = None,
    result_id: int | None = None,
    expert_id: int | None = None,
    contract_amount: Decimal | None = None,
) -> Meeting:
    """Record how a meeting went. A positive outcome creates the pair if it does not exist
    or advances it (follow-up → contacted, intention, signed), with the meeting in its
    history; recording again never moves a pair back."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("request__event", "request__requester", "request__invitee", "slot")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise ValidationError(_("洽谈安排不存在。"))
    request = meeting.request
    event = request.event
    if not can_record_outcome(user, meeting):
        raise PermissionDenied(_("只有洽谈双方或工作人员可以记录洽谈结果。"))
    if outcome not in Meeting.Outcome.values:
        raise ValidationError({"outcome": [_("请选择洽谈结果。")]})
    if timezone.localdate() < event.start_date:
        raise ValidationError({"outcome": [_("活动开始后才能记录洽谈结果。")]})
    stage = OUTCOME_STAGE[outcome]
    if outcome == Meeting.Outcome.SIGNED and contract_amount is None:
        raise ValidationError({"contract_amount": [_("现场签约请填写合同金额（万元）。")]})
    if contract_amount is not None and contract_amount < 0:
        raise ValidationError({"contract_amount": [_("合同金额不能为负数。")]})
    need, offer = _pair_postings(
        request.requester,
        request.invitee,
        need_id or request.need_id,
        result_id or (None if expert_id else request.result_id),
        expert_id or (None if result_id else request.expert_id),
    )
    if stage is not None:
        if need is None or offer is None:
            raise ValidationError({"need": [_("请选择本次洽谈涉及的需求，以及对方的成果或专家。")]})
        match = pair_reach(
            user=user,
            need=need,
            offer=offer,
            stage=stage,
            source=_("对接会“%(title)s”一对一洽谈") % {"title": event.title},
            source_url=_event_url(event, f"meeting-{meeting.pk}"),
            note=note.strip()[:1000] or str(Meeting.Outcome(outcome).label),
            since=meeting.slot.starts_at,
            contract_amount=contract_amount,
            contract_date=timezone.localdate(meeting.slot.starts_at),
        )
        request.match = match
    request.need = need
    request.result = offer if isinstance(offer, Result) else None
    request.expert = offer if isinstance(offer, Expert) else None
    request.save(update_fields=["match", "need", "result", "expert"])
    meeting.outcome = outcome
    meeting.outcome_note = note.strip()[:1000]
    meeting.contract_amount = contract_amount if outcome == Meeting.Outcome.SIGNED else None
    meeting.outcome_by = user
    meeting.outcome_at = timezone.now()
    meeting.pinned = True
    meeting.save()
    return meeting
