"""Reads of events, always scoped to who asks.

Published (and cancelled) events are public; drafts are seen by staff of the organiser
region only. Registrations, requests and meetings are seen by the organisations involved
and by staff of the event's region; the public sees the event, its venues and postings.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from matching.pairs import scoping
from portal import selectors as register_selectors
from portal.events.models import (
    Event,
    EventPosting,
    Meeting,
    MeetingRequest,
    Registration,
    ScheduleRun,
    Slot,
    venue_order,
)
from portal.events.services import can_manage

POSITIVE = (Meeting.Outcome.FOLLOW_UP, Meeting.Outcome.INTENTION, Meeting.Outcome.SIGNED)


# What a meeting row shows: its place and time, both parties, the pair it is about.
MEETING_RELATED = (
    "slot",
    "venue",
    "request__requester__organization",
    "request__invitee__organization",
    "request__need",
    "request__result",
    "request__expert",
    "request__match",
)


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def event_list_visible_to(*, user: User | None) -> QuerySet[Event]:
    qs = Event.objects.prefetch_related("fields", "venues")
    visible = ~Q(status=Event.Status.DRAFT)
    if _authenticated(user):
        assert user is not None
        prefix = user.jurisdiction
        if prefix is not None:
            visible |= Q(region_code__startswith=prefix)
    return qs.filter(visible)


def event_list_managed_by(*, user: User | None) -> QuerySet[Event]:
    return scoping.scope_by_region(Event.objects.all(), user)


def event_postings_visible(*, event: Event, user: User | None) -> dict[str, list[Any]]:
    """The event's needs and results the user may see, grouped by field, in roadshow
    order; each posting appears under its first field."""
    needs = register_selectors.posting_list_visible_to(kind="need", user=user)
    results = register_selectors.posting_list_visible_to(kind="result", user=user)
    if not can_manage(user, event):
        needs = needs.filter(status="published")
        results = results.filter(status="published")
    rows = list(
        EventPosting.objects.filter(event=event)
        .filter(Q(need__in=needs) | Q(result__in=results))
        .select_related("need", "result")
        .prefetch_related("need__fields", "result__fields")
        .order_by("roadshow_order", "id")
    )
    groups: OrderedDict[str, list[Any]] = OrderedDict()
    for row in sorted(rows, key=lambda r: (r.roadshow_order is None, r.roadshow_order or 0, r.pk)):
        fields = list(row.posting.fields.all())
        name = fields[0].name if fields else "其他"
        groups.setdefault(name, []).append(row)
    return dict(groups)


def registration_list_for(*, event: Event, user: User | None) -> QuerySet[Registration]:
    """Staff of the region see every registration; participants see the approved ones
    (whom they may ask for a meeting) and their own."""
    qs = (
        Registration.objects.filter(event=event)
        .select_related("organization", "venue", "user")
        .prefetch_related("needs", "results", "experts")
    )
    if can_manage(user, event):
        return qs
    if not _authenticated(user):
        return qs.none()
    assert user is not None
    org = user.organization
    own = Q(organization=org) if org is not None else Q(pk__in=[])
    return qs.filter(own | Q(status=Registration.Status.APPROVED))


def my_registration(*, event: Event, user: User | None) -> Registration | None:
    if not _authenticated(user) or user.organization is None:  # type: ignore[union-attr]
        return None
    return (
        Registration.objects.filter(event=event, organization=user.organization)  # type: ignore[union-attr]
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("venue")
        .prefetch_related("needs", "results", "experts", "available_slots")
        .first()
    )


def request_list_for(*, event: Event, user: User | None) -> QuerySet[MeetingRequest]:
    qs = MeetingRequest.objects.filter(event=event).select_related(
        "requester__organization",
        "invitee__organization",
        "need",
        "result",
        "expert",
        "match",
        "meeting__slot",
        "meeting__venue",
    )
    if can_manage(user, event):
        return qs
    mine = my_registration(event=event, user=user)
    if mine is None:
        return qs.none()
    return qs.filter(Q(requester=mine) | Q(invitee=mine)).exclude(
        status=MeetingRequest.Status.PROPOSED
    )


def meeting_list_for(*, event: Event, user: User | None) -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(request__event=event).select_related(*MEETING_RELATED)
    if can_manage(user, event):
        return qs
    mine = my_registration(event=event, user=user)
    if mine is None:
        return qs.none()
    return qs.filter(Q(request__requester=mine) | Q(request__invitee=mine))


def agenda_for(*, registration: Registration) -> QuerySet[Meeting]:
    """One participant's meetings in time order."""
    return (
        Meeting.objects.filter(
            Q(request__requester=registration) | Q(request__invitee=registration)
        )
        .select_related(*MEETING_RELATED)
        .order_by("slot__starts_at", "venue_id", "table")
    )


def table_agenda(*, event: Event) -> list[dict[str, Any]]:
    """Per venue and table, its meetings in time order (the print view for the room)."""
    meetings = (
        Meeting.objects.filter(request__event=event)
        .select_related(
            "slot", "venue", "request__requester__organization", "request__invitee__organization"
        )
        .order_by(venue_order("venue__"), "venue_id", "table", "slot__starts_at")
    )
    tables: OrderedDict[tuple[int, int], dict[str, Any]] = OrderedDict()
    for meeting in meetings:
        key = (meeting.venue_id, meeting.table)
        entry = tables.setdefault(
            key, {"venue": meeting.venue, "table": meeting.table, "meetings": []}
        )
        entry["meetings"].append(meeting)
    return list(tables.values())


def slots_by_day(*, event: Event) -> list[tuple[Any, list[Slot]]]:
    days: OrderedDict[Any, list[Slot]] = OrderedDict()
    for slot in event.slots.order_by("starts_at"):
        days.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    return list(days.items())


def last_run(*, event: Event) -> ScheduleRun | None:
    return event.schedule_runs.first()


def event_stats(*, event: Event) -> dict[str, Any]:
    """Registrants per venue, meetings requested / scheduled / held, intentions, signings,
    contract value (from the meetings' outcomes)."""
    venues = list(
        event.venues.annotate(
            registrants=Count(
                "registrations",
                filter=Q(registrations__status=Registration.Status.APPROVED),
            ),
            attendees=Sum(
                "registrations__attendees",
                filter=Q(registrations__status=Registration.Status.APPROVED),
            ),
        ).order_by(venue_order(), "id")
    )
    requests = event.meeting_requests.exclude(status=MeetingRequest.Status.PROPOSED)
    meetings = Meeting.objects.filter(request__event=event)
    held = meetings.exclude(outcome__in=("", Meeting.Outcome.NOT_HELD))
    amount = meetings.filter(outcome=Meeting.Outcome.SIGNED).aggregate(s=Sum("contract_amount"))
    pairs = (
        event.meeting_requests.exclude(match=None)
        .filter(meeting__outcome__in=POSITIVE)
        .values("match_id")
        .distinct()
        .count()
    )
    return {
        "venues": [
            {"venue": v, "registrants": v.registrants or 0, "attendees": v.attendees or 0}
            for v in venues
        ],
        "registrations": event.registrations.filter(status=Registration.Status.APPROVED).count(),
        "registrations_pending": event.registrations.filter(
            status=Registration.Status.PENDING
        ).count(),
        "postings": event.postings.count(),
        "requested": requests.count(),
        "accepted": requests.filter(status=MeetingRequest.Status.ACCEPTED).count(),
        "scheduled": meetings.count(),
        "held": held.count(),
        "intentions": meetings.filter(
            outcome__in=(Meeting.Outcome.INTENTION, Meeting.Outcome.SIGNED)
        ).count(),
        "signed": meetings.filter(outcome=Meeting.Outcome.SIGNED).count(),
        "contract_amount": amount["s"] or Decimal("0"),
        "pairs": pairs,
    }


def events_stats(*, user: User | None) -> list[dict[str, Any]]:
    """Each event the user may see with its figures (dashboard and Excel export)."""
    events = event_list_visible_to(user=user).exclude(status=Event.Status.CANCELLED)
    return [{"event": event, **event_stats(event=event)} for event in events]
