"""API routes of the alliances, under /api/alliances/ (in the api namespace)."""

from __future__ import annotations

from django.urls import path

from portal.alliances import apis

urlpatterns = [
    path("", apis.AllianceListApi.as_view(), name="alliance-list"),
    path("<int:pk>/", apis.AllianceDetailApi.as_view(), name="alliance-detail"),
    path("<int:pk>/members/", apis.AllianceMemberApi.as_view(), name="alliance-members"),
]
