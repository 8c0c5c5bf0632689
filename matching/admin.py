from __future__ import annotations

from django.contrib import admin

from matching.models import DocumentTerms, IndexState, Match, RematchChunk, RematchJob


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "need", "result", "expert", "status", "score"]
    list_filter = ["status", "kind"]
    search_fields = ["need__title", "result__title", "expert__name"]
    raw_id_fields = ["need", "result", "expert", "decided_by"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["need", "result", "expert"]


@admin.register(DocumentTerms)
class DocumentTermsAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "object_id",
        "is_active",
        "stale",
        "token_count",
        "version",
        "updated_at",
    ]
    list_filter = ["kind", "is_active", "stale"]
    search_fields = ["=object_id", "content_hash"]
    readonly_fields = ["updated_at", "scored_at"]


@admin.register(IndexState)
class IndexStateAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "updated_at"]


class RematchChunkInline(admin.TabularInline):
    model = RematchChunk
    extra = 0
    fields = ("seq", "phase", "kind", "status", "attempts", "claimed_at", "finished_at", "error")
    readonly_fields = fields
    can_delete = False
    show_change_link = False


@admin.register(RematchJob)
class RematchJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "status",
        "done",
        "failed",
        "total",
        "chunk_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    readonly_fields = ["created_at", "finished_at"]
    inlines = [RematchChunkInline]


# The staff workflow's rows (issue 5).
