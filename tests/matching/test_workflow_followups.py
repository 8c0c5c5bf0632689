"""Follow-ups, the "需跟进" list and the daily reminders (once per pair per day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Notification, User
from matching.models import FollowUpChannel, FollowUpReminder, Match, MatchStatus
from matching.pairs import followups
from matching.pairs import selectors as workflow_selectors
from matching.pairs import services as workflow
from matching.pairs.tasks import send_followup_reminders_task
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus
TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _pairs_existed_before_start(request: pytest.FixtureRequest) -> None:
    """The fixtures create pairs "now"; these tests live in 2026-03, so move them back."""
    for name in ("match", "expert_match", "qd_match"):
        if name in request.fixturenames:
            pair = request.getfixturevalue(name)
            Match.objects.filter(pk=pair.pk).update(created_at=START - dt.timedelta(days=1))
            pair.refresh_from_db()


def _log(match: Match, staff: User, **kwargs: Any) -> None:
    defaults = {
        "date": timezone.localdate(),
        "channel": FollowUpChannel.VISIT,
        "summary": "走访企业，了解需求细节。",
    }
    followups.followup_create(match_id=match.pk, user=staff, **{**defaults, **kwargs})


def test_a_followup_resets_the_idle_clock_and_sets_the_next_date(match: Match, staff: User) -> None:
    with time_machine.travel(START, tick=False):
        workflow.match_approve(match_id=match.pk, user=staff)
    with time_machine.travel(START + dt.timedelta(days=40), tick=False):
        assert list(followups.match_list_due()) == [match]
        _log(match, staff, next_contact_date=timezone.localdate() + dt.timedelta(days=7))
        assert list(followups.match_list_due()) == []
        match.case.refresh_from_db()
        assert match.case.next_contact_date == timezone.localdate() + dt.timedelta(days=7)
    with time_machine.travel(START + dt.timedelta(days=48), tick=False):
        # Past the next-contact date with no follow-up since.
        assert list(followups.match_list_due()) == [match]


def test_a_contact_planned_ahead_keeps_an_idle_pair_off_the_list(match: Match, staff: User) -> None:
    with time_machine.travel(START, tick=False):
        workflow.match_approve(match_id=match.pk, user=staff)
        _log(match, staff, next_contact_date=dt.date(2026, 6, 1))
    with time_machine.travel(START + dt.timedelta(days=45), tick=False):
        assert list(followups.match_list_due()) == []


@override_settings(MATCH_IDLE_DAYS=5)
def test_the_idle_limit_comes_from_settings(match: Match, staff: User) -> None:
    with time_machine.travel(START, tick=False):
        workflow.match_approve(match_id=match.pk, user=staff)
    with time_machine.travel(START + dt.timedelta(days=4), tick=False):
        assert list(followups.match_list_due()) == []
    with time_machine.travel(START + dt.timedelta(days=6), tick=False):
        assert list(followups.match_list_due()) == [match]


def test_finished_pairs_are_never_due(match: Match, staff: User) -> None:
    with time_machine.travel(START, tick=False):
        workflow.match_approve(match_id=match.pk, user=staff)
        workflow.match_advance(match_id=match.pk, user=staff, stage=S.CLOSED, note="终止")
    with time_machine.travel(START + dt.timedelta(days=90), tick=False):
        assert list(followups.match_list_due()) == []


def test_a_reminder_goes_out_once_per_overdue_pair_per_day(
    match: Match, expert_match: Match, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(START, tick=False):
        workflow.match_approve(match_id=match.pk, user=staff)
        workflow.match_approve(match_id=expert_match.pk, user=staff)
        _log(expert_match, staff, next_contact_date=dt.date(2026, 3, 5))
    Notification.objects.all().delete()
    day1 = START + dt.timedelta(days=31)
    with time_machine.travel(day1, tick=False), django_capture_on_commit_callbacks(execute=True):
        # Both pairs are due: one idle 31 days, one past its next-contact date.
        assert send_followup_reminders_task.delay().get() == 2
        assert send_followup_reminders_task.delay().get() == 0
        assert followups.followup_reminders_send() == 0
    with time_machine.travel(day1 + dt.timedelta(hours=5), tick=False):
        assert followups.followup_reminders_send() == 0
    reminders = Notification.objects.filter(user=staff, event_key__startswith="followup:")
    assert reminders.count() == 2
    assert len(mail.outbox) == 2
    assert "需跟进" in mail.outbox[0].subject
    with time_machine.travel(day1 + dt.timedelta(days=1), tick=False):
        assert followups.followup_reminders_send() == 2
    assert FollowUpReminder.objects.count() == 4
    assert set(FollowUpReminder.objects.values_list("day", flat=True)) == {
        dt.date(2026, 4, 2),
        dt.date(2026, 4, 3),
    }


def test_the_database_refuses_a_second_reminder_for_the_same_day(match: Match, staff: User) -> None:
    FollowUpReminder.objects.create(match=match, day=dt.date(2026, 4, 2), sent_to=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpReminder.objects.create(match=match, day=dt.date(2026, 4, 2), sent_to=staff)


def test_followups_are_validated(match: Match, staff: User) -> None:
    with pytest.raises(ValidationError):
        _log(match, staff)  # still suggested
    workflow.match_approve(match_id=match.pk, user=staff)
    with pytest.raises(ValidationError) as err:
        _log(match, staff, channel="fax", summary=" ", date=timezone.localdate() + dt.timedelta(1))
    assert {"channel", "summary", "date"} <= set(err.value.message_dict)
    with pytest.raises(ValidationError) as err:
        _log(match, staff, next_contact_date=timezone.localdate() - dt.timedelta(days=1))
    assert "next_contact_date" in err.value.message_dict


def test_only_staff_of_the_region_log_followups(
    match: Match, staff: User, alice: User, qd_staff: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    for user in (alice, qd_staff):
        with pytest.raises(PermissionDenied):
            _log(match, user)


def test_the_due_list_is_scoped_to_the_jurisdiction(
    match: Match, qd_match: Match, staff: User, qd_staff: User
) -> None:
    with time_machine.travel(START, tick=False):
        workflow.match_approve(match_id=match.pk, user=staff)
        workflow.match_approve(match_id=qd_match.pk, user=qd_staff)
    with time_machine.travel(START + dt.timedelta(days=40), tick=False):
        assert list(workflow_selectors.match_list_due_for(user=staff)) == [match]
        assert list(workflow_selectors.match_list_due_for(user=qd_staff)) == [qd_match]
        # Each reminder goes to the pair's own responsible staff member.
        assert followups.followup_reminders_send() == 2
    assert set(
        Notification.objects.filter(event_key__startswith="followup:").values_list(
            "user__username", flat=True
        )
    ) == {"staff", "qd_staff"}
