"""All API routes under /api/. Each area keeps its own list."""

from __future__ import annotations

from django.urls import include, path

from portal import apis

app_name = "api"

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="auth-token"),
    path("me/", apis.MeApi.as_view(), name="me"),
    path("", include("portal.register_api_urls")),
    path("", include("matching.api_urls")),
    path("alliances/", include("portal.alliances.api_urls")),
    path("events/", include("portal.events.api_urls")),
    path("challenges/", include("portal.challenges.api_urls")),
    path("dispatch/", include("portal.dispatch.api_urls")),
]
