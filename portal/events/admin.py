"""Admin of the events: read-mostly (the services write meetings and schedules)."""

from __future__ import annotations

from django.contrib import admin

from portal.events.models import (
    Event,
    EventPosting,
    Meeting,
    MeetingRequest,
    Registration,
    ScheduleRun,
    Venue,
)


class VenueInline(admin.TabularInline):
    model = Venue
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "start_date", "end_date", "region_code", "status"]
    list_filter = ["status"]
    search_fields = ["title", "organizer_name"]
    inlines = [VenueInline]
    raw_id_fields = ["created_by", "alliance"]


@admin.register(EventPosting)
class EventPostingAdmin(admin.ModelAdmin):
    list_display = ["event", "need", "result", "roadshow_order"]
    raw_id_fields = ["event", "need", "result", "added_by"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "organization", "venue", "status", "meeting_cap", "created_at"]
    list_filter = ["status"]
    search_fields = ["organization__name", "event__title"]
    raw_id_fields = ["event", "organization", "user", "venue", "decided_by"]
    filter_horizontal = ["needs", "results", "experts", "available_slots"]


@admin.register(MeetingRequest)
class MeetingRequestAdmin(admin.ModelAdmin):
    list_display = ["event", "requester", "invitee", "origin", "status", "value"]
    list_filter = ["status", "origin"]
    raw_id_fields = [
        "event",
        "requester",
        "invitee",
        "need",
        "result",
        "expert",
        "match",
        "created_by",
    ]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["request", "slot", "venue", "table", "pinned", "outcome"]
    list_filter = ["outcome", "pinned"]
    raw_id_fields = ["request", "slot", "venue", "outcome_by"]


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin):
    list_display = ["event", "created_at", "requests", "placed", "value", "bound", "optimal"]
    readonly_fields = [f.name for f in ScheduleRun._meta.fields]
