"""Admin of challenge lists and competitions (read-mostly: the services write them)."""

from __future__ import annotations

from django.contrib import admin

from portal.challenges.models import (
    Challenge,
    Conflict,
    Criterion,
    Entry,
    Member,
    Milestone,
    Objection,
    Programme,
    Review,
    Reviewer,
    Stage,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "period_start", "entry_deadline", "region_code"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    inlines = [StageInline]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    raw_id_fields = ["organization", "confirmed_by"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "challenge", "lead", "status", "rank"]
    list_filter = ["status"]
    search_fields = ["title", "lead__name"]
    raw_id_fields = ["programme", "challenge", "lead", "submitted_by", "result", "expert", "match"]
    inlines = [MemberInline]


for model in (Challenge, Criterion, Reviewer, Conflict, Review, Objection, Milestone):
    admin.site.register(model)
