from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Alliance, AllianceMembership, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("联系方式"), {"fields": ("display_name", "phone")}),
    )
    list_display = ["username", "display_name", "email", "phone", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "email", "phone"]
    inlines = [MembershipInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "org_type", "region_code", "credit_code", "is_verified", "created_at"]
    list_filter = ["org_type", "is_verified"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["verified_at", "verified_by", "created_at"]


class AllianceMembershipInline(admin.TabularInline):
    model = AllianceMembership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region_code", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["admins"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [AllianceMembershipInline]
