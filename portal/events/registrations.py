"""Registration for an event: an organisation registers per venue (or online) with the
needs, results and expert profiles it brings; staff approve; the registrant declares the
slots it is free and how many meetings it takes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from portal import access
from portal.events.models import Event, Registration, Slot, Venue
from portal.events.services import _lock, can_manage, registration_is_mine, require_manager
from portal.models import Expert, Need, PostingStatus, Result

# -------------------------------------------------------------------------- registration


def _owned(user: User, model: Any, ids: Iterable[int], field: str) -> list[Any]:
    wanted = sorted({int(pk) for pk in ids})
    rows = list(model.objects.filter(pk__in=wanted))
    bad = [r for r in rows if r.status != PostingStatus.PUBLISHED or not access.is_owner(user, r)]
    if bad or len(rows) != len(wanted):
        raise ValidationError({field: [_("只能选择本单位已发布的项目。")]})
    return rows


def _slots_of(event: Event, slot_ids: Iterable[int] | None) -> list[Slot]:
    if slot_ids is None:
        return list(event.slots.all())
    wanted = {int(pk) for pk in slot_ids}
    slots = list(event.slots.filter(pk__in=wanted))
    if len(slots) != len(wanted):
        raise ValidationError({"available_slots": [_("所选时段不属于本活动的洽谈时段。")]})
    if not slots:
        raise ValidationError({"available_slots": [_("请至少选择一个可洽谈时段。")]})
    return slots


def _check_cap(cap: Any) -> int:
    try:
        value = int(cap)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 32:
        raise ValidationError({"meeting_cap": [_("最多洽谈场数须在 1 到 32 之间。")]})
    return value


def _check_seats(venue: Venue, attendees: int, *, exclude: int | None = None) -> None:
    """Registrations waiting or approved hold their seats; the venue's capacity is the cap."""
    taken = (
        venue.registrations.exclude(
            status__in=(Registration.Status.CANCELLED, Registration.Status.REJECTED)
        )
        .exclude(pk=exclude or 0)
        .aggregate(n=Sum("attendees"))["n"]
    )
    if (taken or 0) + attendees > venue.capacity:
        raise ValidationError(
            {"venue": [_("“%(venue)s”名额已满，请选择其他会场或线上参会。") % {"venue": venue}]}
        )


@transaction.atomic
def registration_create(
    *,
    user: User,
    event: Event,
    venue_id: int,
    need_ids: Iterable[int] = (),
    result_ids: Iterable[int] = (),
    expert_ids: Iterable[int] = (),
    attendees: int = 1,
    meeting_cap: int = 6,
    slot_ids: Iterable[int] | None = None,
    note: str = "",
) -> Registration:
    """An organisation registers for a venue (or online room), naming what it brings."""
    event = _lock(event)
    org = user.organization
    if org is None or user.is_bureau_staff:
        raise PermissionDenied(_("请以企业或科研单位的账号报名。"))
    if not event.registration_open:
        raise ValidationError(_("该活动不在报名期内。"))
    if (
        event.registrations.filter(organization=org)
        .exclude(status=Registration.Status.CANCELLED)
        .exists()
    ):
        raise ValidationError(_("贵单位已报名该活动，请勿重复报名。"), code="conflict")
    venue = event.venues.filter(pk=venue_id).first()
    if venue is None:
        raise ValidationError({"venue": [_("请选择本活动的会场。")]})
    needs = _owned(user, Need, need_ids, "needs")
    results = _owned(user, Result, result_ids, "results")
    experts = _owned(user, Expert, expert_ids, "experts")
    if not (needs or results or experts):
        raise ValidationError({"needs": [_("请至少选择一项携带的需求、成果或专家。")]})
    registration = Registration(
        event=event,
        organization=org,
        user=user,
        venue=venue,
        attendees=attendees,
        meeting_cap=_check_cap(meeting_cap),
        note=note.strip()[:500],
    )
    registration.full_clean(exclude=["event", "organization", "user", "venue"])
    _check_seats(venue, registration.attendees)
    slots = _slots_of(event, slot_ids)
    registration.save()
    registration.needs.set(needs)
    registration.results.set(results)
    registration.experts.set(experts)
    registration.available_slots.set(slots)
    return registration


@transaction.atomic
def registration_update(
    *,
    user: User,
    registration: Registration,
    slot_ids: Iterable[int] | None = None,
    meeting_cap: int | None = None,
) -> Registration:
    """The registrant declares availability per slot and the meeting cap."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not registration_is_mine(user, registration) and not can_manage(user, registration.event):
        raise PermissionDenied(_("只能修改本单位的报名。"))
    if registration.status == Registration.Status.CANCELLED:
        raise ValidationError(_("报名已取消。"))
    if meeting_cap is not None:
        registration.meeting_cap = _check_cap(meeting_cap)
        registration.save(update_fields=["meeting_cap"])
    if slot_ids is not None:
        registration.available_slots.set(_slots_of(registration.event, slot_ids))
    return registration


def _registration_url(registration: Registration) -> str:
    return reverse("events:detail", args=[registration.event_id])


@transaction.atomic
def registration_decide(
    *, user: User, registration: Registration, approve: bool, reason: str = ""
) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    event = registration.event
    require_manager(user, event)
    if registration.status == Registration.Status.CANCELLED:
        raise ValidationError(_("报名已取消。"))
    if not approve and not reason.strip():
        raise ValidationError({"reason": [_("请填写未通过原因。")]})
    if approve and registration.status == Registration.Status.REJECTED:
        _check_seats(registration.venue, registration.attendees, exclude=registration.pk)
    registration.status = Registration.Status.APPROVED if approve else Registration.Status.REJECTED
    registration.reject_reason = "" if approve else reason.strip()[:500]
    registration.decided_by = user
    registration.decided_at = timezone.now()
    registration.save(update_fields=["status", "reject_reason", "decided_by", "decided_at"])
    if approve:
        subject = _("“%(title)s”报名已通过") % {"title": event.title}
        body = _(
            "会场：%(venue)s\n活动日期：%(start)s 至 %(end)s\n可在活动页面预约一对一洽谈。"
        ) % {
            "venue": registration.venue,
            "start": event.start_date,
            "end": event.end_date,
        }
    else:
        subject = _("“%(title)s”报名未通过") % {"title": event.title}
        body = registration.reject_reason
    notify(
        user=registration.user,
        event_key=f"registration:{registration.pk}:{registration.status}",
        subject=subject,
        body=body,
        url=_registration_url(registration),
    )
    return registration


@transaction.atomic
def registration_cancel(*, user: User, registration: Registration) -> Registration:
    """The registrant withdraws: its open requests are cancelled and its meetings freed."""
    from portal.events.models import Meeting, MeetingRequest

    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not registration_is_mine(user, registration):
        raise PermissionDenied(_("只能取消本单位的报名。"))
    if timezone.localdate() >= registration.event.start_date:
        raise ValidationError(_("活动已开始，不能再取消报名。"))
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status"])
    mine = Q(requester=registration) | Q(invitee=registration)
    open_states = (
        MeetingRequest.Status.PROPOSED,
        MeetingRequest.Status.PENDING,
        MeetingRequest.Status.ACCEPTED,
    )
    requests = MeetingRequest.objects.filter(mine, status__in=open_states)
    Meeting.objects.filter(request__in=requests, outcome="").delete()
    requests.update(status=MeetingRequest.Status.CANCELLED)
    return registration
