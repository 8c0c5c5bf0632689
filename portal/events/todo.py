"""A participant's meeting items on the home page (registered in ``EventsConfig.ready`` with
:mod:`matching.pairs.todo`): 1:1 meetings coming up in a published schedule, and meeting
requests waiting for the participant's answer. Staff get nothing here (they run the events
from the events' own pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.pairs.todo import PARTY, TodoGroup, TodoItem
from portal.events.models import Event, Meeting, MeetingRequest, Registration
from portal.events.selectors import MEETING_RELATED

# the first ones the home page shows of each group (the count says how many in all)
SHOWN = 10


def upcoming_meetings(*, user: Any) -> Any:
    """The user's organisation's meetings still to come, in schedules staff have published."""
    org = getattr(user, "organization", None)
    if org is None:
        return Meeting.objects.none()
    mine = Q(request__requester__organization=org) | Q(request__invitee__organization=org)
    return (
        Meeting.objects.filter(
            mine,
            request__event__status=Event.Status.PUBLISHED,
            request__event__schedule_published_at__isnull=False,
            slot__ends_at__gte=timezone.now(),
        )
        .exclude(request__requester__status=Registration.Status.CANCELLED)
        .exclude(request__invitee__status=Registration.Status.CANCELLED)
        .select_related(*MEETING_RELATED, "request__event")
        .order_by("slot__starts_at", "pk")
    )


def requests_to_answer(*, user: Any) -> Any:
    """Meeting requests sent to the user's organisation, unanswered, before the cut-off."""
    org = getattr(user, "organization", None)
    if org is None:
        return MeetingRequest.objects.none()
    return (
        MeetingRequest.objects.filter(
            invitee__organization=org,
            status=MeetingRequest.Status.PENDING,
            event__status=Event.Status.PUBLISHED,
            event__request_cutoff__gte=timezone.now(),
        )
        .exclude(invitee__status=Registration.Status.CANCELLED)
        .select_related("event", "requester__organization")
        .order_by("event__request_cutoff", "pk")
    )


def _other_side(meeting: Meeting, org_id: int) -> Any:
    request = meeting.request
    if request.requester.organization_id == org_id:
        return request.invitee.organization
    return request.requester.organization


def event_todos(user: Any) -> list[TodoGroup]:
    if not getattr(user, "is_authenticated", False):
        return []
    if getattr(user, "jurisdiction", None) is not None or user.organization is None:
        return []
    org_id = user.organization.pk
    groups: list[TodoGroup] = []
    requests = requests_to_answer(user=user)
    total = requests.count()
    if total:
        groups.append(
            TodoGroup(
                "meeting-requests",
                _("待答复的洽谈预约"),
                [
                    TodoItem(
                        title=_("%(org)s 邀请洽谈") % {"org": r.requester.organization},
                        detail=r.event.title,
                        url=reverse("events:detail", args=[r.event_id]) + "#requests",
                        due=r.event.request_cutoff,
                    )
                    for r in requests[:SHOWN]
                ],
                audience=PARTY,
                total=total,
            )
        )
    meetings = upcoming_meetings(user=user)
    total = meetings.count()
    if total:
        groups.append(
            TodoGroup(
                "meetings",
                _("即将举行的洽谈"),
                [
                    TodoItem(
                        title=_("与 %(org)s 洽谈") % {"org": _other_side(m, org_id)},
                        detail=f"{m.request.event.title} · {m.venue.name} · "
                        + _("%(n)s号桌") % {"n": m.table},
                        url=reverse("events:detail", args=[m.request.event_id]) + "#meetings",
                        due=m.slot.starts_at,
                    )
                    for m in meetings[:SHOWN]
                ],
                audience=PARTY,
                total=total,
            )
        )
    return groups
