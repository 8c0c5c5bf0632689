"""Admin: reference data is editable; the registers go through the same selectors and
services as the site (lists scoped to the staff member, approve/reject as actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal import selectors
from portal.models import (
    Attachment,
    CooperationMode,
    Expert,
    IPType,
    MaturityLevel,
    Need,
    Region,
    Result,
    TechField,
    WorkerHeartbeat,
)
from portal.services import postings


class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order", "is_active"]
    list_editable = ["name", "sort_order", "is_active"]
    search_fields = ["code", "name"]
    list_filter = ["is_active"]


@admin.register(TechField)
class TechFieldAdmin(ReferenceAdmin):
    list_display = ["code", "name", "parent", "sort_order", "is_active"]
    list_filter = ["is_active", "parent"]
    list_select_related = ["parent"]


admin.site.register(CooperationMode, ReferenceAdmin)
admin.site.register(IPType, ReferenceAdmin)


@admin.register(MaturityLevel)
class MaturityLevelAdmin(ReferenceAdmin):
    list_display = ["code", "name", "rank", "trl_min", "trl_max", "sort_order", "is_active"]
    list_editable = ["name", "rank", "trl_min", "trl_max", "sort_order", "is_active"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent_code"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "hostname", "beat_at", "count"]
    readonly_fields = ["name", "hostname", "beat_at", "count"]


class PostingAdmin(admin.ModelAdmin):
    kind = ""
    list_filter = ["status", "fields"]
    list_select_related = ["organization"]
    readonly_fields = [
        "status",
        "reject_reason",
        "reviewed_by",
        "submitted_at",
        "published_at",
        "last_confirmed_at",
        "reconfirm_requested_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    filter_horizontal = ["fields", "cooperation_modes"]
    actions = ["approve_selected", "reject_selected"]
    autocomplete_fields = ["organization"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.posting_list_visible_to(kind=self.kind, user=request.user)  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Admin edits go through the services too (validation, review rules, engine hook)."""
        data = {
            name: form.cleaned_data[name]
            for name in (
                *postings.SPECS[self.kind].scalar_fields,
                *postings.SPECS[self.kind].m2m_fields,
            )
            if name in form.cleaned_data
        }
        if change:
            fresh = type(obj).objects.get(pk=obj.pk)
            saved = postings.posting_update(posting=fresh, by=request.user, data=data)  # type: ignore[arg-type]
        else:
            saved = postings.posting_create(
                kind=self.kind,
                by=request.user,  # type: ignore[arg-type]
                data=data,
                organization=form.cleaned_data.get("organization"),
            )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # M2M fields were saved by the service; only inlines would remain (none).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("审核通过所选信息"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = postings.posting_bulk_approve(
            kind=self.kind,
            pks=list(queryset.values_list("pk", flat=True)),
            by=request.user,  # type: ignore[arg-type]
        )
        self.message_user(request, _("已审核通过 %(n)s 条。") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("退回所选信息（原因：信息不完整）"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = 0
        for posting in queryset:
            try:
                postings.posting_reject(
                    posting=posting,
                    by=request.user,  # type: ignore[arg-type]
                    reason=str(_("信息不完整，请补充后重新提交。")),
                )
                count += 1
            except (PermissionDenied, ValidationError):
                continue
        self.message_user(request, _("已退回 %(n)s 条。") % {"n": count}, messages.SUCCESS)


@admin.register(Need)
class NeedAdmin(PostingAdmin):
    kind = "need"
    list_display = ["title", "organization", "region_code", "status", "published_at"]
    search_fields = ["title", "keywords"]


@admin.register(Result)
class ResultAdmin(PostingAdmin):
    kind = "result"
    list_display = ["title", "organization", "region_code", "status", "published_at"]
    search_fields = ["title", "keywords"]
    filter_horizontal = ["fields", "cooperation_modes", "ip_types"]


@admin.register(Expert)
class ExpertAdmin(PostingAdmin):
    kind = "expert"
    list_display = ["name", "title", "institution_name", "region_code", "status"]
    search_fields = ["name", "institution_name", "keywords"]
    autocomplete_fields = ["organization", "user"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "mime_type", "size", "content_type", "object_id", "created_at"]
    readonly_fields = ["content_type", "object_id", "file", "mime_type", "size", "uploaded_by"]
