"""Overdue milestones and due follow-ups reach the staff to-do list; the dashboard counts
the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching.dashboards.sections import programme_tables
from portal.challenges.models import Entry, Member, Milestone
from tests.challenges.conftest import ListWorld

pytestmark = pytest.mark.django_db


def _awarded(world: ListWorld, dora) -> Entry:  # type: ignore[no-untyped-def]
    entry = Entry.objects.create(
        programme=world.programme,
        challenge=world.challenge,
        title="获奖方案",
        proposal="…",
        lead=dora.organization,
        submitted_by=dora,
        result=world.result,
        status=Entry.Status.AWARDED,
    )
    Member.objects.create(
        entry=entry, organization=dora.organization, role="lead", budget_share=100
    )
    return entry


def test_overdue_milestones_are_on_the_staff_to_do_list_until_done(
    list_world, dora, staff, staff_client
) -> None:
    entry = _awarded(list_world, dora)
    today = timezone.localdate()
    late = Milestone.objects.create(
        entry=entry, kind="task_book", due_date=today - dt.timedelta(days=3)
    )
    Milestone.objects.create(entry=entry, kind="midterm", due_date=today + dt.timedelta(days=90))
    page = staff_client.get("/matching/pairs/due/").content.decode()
    assert page.count("获奖方案 · 任务书签订") == 1
    assert "中期检查" not in page
    late.done_at = today
    late.save()
    assert "任务书签订" not in staff_client.get("/matching/pairs/due/").content.decode()


def test_the_dashboard_counts_bids_awards_and_delivery(list_world, dora, staff) -> None:
    _awarded(list_world, dora)
    rows = {t.key: t for t in programme_tables(user=staff)}["challenges"].rows
    assert rows[0][0] == list_world.programme.title
    assert rows[0][3:5] == [1, 1]  # challenges, entries
    assert rows[0][7:9] == [1, 500.0]  # awarded, funding


def test_lead_units_are_reminded_once_of_milestones_due_and_overdue(list_world, dora) -> None:
    from accounts.models import Notification
    from portal.challenges.awards import milestone_reminders_send

    entry = _awarded(list_world, dora)
    today = timezone.localdate()
    Milestone.objects.create(entry=entry, kind="task_book", due_date=today - dt.timedelta(days=1))
    Milestone.objects.create(entry=entry, kind="midterm", due_date=today + dt.timedelta(days=3))
    Milestone.objects.create(entry=entry, kind="acceptance", due_date=today + dt.timedelta(days=90))
    assert milestone_reminders_send() == 2
    assert milestone_reminders_send() == 0  # once per milestone and due date
    subjects = sorted(Notification.objects.filter(user=dora).values_list("subject", flat=True))
    assert any("已逾期" in s for s in subjects)
    assert any("将于" in s for s in subjects)
