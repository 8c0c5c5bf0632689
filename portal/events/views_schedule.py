"""Staff pages of an event, second half: registrations, meeting requests, the schedule and
the outcomes of the meetings. Also the helpers both halves share (who may manage, the
redirect back to a section of the dashboard) and the schedule part of the dashboard.

Each action fetches the event through the scoped selector (outsiders who cannot see it get
404, others who may not manage it 403), calls one service, and redirects to its section
with a message in Chinese; a ``ValidationError`` becomes that message and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.pairs.selectors import match_list_visible_to
from portal.events import outcomes, registrations, requests, schedule, selectors, services
from portal.events.forms_manage import DecideForm, IdsForm, OutcomeForm, PinForm
from portal.events.models import Event, Meeting, MeetingRequest, Registration, venue_order
from portal.form_errors import flash_outcome, form_error_text

if TYPE_CHECKING:
    from accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        user: User


R = MeetingRequest.Status


# -------------------------------------------------------------------------------- helpers


def managed_event(request: AuthenticatedHttpRequest, pk: int) -> Event:
    """The event if the user may manage it: 404 if they cannot even see it, else 403."""
    user = request.user
    event = get_object_or_404(selectors.event_list_visible_to(user=user), pk=pk)
    if not services.can_manage(user, event):
        raise PermissionDenied(_("只有主办地区的科技局工作人员可以管理该活动。"))
    return event


def to_section(event: Event, anchor: str) -> HttpResponse:
    return redirect(reverse("events:manage", args=[event.pk]) + f"#{anchor}")


def act(request: HttpRequest, event: Event, anchor: str, action: Callable[[], str]) -> HttpResponse:
    """Run one service call; its success text or its errors become the message."""
    flash_outcome(request, action)
    return to_section(event, anchor)


def tables_url(event: Event) -> str | None:
    """The per-table print view, once the public pages have it."""
    try:
        return reverse("events:tables", args=[event.pk])
    except NoReverseMatch:
        return None


# ---------------------------------------------------------------- the dashboard's half


def schedule_context(
    event: Event, user: User, request_rows: list[MeetingRequest], pin: str = ""
) -> dict[str, Any]:
    """The grid (slots by day × venue tables), the last run's report, the pin form and
    the outcome forms."""
    venues = list(event.venues.order_by(venue_order(), "pk"))
    columns = [(venue, n) for venue in venues for n in range(1, venue.tables + 1)]
    sides = ("needs", "results", "experts")
    meetings = list(
        selectors.meeting_list_for(event=event, user=user).prefetch_related(
            *(f"request__{party}__{rel}" for party in ("requester", "invitee") for rel in sides)
        )
    )
    at = {(m.slot_id, m.venue_id, m.table): m for m in meetings}
    days = selectors.slots_by_day(event=event)
    grid = [
        {
            "day": day,
            "rows": [
                {"slot": slot, "cells": [at.get((slot.pk, v.pk, n)) for v, n in columns]}
                for slot in slots
            ],
        }
        for day, slots in days
    ]
    run = selectors.last_run(event=event)
    labels = schedule.REASON_LABELS
    for each in request_rows:
        each.unplaced_label = labels.get(each.unplaced_reason, each.unplaced_reason)  # type: ignore[attr-defined]
    by_id = {r.pk: r for r in request_rows}
    unplaced = []
    for item in run.unplaced if run is not None else []:
        row = by_id.get(item.get("request"))
        if row is not None:
            reason = item.get("reason", "")
            unplaced.append((row, labels.get(reason, reason)))
    accepted = [r for r in request_rows if r.status == R.ACCEPTED]
    pin_form = PinForm(
        requests=accepted,
        slots=[slot for _day, slots in days for slot in slots],
        venues=venues,
        initial={"request": pin} if pin.isdigit() else None,
    )
    pair_ids = {m.request.match_id for m in meetings if m.request.match_id}
    visible_pairs = set(
        match_list_visible_to(user=user).filter(pk__in=pair_ids).values_list("pk", flat=True)
    )
    return {
        "columns": columns,
        "grid": grid,
        "meetings": meetings,
        "run": run,
        "gap_percent": round(run.gap * 100, 1) if run is not None else None,
        "unplaced": unplaced,
        "pin_form": pin_form,
        "outcome_rows": [(m, OutcomeForm(meeting=m)) for m in meetings],
        "visible_pairs": visible_pairs,
        "tables_url": tables_url(event),
    }


# --------------------------------------------------------------------------- registrations


@login_required
@require_POST
def registration_decide(request: AuthenticatedHttpRequest, pk: int, reg_pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    registration = get_object_or_404(Registration, pk=reg_pk, event=event)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择通过或不通过。"))
        return to_section(event, "registrations")

    def decide() -> str:
        done = registrations.registration_decide(
            user=request.user,
            registration=registration,
            approve=form.cleaned_data["approve"],
            reason=form.cleaned_data["reason"],
        )
        return _("已将“%(org)s”的报名设为“%(status)s”，并通知报名人。") % {
            "org": done.organization,
            "status": done.get_status_display(),
        }

    return act(request, event, "registrations", decide)


# -------------------------------------------------------------------------------- requests


@login_required
@require_POST
def requests_propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)

    def propose() -> str:
        count = requests.meetings_propose(user=request.user, event=event)
        return _("系统新推荐了 %(n)s 场洽谈，请勾选确认后发给需求方。") % {"n": count}

    return act(request, event, "requests", propose)


@login_required
@require_POST
def proposals_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    form = IdsForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["ids"]:
        messages.error(request, _("请先勾选要确认的推荐。"))
        return to_section(event, "requests")

    def accept() -> str:
        count = requests.proposals_accept(
            user=request.user, event=event, request_ids=form.cleaned_data["ids"]
        )
        return _("已确认 %(n)s 场推荐洽谈，已通知需求方答复。") % {"n": count}

    return act(request, event, "requests", accept)


@login_required
@require_POST
def request_cancel(request: AuthenticatedHttpRequest, pk: int, request_pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    row = get_object_or_404(MeetingRequest, pk=request_pk, event=event)

    def cancel() -> str:
        requests.meeting_request_cancel(user=request.user, request_id=row.pk)
        return _("已取消该洽谈预约。")

    return act(request, event, "requests", cancel)


# -------------------------------------------------------------------------------- schedule


def _solve(user: User, event: Event) -> str:
    report = schedule.schedule_solve(user=user, event=event)
    return _("排程完成：%(requests)s 场待排，已排入 %(placed)s 场，未排入 %(unplaced)s 场。") % {
        "requests": report.run.requests,
        "placed": report.run.placed,
        "unplaced": len(report.unplaced),
    }


@login_required
@require_POST
def schedule_solve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    return act(request, event, "schedule", lambda: _solve(request.user, event))


@login_required
@require_POST
def meeting_pin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Pin one meeting, then re-solve the rest around it in the same POST, so the grid
    never shows a schedule the pin has made inconsistent."""
    event = managed_event(request, pk)
    form = PinForm(
        request.POST,
        requests=event.meeting_requests.filter(status=R.ACCEPTED).select_related(
            "requester__organization", "invitee__organization"
        ),
        slots=event.slots.all(),
        venues=event.venues.all(),
    )
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return to_section(event, "schedule")
    data = form.cleaned_data

    def pin() -> str:
        meeting = schedule.meeting_pin(
            user=request.user,
            request_id=data["request"],
            slot_id=data["slot"],
            venue_id=data["venue"],
            table=data["table"],
        )
        where = _("已固定到 %(slot)s %(venue)s %(table)s号桌。") % {
            "slot": meeting.slot,
            "venue": meeting.venue.name,
            "table": meeting.table,
        }
        return where + _solve(request.user, event)

    return act(request, event, "schedule", pin)


@login_required
@require_POST
def meeting_unpin(request: AuthenticatedHttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    meeting = get_object_or_404(Meeting, pk=meeting_pk, request__event=event)

    def unpin() -> str:
        schedule.meeting_unpin(user=request.user, meeting_id=meeting.pk)
        return _("已取消固定，下次自动排程时该洽谈可被调整。")

    return act(request, event, "schedule", unpin)


@login_required
@require_POST
def schedule_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)

    def publish() -> str:
        told = schedule.schedule_publish(user=request.user, event=event)
        return _("日程已发布，已通知 %(n)s 家参会单位。") % {"n": told}

    return act(request, event, "schedule", publish)


# -------------------------------------------------------------------------------- outcomes


@login_required
@require_POST
def meeting_outcome(request: AuthenticatedHttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    meeting = get_object_or_404(
        Meeting.objects.select_related("request__requester", "request__invitee"),
        pk=meeting_pk,
        request__event=event,
    )
    form = OutcomeForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return to_section(event, "outcomes")

    def record() -> str:
        done = outcomes.meeting_outcome_record(
            user=request.user,
            meeting_id=meeting.pk,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            contract_amount=form.cleaned_data["contract_amount"],
            **form.pair_ids(),
        )
        return _("已记录洽谈结果：%(outcome)s。") % {"outcome": done.get_outcome_display()}

    return act(request, event, "outcomes", record)
