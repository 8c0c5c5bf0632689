"""Browser routes of the alliances, under /alliances/ (namespace alliances)."""

from __future__ import annotations

from django.urls import path

from portal.alliances import views

app_name = "alliances"

urlpatterns = [
    path("", views.alliance_list, name="list"),
    path("new/", views.alliance_create, name="create"),
    path("<int:alliance_id>/", views.alliance_detail, name="detail"),
    path("<int:alliance_id>/edit/", views.alliance_edit, name="edit"),
    path("<int:alliance_id>/members/", views.alliance_members, name="members"),
    path("<int:alliance_id>/members/add/", views.alliance_member_add, name="member-add"),
    path(
        "<int:alliance_id>/members/<int:org_id>/remove/",
        views.alliance_member_remove,
        name="member-remove",
    ),
]
