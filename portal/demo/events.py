"""Demo matchmaking meetings: one held six weeks ago (with its schedule and outcomes, whose
positive ones are pairs in the pipeline) and one coming in three weeks, open for
registration. Idempotent: an event that exists by title is left as it is."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import Alliance, Organization, User
from matching.models import Match, MatchStatus
from portal.demo.alliances import ALLIANCE_NAME
from portal.events import outcomes, schedule, services
from portal.events.models import Event, MeetingRequest, Registration
from portal.events.requests import request_value
from portal.models import Expert, Need, PostingStatus, Result

logger = logging.getLogger(__name__)

PAST_TITLE = "2026 济南市产学研合作对接会（秋季）"
NEXT_TITLE = "2027 山东省新材料与绿色化工成果对接会"
PAST_DAYS_AGO = 42
NEXT_DAYS_AHEAD = 21
# Outcomes of the past event's meetings, in schedule order (the rest were not recorded).
PAST_OUTCOMES: list[tuple[str, Decimal | None]] = [
    ("intention", None),
    ("signed", Decimal("120")),
    ("follow_up", None),
    ("intention", None),
    ("no_interest", None),
    ("signed", Decimal("85.5")),
    ("follow_up", None),
    ("intention", None),
    ("not_held", None),
    ("no_interest", None),
]
# demo_enterprise (齐鲁新材料) and 山东大学 stay out of the past event: their pair is kept
# untouched for the walk-through in the README and the browser test of the pipeline.
PAST_ORGS = (
    "ent_xinxin_ai",
    "ent_haiyang_env",
    "ent_mengneng",
    "ent_longjiang_agri",
    "ent_zhiyuan_med",
    "uni_imu",
    "uni_hit",
    "inst_qibebt",
    "inst_bj_ai",
)
NEXT_ORGS = {"inst_qibebt": "approved", "ent_haiyang_env": "approved", "uni_imu": "pending"}


def _published(model: Any, org: Organization, event: Event | None = None) -> list[Any]:
    """The organisation's published postings (for an event: those out before it opened)."""
    postings = model.objects.filter(organization=org, status=PostingStatus.PUBLISHED)
    if event is not None and event.published_at is not None:
        postings = postings.filter(published_at__lt=event.published_at)
    return list(postings)


def _create_event(staff: User, title: str, start: dt.date, **extra: Any) -> Event:
    tz = timezone.get_current_timezone()
    deadline = dt.datetime.combine(start - dt.timedelta(days=3), dt.time(18), tzinfo=tz)
    cutoff = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(18), tzinfo=tz)
    return Event.objects.create(
        title=title,
        start_date=start,
        end_date=start + dt.timedelta(days=1),
        registration_deadline=deadline,
        request_cutoff=cutoff,
        region_code="370100",
        organizer_name="济南市科学技术局",
        created_by=staff,
        slots_per_day=8,
        **extra,
    )


def _venues(staff: User, event: Event, *, main: str, branch: str) -> None:
    services.venue_save(
        user=staff,
        event=event,
        data={"kind": "main", "name": "主会场", "address": main, "capacity": 300, "tables": 6},
    )
    services.venue_save(
        user=staff,
        event=event,
        data={
            "kind": "branch",
            "name": "淄博分会场",
            "address": branch,
            "capacity": 80,
            "tables": 2,
        },
    )
    services.venue_save(
        user=staff,
        event=event,
        data={
            "kind": "online",
            "name": "线上洽谈室",
            "online_url": "https://meeting.example.cn/duijie",
            "capacity": 200,
            "tables": 4,
        },
    )


def _register(event: Event, org: Organization, staff: User, status: str) -> Registration | None:
    user = User.objects.filter(memberships__organization=org).order_by("pk").first() or staff
    needs, results = _published(Need, org, event), _published(Result, org, event)
    experts = _published(Expert, org, event)
    if not (needs or results or experts):
        return None
    venue = event.venues.get(kind="main")
    registration = Registration.objects.create(
        event=event,
        organization=org,
        user=user,
        venue=venue,
        attendees=2,
        meeting_cap=4,
        status=status,
        decided_by=staff if status != "pending" else None,
        decided_at=timezone.now() if status != "pending" else None,
    )
    registration.needs.set(needs[:3])
    registration.results.set(results[:3])
    registration.experts.set(experts[:2])
    registration.available_slots.set(event.slots.all())
    return registration


def _attach_all(staff: User, event: Event, regs: list[Registration]) -> None:
    need_ids = [n.pk for r in regs for n in r.needs.all()]
    result_ids = [x.pk for r in regs for x in r.results.all()]
    services.postings_attach(user=staff, event=event, need_ids=need_ids, result_ids=result_ids)
    rows = list(event.postings.order_by("id").values_list("pk", flat=True))
    services.roadshow_order_set(user=staff, event=event, ordered_ids=rows[:8])


def _requests(event: Event, regs: list[Registration], staff: User, limit: int) -> int:
    """Accepted requests from the suggested pairs among the registrants, best first."""
    need_side = {n.pk: r for r in regs for n in r.needs.all()}
    offer_side = {("r", x.pk): r for r in regs for x in r.results.all()}
    offer_side |= {("e", x.pk): r for r in regs for x in r.experts.all()}
    pairs = Match.objects.filter(need_id__in=need_side, status=MatchStatus.SUGGESTED).order_by(
        "-score", "id"
    )
    taken: set[tuple[int, int]] = set()
    made = 0
    for match in pairs:
        key = ("r", match.result_id) if match.result_id else ("e", match.expert_id)
        offerer, needer = offer_side.get(key), need_side[match.need_id]  # type: ignore[arg-type]
        if offerer is None or offerer.pk == needer.pk:
            continue
        couple = (min(needer.pk, offerer.pk), max(needer.pk, offerer.pk))
        if couple in taken:
            continue
        taken.add(couple)
        origin = "participant" if made % 3 else "engine"
        MeetingRequest.objects.create(
            event=event,
            requester=offerer if origin == "engine" else needer,
            invitee=needer if origin == "engine" else offerer,
            origin=origin,
            status=MeetingRequest.Status.ACCEPTED,
            need_id=match.need_id,
            result_id=match.result_id,
            expert_id=match.expert_id,
            match=match,
            score=match.score,
            value=request_value(origin=origin, score=match.score),
            created_by=staff,
            responded_at=timezone.now(),
        )
        made += 1
        if made >= limit:
            break
    return made


def _past_event(staff: User, orgs: dict[str, Organization]) -> None:
    start = timezone.localdate() - dt.timedelta(days=PAST_DAYS_AGO)
    event = _create_event(
        staff,
        PAST_TITLE,
        start,
        summary="发布企业技术需求和高校院所科技成果，现场一对一洽谈，推动成果在济南转化。",
        status=Event.Status.PUBLISHED,
        published_at=timezone.now() - dt.timedelta(days=PAST_DAYS_AGO + 30),
    )
    services.slots_generate(event)
    _venues(
        staff,
        event,
        main="济南市高新区舜华路 2000 号舜泰广场会展中心",
        branch="淄博市张店区人民西路 228 号科技大厦",
    )
    regs = [
        reg
        for key in PAST_ORGS
        if key in orgs and (reg := _register(event, orgs[key], staff, "approved")) is not None
    ]
    _attach_all(staff, event, regs)
    _requests(event, regs, staff, limit=14)
    report = schedule.schedule_solve(user=staff, event=event, time_limit=5)
    schedule.schedule_publish(user=staff, event=event)
    for meeting, (outcome, amount) in zip(report.placed, PAST_OUTCOMES, strict=False):
        try:
            outcomes.meeting_outcome_record(
                user=staff,
                meeting_id=meeting.pk,
                outcome=outcome,
                note="演示：现场洽谈记录",
                contract_amount=amount,
            )
        except (ValidationError, PermissionDenied) as exc:
            logger.warning("Demo meeting %s outcome skipped: %s", meeting.pk, exc)


def _next_event(staff: User, orgs: dict[str, Organization]) -> None:
    start = timezone.localdate() + dt.timedelta(days=NEXT_DAYS_AHEAD)
    event = _create_event(
        staff,
        NEXT_TITLE,
        start,
        summary="面向新材料、绿色化工和节能环保领域，集中发布技术需求与科技成果，"
        "设主会场、淄博分会场和线上洽谈室，支持预约一对一洽谈。",
        status=Event.Status.PUBLISHED,
        published_at=timezone.now(),
        # the new-materials alliance co-hosts it: it shows on the alliance's page
        alliance=Alliance.objects.filter(name=ALLIANCE_NAME).first(),
    )
    services.slots_generate(event)
    _venues(
        staff,
        event,
        main="济南市历下区经十路 9777 号鲁商国奥城会议中心",
        branch="淄博市高新区柳泉路 125 号先进陶瓷产业创新园",
    )
    regs = [
        reg
        for key, status in NEXT_ORGS.items()
        if key in orgs and (reg := _register(event, orgs[key], staff, status)) is not None
    ]
    _attach_all(staff, event, regs)
    extra = Need.objects.filter(status=PostingStatus.PUBLISHED, region_code__startswith="37")
    services.postings_attach(
        user=staff, event=event, need_ids=list(extra.values_list("pk", flat=True)[:10])
    )


def seed_events(orgs: dict[str, Organization]) -> int:
    """Create the two demo events if they do not exist; returns how many were created."""
    staff = User.objects.filter(username="demo_staff").first()
    if staff is None:
        return 0
    created = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        if not Event.objects.filter(title=PAST_TITLE).exists():
            _past_event(staff, orgs)
            created += 1
        if not Event.objects.filter(title=NEXT_TITLE).exists():
            _next_event(staff, orgs)
            created += 1
    return created
