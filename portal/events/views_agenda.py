"""The meetings of an event on paper and in calendars: a participant's agenda (A4 print view
and .ics file), the per-table sheets for the room, and the outcome of each meeting.

A participant's agenda opens for the members of its organisation and for the staff who
manage the event; the table sheets for those staff only; everyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from portal.events import outcomes, selectors
from portal.events.forms import OutcomeForm
from portal.events.ical import about, agenda_calendar, counterpart, place
from portal.events.models import Event, Registration
from portal.events.services import can_manage, registration_is_mine
from portal.events.views import event_for, manage_url, visible_match_ids


def _agenda_of(request: HttpRequest, pk: int, registration_pk: int) -> tuple[Event, Registration]:
    event = event_for(request, pk)
    registration = get_object_or_404(
        Registration.objects.select_related("organization", "venue"),
        pk=registration_pk,
        event=event,
    )
    if not (registration_is_mine(request.user, registration) or can_manage(request.user, event)):
        raise Http404
    return event, registration


@login_required
@require_GET
def agenda(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event, registration = _agenda_of(request, pk, registration_pk)
    meetings = list(selectors.agenda_for(registration=registration))
    for m in meetings:
        m.request.event = event  # the same event: can_record_outcome reads it per row
    pairs = visible_match_ids(request.user, {m.request.match_id for m in meetings} - {None})  # type: ignore[arg-type]
    rows = [
        {
            "meeting": m,
            "counterpart": counterpart(m, registration),
            "about": about(m),
            "pair_id": m.request.match_id if m.request.match_id in pairs else None,
            "can_record": outcomes.can_record_outcome(request.user, m),
        }
        for m in meetings
    ]
    context = {
        "event": event,
        "registration": registration,
        "rows": rows,
        "schedule_published": event.schedule_published_at is not None,
        "event_started": timezone.localdate() >= event.start_date,
    }
    return render(request, "events/agenda.html", context)


@login_required
@require_GET
def agenda_ics(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event, registration = _agenda_of(request, pk, registration_pk)
    meetings = selectors.agenda_for(registration=registration)
    body = agenda_calendar(
        event=event,
        registration=registration,
        meetings=meetings,
        host=request.get_host().split(":")[0],
        agenda_url=request.build_absolute_uri(
            reverse("events:agenda", args=[event.pk, registration.pk])
        ),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"duijie-event{event.pk}-agenda{registration.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def tables(request: HttpRequest, pk: int) -> HttpResponse:
    """Per venue and table, its meetings in time order: the sheets laid on the tables."""
    event = event_for(request, pk)
    if not can_manage(request.user, event):
        raise Http404
    context = {
        "event": event,
        "tables": selectors.table_agenda(event=event),
        "manage_url": manage_url(event),
    }
    return render(request, "events/tables.html", context)


@login_required
def meeting_outcome(request: HttpRequest, pk: int, meeting_id: int) -> HttpResponse:
    """Either side (or the staff) records how the meeting went; a positive outcome creates
    or advances the pair, whose page is linked once recorded."""
    user: User = request.user  # type: ignore[assignment]
    event = event_for(request, pk)
    meeting = get_object_or_404(selectors.meeting_list_for(event=event, user=user), pk=meeting_id)
    if not outcomes.can_record_outcome(user, meeting):
        raise Http404
    form = OutcomeForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            outcomes.meeting_outcome_record(
                user=user,
                meeting_id=meeting.pk,
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("洽谈结果已记录。"))
            return redirect("events:meeting-outcome", pk=event.pk, meeting_id=meeting.pk)
    mine = selectors.my_registration(event=event, user=user)
    side = mine if mine is not None and mine.pk in _party_ids(meeting) else None
    pairs = visible_match_ids(request.user, {meeting.request.match_id} - {None})  # type: ignore[arg-type]
    context: dict[str, Any] = {
        "event": event,
        "meeting": meeting,
        "form": form,
        "about": about(meeting),
        "place": place(meeting),
        "parties": (meeting.request.requester, meeting.request.invitee),
        "agenda_url": reverse("events:agenda", args=[event.pk, side.pk]) if side else None,
        "pair_id": meeting.request.match_id if meeting.request.match_id in pairs else None,
        "event_started": timezone.localdate() >= event.start_date,
    }
    return render(request, "events/meeting_outcome.html", context)


def _party_ids(meeting: Any) -> set[int]:
    return {meeting.request.requester_id, meeting.request.invitee_id}
