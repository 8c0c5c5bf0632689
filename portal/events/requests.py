"""1:1 meeting requests of an event: participants ask each other, the engine proposes
meetings from the pairs among registrants, the invited side answers, and what is left
unanswered at the cut-off expires so it holds no slot."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from matching.models import Match, MatchStatus
from portal.events.models import (
    Event,
    Meeting,
    MeetingRequest,
    Registration,
)
from portal.events.services import can_manage, registration_is_mine, require_manager
from portal.models import Expert, Need, Result

R = MeetingRequest.Status
OPEN = (R.PROPOSED, R.PENDING, R.ACCEPTED)
# Accepted participant requests weigh more than engine proposals; the pair's score adds.
VALUE_PARTICIPANT = 1000
VALUE_ENGINE = 500
SCORE_WEIGHT = 100
MAX_SCORE_VALUE = 499


def request_value(*, origin: str, score: float) -> int:
    base = VALUE_PARTICIPANT if origin == MeetingRequest.Origin.PARTICIPANT else VALUE_ENGINE
    return base + max(0, min(MAX_SCORE_VALUE, round(score * SCORE_WEIGHT)))


def _registration_of(user: User, event: Event) -> Registration | None:
    org = user.organization
    if org is None:
        return None
    return (
        event.registrations.filter(organization=org)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )


def _pair_postings(
    a: Registration,
    b: Registration,
    need_id: int | None,
    result_id: int | None,
    expert_id: int | None,
) -> tuple[Need | None, Result | Expert | None]:
    """The need and the offer a meeting is about: each brought by one of the two sides."""
    if result_id and expert_id:
        raise ValidationError({"result": [_("成果和专家只能选择一项。")]})
    need = offer = None
    if need_id:
        need = Need.objects.filter(
            pk=need_id,
            pk__in=[*a.needs.values_list("pk", flat=True), *b.needs.values_list("pk", flat=True)],
        ).first()
        if need is None:
            raise ValidationError({"need": [_("所选需求不是双方携带的需求。")]})
    if result_id or expert_id:
        model: Any = Result if result_id else Expert
        rel = "results" if result_id else "experts"
        brought = [
            *getattr(a, rel).values_list("pk", flat=True),
            *getattr(b, rel).values_list("pk", flat=True),
        ]
        offer = model.objects.filter(pk=result_id or expert_id, pk__in=brought).first()
        if offer is None:
            field_name = "result" if result_id else "expert"
            raise ValidationError({field_name: [_("所选成果或专家不是双方携带的项目。")]})
    if need is not None and offer is not None:
        need_side = a if a.needs.filter(pk=need.pk).exists() else b
        other = b if need_side is a else a
        rel = "results" if isinstance(offer, Result) else "experts"
        if not getattr(other, rel).filter(pk=offer.pk).exists():
            raise ValidationError({"need": [_("需求和成果（专家）须分别来自洽谈双方。")]})
    return need, offer


def _pair_score(need: Need | None, offer: Result | Expert | None) -> tuple[Match | None, float]:
    if need is None or offer is None:
        return None, 0.0
    lookup: dict[str, Any] = {"result": offer} if isinstance(offer, Result) else {"expert": offer}
    match = Match.objects.filter(need=need, **lookup).first()
    return match, (match.score if match else 0.0)


def _open_between(a: Registration, b: Registration) -> bool:
    return MeetingRequest.objects.filter(
        Q(requester=a, invitee=b) | Q(requester=b, invitee=a), status__in=OPEN
    ).exists()


def _event_url(event: Event, anchor: str = "") -> str:
    return reverse("events:detail", args=[event.pk]) + (f"#{anchor}" if anchor else "")


# ------------------------------------------------------------------------------ requests


@transaction.atomic
def meeting_request_create(
    *,
    user: User,
    event: Event,
    invitee_id: int,
    need_id: int | None = None,
    result_id: int | None = None,
    expert_id: int | None = None,
    message: str = "",
) -> MeetingRequest:
    """A participant asks another participant for a 1:1 meeting."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event.requests_open:
        raise ValidationError(_("洽谈预约已截止。"))
    mine = _registration_of(user, event)
    if mine is None:
        raise ValidationError(_("请先报名参加本活动。"))
    if not mine.is_approved:
        raise ValidationError(_("您的报名尚未通过审核，暂不能预约洽谈。"))
    invitee = event.registrations.filter(pk=invitee_id).first()
    if invitee is None or not invitee.is_approved:
        raise ValidationError({"invitee": [_("对方不是本活动已通过审核的参会单位。")]})
    if invitee.pk == mine.pk:
        raise ValidationError({"invitee": [_("不能与本单位预约洽谈。")]})
    if _open_between(mine, invitee):
        raise ValidationError(_("与该单位已有进行中的洽谈预约。"), code="conflict")
    need, offer = _pair_postings(mine, invitee, need_id, result_id, expert_id)
    match, score = _pair_score(need, offer)
    request = MeetingRequest(
        event=event,
        requester=mine,
        invitee=invitee,
        origin=MeetingRequest.Origin.PARTICIPANT,
        status=R.PENDING,
        need=need,
        result=offer if isinstance(offer, Result) else None,
        expert=offer if isinstance(offer, Expert) else None,
        match=match,
        score=score,
        value=request_value(origin=MeetingRequest.Origin.PARTICIPANT, score=score),
        message=message.strip()[:500],
        created_by=user,
    )
    request.full_clean()
    request.save()
    notify(
        user=invitee.user,
        event_key=f"meeting-request:{request.pk}:new",
        subject=_("“%(org)s”希望在“%(title)s”与您洽谈")
        % {"org": mine.organization, "title": event.title},
        body=request.message,
        url=_event_url(event, "requests"),
    )
    return request


def _lock_request(request_id: int) -> MeetingRequest:
    request = (
        MeetingRequest.objects.select_for_update(of=("self",))
        .select_related("event", "requester", "invitee")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise ValidationError(_("洽谈预约不存在。"))
    return request


def meeting_request_respond(
    *, user: User, request_id: int, accept: bool, reason: str = ""
) -> MeetingRequest:
    """The invited side accepts or declines; after the cut-off the request has expired
    (and is marked so, even though the answer is refused)."""
    try:
        return _respond(user=user, request_id=request_id, accept=accept, reason=reason)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "expired":
            MeetingRequest.objects.filter(pk=request_id, status=R.PENDING).update(status=R.EXPIRED)
        raise


@transaction.atomic
def _respond(*, user: User, request_id: int, accept: bool, reason: str) -> MeetingRequest:
    request = _lock_request(request_id)
    if not registration_is_mine(user, request.invitee):
        raise PermissionDenied(_("只有受邀单位可以答复该预约。"))
    if request.status != R.PENDING:
        raise ValidationError(
            _("该预约当前为“%(status)s”，不能答复。") % {"status": request.get_status_display()},
            code="conflict",
        )
    if timezone.now() > request.event.request_cutoff:
        raise ValidationError(_("洽谈预约已截止，该预约已失效。"), code="expired")
    request.status = R.ACCEPTED if accept else R.DECLINED
    request.decline_reason = "" if accept else reason.strip()[:500]
    request.responded_at = timezone.now()
    request.save(update_fields=["status", "decline_reason", "responded_at"])
    notify(
        user=request.requester.user,
        event_key=f"meeting-request:{request.pk}:{request.status}",
        subject=(_("“%(org)s”接受了洽谈预约") if accept else _("“%(org)s”谢绝了洽谈预约"))
        % {"org": request.invitee.organization},
        body=request.decline_reason,
        url=_event_url(request.event, "requests"),
    )
    return request


@transaction.atomic
def meeting_request_cancel(*, user: User, request_id: int) -> MeetingRequest:
    """Either side withdraws an open request; a meeting it held is freed."""
    request = _lock_request(request_id)
    if not (
        registration_is_mine(user, request.requester)
        or registration_is_mine(user, request.invitee)
        or can_manage(user, request.event)
    ):
        raise PermissionDenied(_("只有洽谈双方或工作人员可以取消该预约。"))
    if request.status not in OPEN:
        raise ValidationError(_("该预约已结束，不能取消。"), code="conflict")
    if timezone.localdate() >= request.event.start_date and not can_manage(user, request.event):
        raise ValidationError(_("活动已开始，不能再取消预约，请记录洽谈结果。"))
    if Meeting.objects.filter(request=request).exclude(outcome="").exists():
        raise ValidationError(_("该洽谈已记录结果，不能取消。"), code="conflict")
    Meeting.objects.filter(request=request).delete()
    request.status = R.CANCELLED
    request.save(update_fields=["status"])
    return request


def requests_expire(*, now: Any = None) -> int:
    """Proposed and pending requests past their event's cut-off no longer hold a place."""
    now = now or timezone.now()
    return MeetingRequest.objects.filter(
        status__in=(R.PROPOSED, R.PENDING), event__request_cutoff__lt=now
    ).update(status=R.EXPIRED)


@transaction.atomic
def meetings_propose(*, user: User, event: Event, per_registration: int = 5) -> int:
    """The engine proposes meetings from the pairs among approved registrants: pairs already
    in the pipeline first, then by score; at most ``per_registration`` proposals per need
    side. Idempotent: a pair of registrations with an open request gets no second one."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    require_manager(user, event)
    if not event.requests_open:
        raise ValidationError(_("洽谈预约已截止。"))
    registrations = list(
        event.registrations.filter(status=Registration.Status.APPROVED).prefetch_related(
            "needs", "results", "experts"
        )
    )
    need_side = {n.pk: r for r in registrations for n in r.needs.all()}
    result_side = {x.pk: r for r in registrations for x in r.results.all()}
    expert_side = {x.pk: r for r in registrations for x in r.experts.all()}
    pairs = (
        Match.objects.filter(need_id__in=need_side)
        .filter(Q(result_id__in=result_side) | Q(expert_id__in=expert_side))
        .exclude(status__in=(MatchStatus.REJECTED, MatchStatus.DECLINED, MatchStatus.CLOSED))
        .order_by("-score", "id")
    )
    ranked = sorted(pairs, key=lambda m: (m.status == MatchStatus.SUGGESTED, -m.score, m.pk))
    taken: set[tuple[int, int]] = {
        (min(a, b), max(a, b))
        for a, b in event.meeting_requests.filter(status__in=OPEN).values_list(
            "requester_id", "invitee_id"
        )
    }
    per_need_side: dict[int, int] = {}
    created = 0
    for match in ranked:
        needer = need_side[match.need_id]
        offerer = result_side.get(match.result_id or 0) or expert_side.get(match.expert_id or 0)
        if offerer is None or offerer.pk == needer.pk:
            continue
        key = (min(needer.pk, offerer.pk), max(needer.pk, offerer.pk))
        if key in taken or per_need_side.get(needer.pk, 0) >= per_registration:
            continue
        MeetingRequest.objects.create(
            event=event,
            requester=offerer,
            invitee=needer,
            origin=MeetingRequest.Origin.ENGINE,
            status=R.PROPOSED,
            need_id=match.need_id,
            result_id=match.result_id,
            expert_id=match.expert_id,
            match=match,
            score=match.score,
            value=request_value(origin=MeetingRequest.Origin.ENGINE, score=match.score),
            created_by=user,
        )
        taken.add(key)
        per_need_side[needer.pk] = per_need_side.get(needer.pk, 0) + 1
        created += 1
    return created


@transaction.atomic
def proposals_accept(*, user: User, event: Event, request_ids: Iterable[int]) -> int:
    """Staff take engine proposals into the request list: the need side is asked."""
    require_manager(user, event)
    rows = list(
        event.meeting_requests.select_for_update()
        .filter(pk__in=list(request_ids), status=R.PROPOSED)
        .select_related("invitee", "requester")
    )
    for request in rows:
        request.status = R.PENDING
        request.save(update_fields=["status"])
        notify(
            user=request.invitee.user,
            event_key=f"meeting-request:{request.pk}:new",
            subject=_("活动“%(title)s”为您推荐了与“%(org)s”的洽谈")
            % {"title": event.title, "org": request.requester.organization},
            url=_event_url(event, "requests"),
        )
    return len(rows)
