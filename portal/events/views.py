"""Browser pages of the events (对接会) for the public and the participants: the list, the
event page (postings in roadshow order, registration, the other participants, 1:1 meeting
requests). Agendas, the calendar file, the table sheets and outcomes are in
:mod:`portal.events.views_agenda`; the staff tools in :mod:`portal.events.views_manage`.

Each view fetches the event through the selectors (drafts of other regions 404), calls one
service and redirects; a refused form is shown again with the service's messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Membership, User
from matching.pairs.selectors import match_list_visible_to
from portal import selectors as register_selectors
from portal.events import registrations as registration_services
from portal.events import requests as request_services
from portal.events import selectors
from portal.events.forms import AvailabilityForm, MeetingRequestForm, RegistrationForm, RespondForm
from portal.events.models import Event, MeetingRequest, Registration
from portal.events.schedule import REASON_LABELS
from portal.events.services import can_manage
from portal.form_errors import form_add_service_errors

PARTY_ROLES = (Membership.Role.ENTERPRISE, Membership.Role.RESEARCHER, Membership.Role.EXPERT)
PAST_PAGE_SIZE = 20


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def event_for(request: HttpRequest, pk: int) -> Event:
    """The event if the user may see it (a draft outside their region: 404)."""
    return get_object_or_404(selectors.event_list_visible_to(user=_user(request)), pk=pk)


def manage_url(event: Event) -> str | None:
    """The staff page of the event, once :mod:`portal.events.manage_urls` provides it."""
    try:
        return reverse("events:manage", args=[event.pk])
    except NoReverseMatch:
        return None


def visible_match_ids(user: Any, ids: set[int]) -> set[int]:
    """Of these pairs, the ones whose page opens for the user (a link to the rest would 404)."""
    if not ids or user is None:
        return set()
    return set(match_list_visible_to(user=user).filter(pk__in=ids).values_list("pk", flat=True))


def _detail_url(event: Event, anchor: str = "") -> str:
    return reverse("events:detail", args=[event.pk]) + (f"#{anchor}" if anchor else "")


# ----------------------------------------------------------------------------------- list


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    published_postings = Q(postings__need__status="published") | Q(
        postings__result__status="published"
    )
    events = selectors.event_list_visible_to(user=user).annotate(
        posting_count=Count("postings", filter=published_postings, distinct=True),
        registrant_count=Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.APPROVED),
            distinct=True,
        ),
    )
    today = timezone.localdate()
    upcoming = list(events.filter(end_date__gte=today).order_by("start_date", "id"))
    past = Paginator(
        events.filter(end_date__lt=today).order_by("-start_date", "-id"), PAST_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    user = request.user
    can_create = getattr(user, "is_authenticated", False) and user.jurisdiction is not None  # type: ignore[union-attr]
    context = {"upcoming": upcoming, "past": past, "can_create": can_create}
    return render(request, "events/event_list.html", context)


# --------------------------------------------------------------------------- event page


def _is_party(user: Any) -> bool:
    return user is not None and user.organization is not None and user.role in PARTY_ROLES


def _visible_posting_ids(user: Any, registrations: list[Registration]) -> dict[str, set[int]]:
    """Of the postings the participants bring, those whose page opens for the user."""
    visible: dict[str, set[int]] = {}
    for kind, rel in (("need", "needs"), ("result", "results"), ("expert", "experts")):
        ids = {p.pk for r in registrations for p in getattr(r, rel).all()}
        qs = register_selectors.posting_list_visible_to(kind=kind, user=user)
        visible[kind] = set(qs.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    return visible


def _request_rows(mine: Registration, requests: list[MeetingRequest]) -> list[dict[str, Any]]:
    rows = []
    for req in requests:
        sent = req.requester_id == mine.pk
        meeting = getattr(req, "meeting", None)
        rows.append(
            {
                "request": req,
                "sent": sent,
                "counterpart": req.invitee if sent else req.requester,
                "meeting": meeting,
                "open": req.status in request_services.OPEN,
                "unplaced": REASON_LABELS.get(req.unplaced_reason, req.unplaced_reason)
                if meeting is None and req.status == MeetingRequest.Status.ACCEPTED
                else "",
            }
        )
    return rows


def _participant_context(
    request: HttpRequest,
    event: Event,
    mine: Registration,
    request_form: MeetingRequestForm | None,
) -> dict[str, Any]:
    """What an approved participant sees: the others with a request form each, the
    requests sent and received, their own meetings."""
    user = _user(request)
    requests = [
        r
        for r in selectors.request_list_for(event=event, user=user)
        if mine.pk in (r.requester_id, r.invitee_id)
    ]
    rows = _request_rows(mine, requests)
    busy = {row["counterpart"].pk for row in rows if row["open"]}
    others = list(
        selectors.registration_list_for(event=event, user=user)
        .filter(status=Registration.Status.APPROVED)
        .exclude(pk=mine.pk)
        .order_by("organization__name", "id")
    )
    participants = []
    for other in others:
        posted = request_form is not None and request_form.other == other
        form = request_form if posted else MeetingRequestForm(mine=mine, other=other)
        participants.append(
            {"registration": other, "form": form, "busy": other.pk in busy, "open": posted}
        )
    meetings = list(selectors.agenda_for(registration=mine))
    pair_ids = visible_match_ids(user, {m.request.match_id for m in meetings if m.request.match_id})
    return {
        "participants": participants,
        "visible_postings": _visible_posting_ids(user, others),
        "sent": [row for row in rows if row["sent"]],
        "received": [row for row in rows if not row["sent"]],
        "meetings": meetings,
        "visible_pairs": pair_ids,
    }


def _detail_context(
    request: HttpRequest,
    event: Event,
    *,
    register_form: RegistrationForm | None = None,
    availability_form: AvailabilityForm | None = None,
    request_form: MeetingRequestForm | None = None,
) -> dict[str, Any]:
    user = _user(request)
    manages = can_manage(user, event)
    mine = selectors.my_registration(event=event, user=user)
    context: dict[str, Any] = {
        "event": event,
        "venues": list(event.venues.all()),
        "fields": list(event.fields.all()),
        "posting_groups": selectors.event_postings_visible(event=event, user=user),
        "can_manage": manages,
        "manage_url": manage_url(event) if manages else None,
        "mine": mine,
        "is_party": _is_party(user),
        "show_online_links": manages or bool(mine and mine.is_approved),
        "event_started": timezone.localdate() >= event.start_date,
    }
    if register_form is None and mine is None and _is_party(user) and event.registration_open:
        register_form = RegistrationForm(event=event, user=user)
    context["register_form"] = register_form
    if request_form is not None and (request_form.other is None or not (mine and mine.is_approved)):
        # Refused before it could be shown on a participant's card: say why at the top.
        context["page_errors"] = [*request_form.non_field_errors(), *request_form["invitee"].errors]
    if mine is not None:
        if availability_form is None and mine.status in (
            Registration.Status.PENDING,
            Registration.Status.APPROVED,
        ):
            availability_form = AvailabilityForm(
                event=event,
                initial={
                    "meeting_cap": mine.meeting_cap,
                    "available_slots": [s.pk for s in mine.available_slots.all()],
                },
            )
        context["availability_form"] = availability_form
        context["agenda_url"] = reverse("events:agenda", args=[event.pk, mine.pk])
        if mine.is_approved:
            context.update(_participant_context(request, event, mine, request_form))
    return context


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_for(request, pk)
    return render(request, "events/event_detail.html", _detail_context(request, event))


# -------------------------------------------------------------------------- registration


def _member(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@login_required
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    user = _member(request)
    event = event_for(request, pk)
    form = RegistrationForm(request.POST, event=event, user=user)
    if form.is_valid():
        try:
            registration_services.registration_create(
                user=user, event=event, **form.service_kwargs()
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("报名已提交，请等待主办方审核。"))
            return redirect(_detail_url(event, "my-registration"))
    context = _detail_context(request, event, register_form=form)
    return render(request, "events/event_detail.html", context)


def _mine_or_404(request: HttpRequest, event: Event) -> Registration:
    mine = selectors.my_registration(event=event, user=_user(request))
    if mine is None:
        raise Http404
    return mine


@login_required
@require_POST
def registration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The registrant changes its free slots and meeting cap."""
    event = event_for(request, pk)
    mine = _mine_or_404(request, event)
    form = AvailabilityForm(request.POST, event=event)
    if form.is_valid():
        try:
            registration_services.registration_update(
                user=_member(request),
                registration=mine,
                slot_ids=form.cleaned_data["available_slots"],
                meeting_cap=form.cleaned_data["meeting_cap"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("可洽谈时段和场数已保存。"))
            return redirect(_detail_url(event, "my-registration"))
    context = _detail_context(request, event, availability_form=form)
    return render(request, "events/event_detail.html", context)


@login_required
@require_POST
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_for(request, pk)
    mine = _mine_or_404(request, event)
    try:
        registration_services.registration_cancel(user=_member(request), registration=mine)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已取消报名，相关洽谈预约和安排已一并取消。"))
    return redirect(_detail_url(event))


# ------------------------------------------------------------------------------ requests


@login_required
@require_POST
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_for(request, pk)
    mine = _mine_or_404(request, event)
    invitee = request.POST.get("invitee", "")
    other = (
        selectors.registration_list_for(event=event, user=_user(request))
        .filter(pk=int(invitee), status=Registration.Status.APPROVED)
        .first()
        if invitee.isdigit()
        else None
    )
    form = MeetingRequestForm(request.POST, mine=mine, other=other)
    if form.is_valid():
        try:
            request_services.meeting_request_create(
                user=_member(request),
                event=event,
                invitee_id=form.cleaned_data["invitee"],
                need_id=form.cleaned_data["need"],
                message=form.cleaned_data["message"],
                **form.offer_kwargs(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("洽谈预约已发出，请等待对方答复。"))
            return redirect(_detail_url(event, "requests"))
    context = _detail_context(request, event, request_form=form)
    return render(request, "events/event_detail.html", context)


def _own_request(request: HttpRequest, event: Event, request_id: int) -> MeetingRequest:
    """One of the user's requests of this event (others: 404)."""
    return get_object_or_404(
        selectors.request_list_for(event=event, user=_user(request)), pk=request_id
    )


@login_required
@require_POST
def request_respond(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    event = event_for(request, pk)
    meeting_request = _own_request(request, event, request_id)
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择接受或谢绝。"))
        return redirect(_detail_url(event, "requests"))
    accept = form.cleaned_data["accept"]
    try:
        request_services.meeting_request_respond(
            user=_member(request),
            request_id=meeting_request.pk,
            accept=accept,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已接受洽谈预约。") if accept else _("已谢绝洽谈预约。"))
    return redirect(_detail_url(event, "requests"))


@login_required
@require_POST
def request_cancel(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    event = event_for(request, pk)
    meeting_request = _own_request(request, event, request_id)
    try:
        request_services.meeting_request_cancel(
            user=_member(request), request_id=meeting_request.pk
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("洽谈预约已取消。"))
    return redirect(_detail_url(event, "requests"))
