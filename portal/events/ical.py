"""A participant's agenda as an iCalendar file (RFC 5545): one VEVENT per meeting, in the
event's time zone, with a UID that stays the same when the file is downloaded again, so
calendar applications update the meeting instead of adding a copy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from portal.events.models import Event, Meeting, Registration


def counterpart(meeting: Meeting, registration: Registration) -> Registration:
    """The other side of the meeting, seen from ``registration``."""
    request = meeting.request
    return request.invitee if request.requester_id == registration.pk else request.requester


def about(meeting: Meeting) -> list[str]:
    """What the meeting is about: the need, and the result or the expert."""
    request = meeting.request
    items = []
    if request.need is not None:
        items.append(_("需求：%(title)s") % {"title": request.need})
    if request.result is not None:
        items.append(_("成果：%(title)s") % {"title": request.result})
    if request.expert is not None:
        items.append(_("专家：%(name)s") % {"name": request.expert})
    return items


def place(meeting: Meeting) -> str:
    """Venue, address (or online link) and table, as one line."""
    venue = meeting.venue
    if venue.is_online:
        parts = [str(venue), _("%(n)s号会议室") % {"n": meeting.table}, venue.online_url]
    else:
        parts = [str(venue), venue.address, _("%(n)s号桌") % {"n": meeting.table}]
    return " · ".join(p for p in parts if p)


def agenda_calendar(
    *,
    event: Event,
    registration: Registration,
    meetings: Iterable[Meeting],
    host: str,
    agenda_url: str = "",
) -> bytes:
    tz = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//{host}//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{event.title} · {registration.organization}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for meeting in meetings:
        other = counterpart(meeting, registration)
        lines: list[Any] = [event.title, _("洽谈对象：%(org)s") % {"org": other.organization}]
        lines += about(meeting)
        if meeting.request.message:
            lines.append(_("留言：%(text)s") % {"text": meeting.request.message})
        if agenda_url:
            lines.append(agenda_url)
        item = CalendarEvent()
        item.add("uid", f"meeting-{meeting.pk}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", meeting.slot.starts_at.astimezone(tz))
        item.add("dtend", meeting.slot.ends_at.astimezone(tz))
        item.add("summary", _("洽谈：%(org)s") % {"org": other.organization})
        item.add("location", place(meeting))
        item.add("description", "\n".join(str(line) for line in lines))
        if agenda_url:
            item.add("url", agenda_url)
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()
