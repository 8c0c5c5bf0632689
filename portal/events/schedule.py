"""The event's schedule: accepted requests into slots × tables by the CP-SAT optimiser of
:mod:`portal.events.scheduler`, pinning by hand, and publishing the agendas. This module
turns the event's rows into the optimiser's problem and its solution back into rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notifications import notify
from portal.events import scheduler
from portal.events.models import (
    Event,
    Meeting,
    MeetingRequest,
    Registration,
    ScheduleRun,
    Slot,
    Venue,
    venue_order,
)
from portal.events.requests import R, _lock_request, requests_expire
from portal.events.services import require_manager

# Reasons the Django layer adds to the scheduler's own.
NO_SHARED_VENUE = "no_shared_venue"
REASON_LABELS: dict[str, Any] = {
    "no_common_slot": gettext_lazy("双方没有共同的空闲时段"),
    "cap_reached": gettext_lazy("一方已达最多洽谈场数"),
    "room_full": gettext_lazy("共同空闲时段的洽谈桌已满"),
    "busy": gettext_lazy("共同空闲时段内一方已有其他洽谈"),
    NO_SHARED_VENUE: gettext_lazy("双方不在同一会场，且活动没有线上会议室"),
}


# ------------------------------------------------------------------------------ schedule


@dataclass
class ScheduleReport:
    run: ScheduleRun
    placed: list[Meeting] = field(default_factory=list)
    unplaced: list[tuple[MeetingRequest, str]] = field(default_factory=list)


def _table_id(venue_id: int, number: int) -> int:
    return venue_id * 1000 + number


def _pool_of(a: Registration, b: Registration, online: Venue | None) -> str | None:
    if a.venue_id == b.venue_id:
        return str(a.venue_id)
    return str(online.pk) if online is not None else None


def build_problem(
    event: Event,
) -> tuple[scheduler.Problem, dict[int, MeetingRequest], list[MeetingRequest]]:
    """The event's accepted requests as a scheduling problem; requests that cannot enter
    it (no venue in common and no online room) are returned apart."""
    slots = list(event.slots.order_by("starts_at").values_list("pk", flat=True))
    venues = list(event.venues.order_by(venue_order(), "pk"))
    online = next((v for v in venues if v.is_online), None)
    tables = [
        scheduler.Table(id=_table_id(v.pk, n), pool=str(v.pk))
        for v in venues
        for n in range(1, v.tables + 1)
    ]
    requests = list(
        event.meeting_requests.filter(
            status=R.ACCEPTED,
            requester__status=Registration.Status.APPROVED,
            invitee__status=Registration.Status.APPROVED,
        ).select_related("requester", "invitee", "meeting")
    )
    regs = {r.requester_id: r.requester for r in requests} | {
        r.invitee_id: r.invitee for r in requests
    }
    available: dict[int, set[int]] = {pk: set() for pk in regs}
    through = Registration.available_slots.through
    for reg_id, slot_id in through.objects.filter(registration_id__in=list(regs)).values_list(
        "registration_id", "slot_id"
    ):
        available[reg_id].add(slot_id)
    participants = [
        scheduler.Participant(id=pk, available=frozenset(available[pk]), cap=reg.meeting_cap)
        for pk, reg in sorted(regs.items())
    ]
    by_id: dict[int, MeetingRequest] = {}
    outside: list[MeetingRequest] = []
    items = []
    for request in requests:
        pool = _pool_of(request.requester, request.invitee, online)
        meeting = getattr(request, "meeting", None)
        pinned = None
        if meeting is not None and meeting.pinned:
            pinned = (meeting.slot_id, _table_id(meeting.venue_id, meeting.table))
            pool = str(meeting.venue_id)
        if pool is None:
            outside.append(request)
            continue
        by_id[request.pk] = request
        items.append(
            scheduler.Request(
                id=request.pk,
                a=request.requester_id,
                b=request.invitee_id,
                value=request.value,
                pool=pool,
                pinned=pinned,
            )
        )
    problem = scheduler.Problem(
        slots=tuple(slots),
        tables=tuple(tables),
        participants=tuple(participants),
        requests=tuple(items),
    )
    return problem, by_id, outside


@transaction.atomic
def schedule_solve(*, user: User, event: Event, time_limit: float | None = None) -> ScheduleReport:
    """Place every accepted request it can (pinned meetings stay put) and say why the rest
    could not be placed. Meetings already held (outcome recorded) are kept as pinned."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    require_manager(user, event)
    requests_expire()
    Meeting.objects.filter(request__event=event).exclude(outcome="").update(pinned=True)
    # Meetings of requests that are no longer accepted are freed.
    Meeting.objects.filter(request__event=event, outcome="").exclude(
        request__status=R.ACCEPTED
    ).delete()
    try:
        problem, by_id, outside = build_problem(event)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    limit = time_limit or settings.EVENTS_SCHEDULE_TIME_LIMIT
    try:
        solution = scheduler.solve(problem, time_limit=limit)
    except ValueError as exc:  # pinned meetings that no longer fit (a cap lowered since)
        raise ValidationError(str(exc)) from exc
    Meeting.objects.filter(request__event=event, pinned=False).delete()
    venue_of = {v.pk: v for v in event.venues.all()}
    report = ScheduleReport(
        run=ScheduleRun(
            event=event,
            started_by=user,
            requests=len(by_id) + len(outside),
            placed=len(solution.placed),
            pinned=sum(1 for r in problem.requests if r.pinned),
            value=solution.value,
            bound=solution.bound,
            optimal=solution.optimal,
            seconds=round(solution.seconds, 3),
            solver_status=solution.status,
        )
    )
    existing = {m.request_id: m for m in Meeting.objects.filter(request__event=event)}
    for placement in solution.placed:
        request = by_id[placement.request]
        venue_id, number = divmod(placement.table, 1000)
        meeting = existing.get(request.pk)
        if meeting is None:
            meeting = Meeting.objects.create(
                request=request, slot_id=placement.slot, venue=venue_of[venue_id], table=number
            )
        report.placed.append(meeting)
    unplaced = [(by_id[u.request], u.reason) for u in solution.unplaced]
    unplaced += [(request, NO_SHARED_VENUE) for request in outside]
    report.unplaced = unplaced
    placed_ids = {m.request_id for m in report.placed}
    MeetingRequest.objects.filter(pk__in=placed_ids).update(unplaced_reason="")
    for request, reason in unplaced:
        MeetingRequest.objects.filter(pk=request.pk).update(unplaced_reason=reason)
    report.run.unplaced = [{"request": r.pk, "reason": reason} for r, reason in unplaced]
    report.run.save()
    return report


def _check_pin_target(
    event: Event, request: MeetingRequest, slot: Slot, venue: Venue, table: int
) -> None:
    errors: dict[str, list[str]] = {}
    if slot.event_id != event.pk:
        errors["slot"] = [_("时段不属于本活动。")]
    if venue.event_id != event.pk:
        errors["venue"] = [_("会场不属于本活动。")]
    elif not 1 <= table <= venue.tables:
        errors["table"] = [_("桌号须在 1 到 %(n)s 之间。") % {"n": venue.tables}]
    if errors:
        raise ValidationError(errors)
    others = Meeting.objects.filter(slot=slot, pinned=True).exclude(request=request)
    if others.filter(venue=venue, table=table).exists():
        raise ValidationError({"table": [_("该桌在此时段已有固定的洽谈。")]})
    parties = [request.requester_id, request.invitee_id]
    busy = others.filter(Q(request__requester_id__in=parties) | Q(request__invitee_id__in=parties))
    if busy.exists():
        raise ValidationError({"slot": [_("洽谈一方在此时段已有固定的洽谈。")]})


@transaction.atomic
def meeting_pin(*, user: User, request_id: int, slot_id: int, venue_id: int, table: int) -> Meeting:
    """Staff put a meeting at a slot and table by hand; re-solving keeps it there (a meeting
    the solver had put at that table moves elsewhere on the next solve)."""
    request = _lock_request(request_id)
    event = request.event
    require_manager(user, event)
    if request.status != R.ACCEPTED:
        raise ValidationError(_("只有双方已接受的预约可以安排。"))
    slot = Slot.objects.filter(pk=slot_id).first()
    venue = Venue.objects.filter(pk=venue_id).first()
    if slot is None or venue is None:
        raise ValidationError({"slot": [_("请选择本活动的时段和会场。")]})
    if Meeting.objects.filter(request=request).exclude(outcome="").exists():
        raise ValidationError(_("已记录结果的洽谈不能改动。"))
    _check_pin_target(event, request, slot, venue, int(table))
    # Solver-placed meetings in the way (that table, or either party at that time) are freed;
    # the next solve places them elsewhere.
    parties = [request.requester_id, request.invitee_id]
    Meeting.objects.filter(slot=slot, pinned=False).filter(
        Q(venue=venue, table=table)
        | Q(request__requester_id__in=parties)
        | Q(request__invitee_id__in=parties)
    ).exclude(request=request).delete()
    meeting, _created = Meeting.objects.update_or_create(
        request=request, defaults={"slot": slot, "venue": venue, "table": table, "pinned": True}
    )
    request.unplaced_reason = ""
    request.save(update_fields=["unplaced_reason"])
    return meeting


@transaction.atomic
def meeting_unpin(*, user: User, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("request__event").get(pk=meeting_id)
    require_manager(user, meeting.request.event)
    if meeting.outcome:
        raise ValidationError(_("已记录结果的洽谈不能改动。"))
    meeting.pinned = False
    meeting.save(update_fields=["pinned"])
    return meeting


@transaction.atomic
def schedule_publish(*, user: User, event: Event) -> int:
    """Tell every approved participant that their agenda is ready."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    require_manager(user, event)
    if not Meeting.objects.filter(request__event=event).exists():
        raise ValidationError(_("日程为空，请先排程。"))
    event.schedule_published_at = timezone.now()
    event.save(update_fields=["schedule_published_at", "updated_at"])
    told = 0
    stamp = int(event.schedule_published_at.timestamp())
    for registration in event.registrations.filter(status=Registration.Status.APPROVED):
        notice = notify(
            user=registration.user,
            event_key=f"event:{event.pk}:agenda:{stamp}",
            subject=_("“%(title)s”洽谈日程已发布") % {"title": event.title},
            url=reverse("events:agenda", args=[event.pk, registration.pk]),
        )
        told += notice is not None
    return told
