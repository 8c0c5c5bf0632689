"""Writes of an event: the event and its venues and slots, what it publishes, who registers.

The 1:1 meetings (requests, the schedule, outcomes) are in :mod:`portal.events.meetings`.
Every function checks who may act and raises ``ValidationError`` (400, field messages in
Chinese) or ``PermissionDenied`` (403) before it writes; each runs in one transaction, so
nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from matching.pairs import scoping
from portal.events.models import Event, EventPosting, Registration, Slot, Venue
from portal.models import Need, PostingStatus, Result
from portal.services.imports import ImportReport, posting_import

EVENT_FIELDS = (
    "title",
    "summary",
    "start_date",
    "end_date",
    "registration_deadline",
    "request_cutoff",
    "region_code",
    "organizer_name",
    "alliance",
    "day_start",
    "slot_minutes",
    "slots_per_day",
)
VENUE_FIELDS = ("kind", "name", "address", "online_url", "capacity", "tables")
MAX_EVENT_DAYS = 14


# ------------------------------------------------------------------------------ who acts


def can_manage(user: Any, event: Event) -> bool:
    """Bureau staff whose jurisdiction covers the event's organiser region."""
    return scoping.code_in_jurisdiction(user, event.region_code)


def registration_is_mine(user: Any, registration: Registration) -> bool:
    org = getattr(user, "organization", None) if user is not None else None
    return bool(
        getattr(user, "is_authenticated", False)
        and org is not None
        and registration.organization_id == org.pk
    )


def require_creator(user: User) -> None:
    """Bureau staff (of any jurisdiction) create events."""
    scoping.require_staff(user, _("只有科技局工作人员可以创建对接会。"))


def require_manager(user: User, event: Event) -> None:
    if not can_manage(user, event):
        raise PermissionDenied(_("只有主办地区的科技局工作人员可以管理该活动。"))


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


# ------------------------------------------------------------------------------- events


def _check_dates(event: Event) -> None:
    errors: dict[str, list[str]] = {}
    if event.start_date and event.end_date:
        if event.end_date < event.start_date:
            errors["end_date"] = [_("结束日期不能早于开始日期。")]
        elif (event.end_date - event.start_date).days >= MAX_EVENT_DAYS:
            errors["end_date"] = [_("一次活动最长 %(days)s 天。") % {"days": MAX_EVENT_DAYS}]
    start = event.start_date
    if (
        start
        and event.registration_deadline
        and timezone.localdate(event.registration_deadline) > (event.end_date or start)
    ):
        errors["registration_deadline"] = [_("报名截止时间不能晚于活动结束日期。")]
    if start and event.request_cutoff and event.registration_deadline:
        if event.request_cutoff < event.registration_deadline:
            errors["request_cutoff"] = [_("洽谈预约截止时间不能早于报名截止时间。")]
        elif timezone.localdate(event.request_cutoff) > (event.end_date or start):
            errors["request_cutoff"] = [_("洽谈预约截止时间不能晚于活动结束日期。")]
    if event.slot_minutes and event.slots_per_day and event.day_start:
        minutes = event.day_start.hour * 60 + event.day_start.minute
        if minutes + event.slot_minutes * event.slots_per_day > 24 * 60:
            errors["slots_per_day"] = [_("每日洽谈场次超出当天时间，请减少场次或缩短时长。")]
    if errors:
        raise ValidationError(errors)


def _check_venue_dates(event: Event) -> None:
    for venue in event.venues.exclude(address=""):
        _check_venue_free(event, venue.address, exclude_venue=venue.pk)


@transaction.atomic
def event_create(*, user: User, data: Mapping[str, Any], field_ids: Iterable[int] = ()) -> Event:
    """A draft event in the staff member's jurisdiction; its slots are generated."""
    require_creator(user)
    event = Event(created_by=user, **{k: data[k] for k in EVENT_FIELDS if k in data})
    if not event.region_code and user.organization is not None:
        event.region_code = user.organization.region_code
    _check_dates(event)  # first: its messages say which field is wrong, in Chinese
    event.full_clean()
    if not can_manage(user, event):
        raise ValidationError({"region_code": [_("主办地区须在您的辖区内。")]})
    event.save()
    event.fields.set(list(field_ids))
    slots_generate(event)
    return event


@transaction.atomic
def event_update(
    *, user: User, event: Event, data: Mapping[str, Any], field_ids: Iterable[int] | None = None
) -> Event:
    event = _lock(event)
    require_manager(user, event)
    for key in EVENT_FIELDS:
        if key in data:
            setattr(event, key, data[key])
    _check_dates(event)  # first: its messages say which field is wrong, in Chinese
    event.full_clean()
    if not can_manage(user, event):
        raise ValidationError({"region_code": [_("主办地区须在您的辖区内。")]})
    _check_venue_dates(event)
    event.save()
    if field_ids is not None:
        event.fields.set(list(field_ids))
    slots_generate(event)
    return event


def _wanted_slots(event: Event) -> list[tuple[dt.datetime, dt.datetime]]:
    tz = timezone.get_current_timezone()
    wanted = []
    day = event.start_date
    while day <= event.end_date:
        start = dt.datetime.combine(day, event.day_start, tzinfo=tz)
        for n in range(event.slots_per_day):
            begins = start + dt.timedelta(minutes=event.slot_minutes * n)
            wanted.append((begins, begins + dt.timedelta(minutes=event.slot_minutes)))
        day += dt.timedelta(days=1)
    return wanted


def slots_generate(event: Event) -> int:
    """Make the event's slots match its days and daily pattern. Slots that are gone are
    deleted unless a meeting sits in them (then the change is refused)."""
    wanted = _wanted_slots(event)
    starts = {begins for begins, _end in wanted}
    stale = event.slots.exclude(starts_at__in=starts)
    from portal.events.models import Meeting

    if Meeting.objects.filter(slot__in=stale).exists():
        raise ValidationError(
            {"slots_per_day": [_("已有洽谈安排在将被删除的时段中，请先调整日程。")]}
        )
    stale.delete()
    existing = {s.starts_at: s for s in event.slots.all()}
    created = 0
    for begins, ends in wanted:
        slot = existing.get(begins)
        if slot is None:
            Slot.objects.create(event=event, starts_at=begins, ends_at=ends)
            created += 1
        elif slot.ends_at != ends:
            slot.ends_at = ends
            slot.save(update_fields=["ends_at"])
    return created


@transaction.atomic
def event_publish(*, user: User, event: Event) -> Event:
    event = _lock(event)
    require_manager(user, event)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("活动已取消，不能发布。"))
    if not event.venues.exists():
        raise ValidationError(_("请先添加至少一个会场或线上会议室。"))
    if event.status != Event.Status.PUBLISHED:
        event.status = Event.Status.PUBLISHED
        event.published_at = timezone.now()
        event.save(update_fields=["status", "published_at", "updated_at"])
    return event


@transaction.atomic
def event_cancel(*, user: User, event: Event, reason: str) -> Event:
    event = _lock(event)
    require_manager(user, event)
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写取消原因。")]})
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    for registration in event.registrations.exclude(status=Registration.Status.CANCELLED):
        notify(
            user=registration.user,
            event_key=f"event:{event.pk}:cancelled",
            subject=_("活动“%(title)s”已取消") % {"title": event.title},
            body=reason.strip()[:2000],
            url=reverse("events:detail", args=[event.pk]),
        )
    return event


# ------------------------------------------------------------------------------- venues


def _check_venue_free(event: Event, address: str, *, exclude_venue: int | None = None) -> None:
    """Two events may not use the same physical venue on overlapping days."""
    key = "".join(address.split())
    if not key:
        return
    others = (
        Venue.objects.filter(
            event__start_date__lte=event.end_date, event__end_date__gte=event.start_date
        )
        .exclude(event__status=Event.Status.CANCELLED)
        .exclude(pk=exclude_venue or 0)
        .exclude(kind=Venue.Kind.ONLINE)
        .select_related("event")
    )
    for other in others:
        if other.event_id != event.pk and "".join(other.address.split()) == key:
            raise ValidationError(
                {
                    "address": [
                        _("该地址在 %(start)s 至 %(end)s 已有活动“%(title)s”，日期冲突。")
                        % {
                            "start": other.event.start_date,
                            "end": other.event.end_date,
                            "title": other.event.title,
                        }
                    ]
                }
            )


@transaction.atomic
def venue_save(
    *, user: User, event: Event, data: Mapping[str, Any], venue: Venue | None = None
) -> Venue:
    """Add a venue to the event or change one."""
    event = _lock(event)
    require_manager(user, event)
    if venue is None:
        venue = Venue(event=event)
    elif venue.event_id != event.pk:
        raise ValidationError(_("会场不属于该活动。"))
    for key in VENUE_FIELDS:
        if key in data:
            setattr(venue, key, data[key])
    errors: dict[str, list[str]] = {}
    if venue.kind != Venue.Kind.ONLINE and not (venue.address or "").strip():
        errors["address"] = [_("现场会场请填写地址。")]
    if event.venues.filter(name=venue.name).exclude(pk=venue.pk or 0).exists():
        errors["name"] = [_("本活动已有名为“%(name)s”的会场。") % {"name": venue.name}]
    if venue.kind == Venue.Kind.MAIN:
        main = event.venues.filter(kind=Venue.Kind.MAIN).exclude(pk=venue.pk).first()
        if main is not None:
            errors["kind"] = [_("每个活动只能有一个主会场（已有“%(name)s”）。") % {"name": main}]
    if venue.pk:
        booked = venue.meetings.filter(table__gt=venue.tables or 0).exists()
        if booked:
            errors["tables"] = [_("已有洽谈安排在将被取消的桌号上，请先调整日程。")]
        taken = venue.registrations.exclude(
            status__in=(Registration.Status.CANCELLED, Registration.Status.REJECTED)
        ).aggregate(n=Sum("attendees"))["n"]
        if taken and venue.capacity is not None and venue.capacity < taken:
            errors["capacity"] = [_("已有 %(n)s 人报名该会场，容量不能更小。") % {"n": taken}]
    if errors:
        raise ValidationError(errors)
    venue.full_clean()
    if venue.kind != Venue.Kind.ONLINE:
        _check_venue_free(event, venue.address, exclude_venue=venue.pk)
    venue.save()
    return venue


@transaction.atomic
def venue_delete(*, user: User, venue: Venue) -> None:
    require_manager(user, venue.event)
    if venue.registrations.exists() or venue.meetings.exists():
        raise ValidationError(_("已有报名或洽谈安排的会场不能删除。"))
    venue.delete()


# ---------------------------------------------------------------- mass publication (路演)


def _published(model: type[Need] | type[Result], ids: Iterable[int]) -> list[Any]:
    wanted = sorted({int(pk) for pk in ids})
    found = list(model.objects.filter(pk__in=wanted, status=PostingStatus.PUBLISHED))
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - {p.pk for p in found})
        raise ValidationError(
            _("以下编号不存在或尚未发布：%(ids)s") % {"ids": "、".join(map(str, missing[:20]))}
        )
    return found


@transaction.atomic
def postings_attach(
    *, user: User, event: Event, need_ids: Iterable[int] = (), result_ids: Iterable[int] = ()
) -> int:
    """Publish needs and results with the event in bulk (already attached ones are kept)."""
    event = _lock(event)
    require_manager(user, event)
    needs = _published(Need, need_ids)
    results = _published(Result, result_ids)
    return _attach(event, user, needs=needs, results=results)


def _attach(event: Event, user: User, *, needs: Iterable[Any], results: Iterable[Any]) -> int:
    have_needs = set(event.postings.exclude(need=None).values_list("need_id", flat=True))
    have_results = set(event.postings.exclude(result=None).values_list("result_id", flat=True))
    rows = [
        EventPosting(event=event, need=n, added_by=user) for n in needs if n.pk not in have_needs
    ]
    rows += [
        EventPosting(event=event, result=r, added_by=user)
        for r in results
        if r.pk not in have_results
    ]
    EventPosting.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def postings_detach(*, user: User, event: Event, ids: Iterable[int]) -> int:
    require_manager(user, event)
    deleted, _detail = event.postings.filter(pk__in=list(ids)).delete()
    return deleted


def postings_import(
    *, user: User, event: Event, kind: str, name: str, content: bytes
) -> ImportReport:
    """New needs or results from a spreadsheet: they enter the registers through the same
    review (submitted), and join the event's list; the public page shows them once
    published. The whole file or nothing."""
    require_manager(user, event)
    if kind not in ("need", "result"):
        raise ValidationError({"kind": [_("只能导入技术需求或科技成果。")]})
    with transaction.atomic():
        report = posting_import(kind=kind, by=user, name=name, content=content)
        if report.ok and report.created_ids:
            model = Need if kind == "need" else Result
            created = list(model.objects.filter(pk__in=report.created_ids))
            if kind == "need":
                _attach(event, user, needs=created, results=())
            else:
                _attach(event, user, needs=(), results=created)
    return report


@transaction.atomic
def roadshow_order_set(*, user: User, event: Event, ordered_ids: list[int]) -> int:
    """Set the roadshow order: the listed event postings in that order, the rest after."""
    event = _lock(event)
    require_manager(user, event)
    rows = {p.pk: p for p in event.postings.all()}
    unknown = [pk for pk in ordered_ids if pk not in rows]
    if unknown or len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationError({"order": [_("路演顺序中含有不属于本活动或重复的项目。")]})
    for position, pk in enumerate(ordered_ids, start=1):
        rows[pk].roadshow_order = position
    for row in rows.values():
        if row.pk not in ordered_ids:
            row.roadshow_order = None
    EventPosting.objects.bulk_update(list(rows.values()), ["roadshow_order"])
    return len(ordered_ids)
