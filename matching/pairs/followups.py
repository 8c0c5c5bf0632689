"""Follow-ups (跟进记录), the "需跟进" list and the daily reminders of the match workflow.

A pair in an open stage needs a call when it is past the next-contact date of its latest
follow-up, or (with no contact planned ahead) idle longer than ``settings.MATCH_IDLE_DAYS``
(default 30). Each responsible staff member is reminded once per pair per day.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify_from_template
from matching.models import FollowUp, FollowUpChannel, FollowUpReminder, Match, MatchStatus
from matching.pairs.parties import offer_of
from matching.pairs.services import (
    OPEN_STAGES,
    _case,
    _date,
    _lock,
    _match_url,
    _require_staff,
)

S = MatchStatus


def idle_days() -> int:
    return int(getattr(settings, "MATCH_IDLE_DAYS", 30))


@transaction.atomic
def followup_create(
    *,
    match_id: int,
    user: User,
    date: dt.date | str | None,
    channel: str,
    summary: str,
    next_step: str = "",
    next_contact_date: dt.date | str | None = None,
) -> FollowUp:
    """Log a call, visit, meeting or online talk; it resets the pair's idle clock."""
    match = _lock(match_id)
    _require_staff(match, user)
    if match.status not in OPEN_STAGES:
        raise ValidationError(
            _("当前阶段（%(stage)s）不能记录跟进。") % {"stage": S(match.status).label}
        )
    on = _date(date, "date")
    next_on = _date(next_contact_date, "next_contact_date")
    errors: dict[str, list[str]] = {}
    if on is None:
        errors["date"] = [_("请填写跟进日期。")]
    elif on > timezone.localdate():
        errors["date"] = [_("跟进日期不能晚于今天。")]
    elif on < timezone.localdate(match.created_at):
        errors["date"] = [_("跟进日期不能早于对接建立日期。")]
    if next_on is not None and on is not None and next_on < on:
        errors["next_contact_date"] = [_("下次联系日期不能早于本次跟进日期。")]
    if channel not in FollowUpChannel.values:
        errors["channel"] = [_("请选择跟进方式。")]
    if not summary.strip():
        errors["summary"] = [_("请填写情况摘要。")]
    if errors:
        raise ValidationError(errors)
    assert on is not None
    followup = FollowUp(
        match=match,
        date=on,
        channel=channel,
        summary=summary.strip(),
        next_step=next_step.strip(),
        next_contact_date=next_on,
        by=user,
    )
    followup.full_clean()
    followup.save()
    case = _case(match, responsible=user)
    case.last_activity_at = timezone.now()
    case.next_contact_date = next_on
    case.save(update_fields=["last_activity_at", "next_contact_date", "updated_at"])
    return followup


def match_list_due(*, today: dt.date | None = None) -> QuerySet[Match]:
    """Pairs in an open stage that need a call: past their next-contact date, or (with no
    contact scheduled ahead) idle longer than MATCH_IDLE_DAYS. Not scoped: callers scope."""
    today = today or timezone.localdate()
    cutoff = timezone.now() - dt.timedelta(days=idle_days())
    overdue = Q(case__next_contact_date__lt=today)
    idle = (Q(case__next_contact_date__isnull=True) | Q(case__next_contact_date__lt=today)) & Q(
        case__last_activity_at__lt=cutoff
    )
    return (
        Match.objects.filter(status__in=OPEN_STAGES)
        .filter(overdue | idle)
        .select_related("need", "result", "expert", "case", "case__responsible")
        .order_by("case__last_activity_at", "id")
    )


def followup_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind each overdue pair's responsible staff member, at most once per pair per day.

    The (match, day) unique constraint is the guard: a second run the same day, or a
    second worker racing this one, creates nothing and sends nothing. Returns reminders sent.
    """
    today = today or timezone.localdate()
    sent = 0
    for match in match_list_due(today=today):
        case = match.case
        staff = case.responsible or match.decided_by
        if staff is None or not staff.is_active:
            continue
        try:
            with transaction.atomic():
                _reminder, created = FollowUpReminder.objects.get_or_create(
                    match=match, day=today, defaults={"sent_to": staff}
                )
                if not created:
                    continue
                notify_from_template(
                    user=staff,
                    event_key=f"followup:{match.pk}:{today.isoformat()}",
                    template="followup-reminder",
                    context={
                        "match": match,
                        "offer": offer_of(match),
                        "case": case,
                        "idle_days": idle_days(),
                        "today": today,
                    },
                    url=_match_url(match),
                )
        except IntegrityError:
            continue
        sent += 1
    return sent
