"""Admin of dispatch rounds (read-mostly: the services write them)."""

from __future__ import annotations

from django.contrib import admin

from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit, Volunteer


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "region_code", "period_start", "period_end", "status"]
    list_filter = ["status"]
    search_fields = ["title"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["round", "enterprise", "volunteer", "score", "pinned"]
    raw_id_fields = ["round", "enterprise", "volunteer", "need"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["assignment", "date", "mode", "rating", "confirmed_at"]
    raw_id_fields = ["assignment", "logged_by", "rated_by", "match"]


for model in (RoundEnterprise, Volunteer):
    admin.site.register(model)
