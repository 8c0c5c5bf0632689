"""Admin of the match workflow rows (read-mostly: the services write them).

Imported by matching/admin.py so Django's admin autodiscovery registers it.
"""

from __future__ import annotations

from django.contrib import admin

from matching.models import (
    FollowUp,
    FollowUpReminder,
    MatchCase,
    MatchDecision,
    MatchResponse,
    MatchTransition,
)


@admin.register(MatchCase)
class MatchCaseAdmin(admin.ModelAdmin):
    list_display = [
        "match",
        "responsible",
        "contacts_shared_at",
        "contract_amount",
        "contract_date",
        "landed_date",
        "next_contact_date",
        "last_activity_at",
    ]
    raw_id_fields = ["match", "responsible"]
    search_fields = ["match__need__title", "contract_reg_no"]


@admin.register(MatchTransition)
class MatchTransitionAdmin(admin.ModelAdmin):
    list_display = ["match", "from_status", "to_status", "by", "at", "note"]
    list_filter = ["to_status"]
    raw_id_fields = ["match", "by"]


@admin.register(MatchDecision)
class MatchDecisionAdmin(admin.ModelAdmin):
    list_display = ["match", "approved", "reason_code", "score", "kind", "decided_by"]
    list_filter = ["approved", "reason_code", "kind", "is_manual"]
    raw_id_fields = ["match", "decided_by"]


@admin.register(MatchResponse)
class MatchResponseAdmin(admin.ModelAdmin):
    list_display = ["match", "side", "accepted", "reason", "responded_by", "responded_at"]
    raw_id_fields = ["match", "responded_by"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["match", "date", "channel", "next_contact_date", "by"]
    list_filter = ["channel"]
    raw_id_fields = ["match", "by"]


@admin.register(FollowUpReminder)
class FollowUpReminderAdmin(admin.ModelAdmin):
    list_display = ["match", "day", "sent_to", "created_at"]
    raw_id_fields = ["match", "sent_to"]
