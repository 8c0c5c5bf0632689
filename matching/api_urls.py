"""API routes of matching: /api/matches/, recommendations, notifications, stats."""

from __future__ import annotations

from django.urls import path

from matching.dashboards import apis as dashboard_apis
from matching.lists import apis
from matching.pairs import apis as workflow_apis

urlpatterns = [
    path(
        "needs/<int:pk>/recommendations/",
        apis.NeedRecommendationListApi.as_view(),
        name="need-recommendations",
    ),
    path(
        "results/<int:pk>/recommendations/",
        apis.ResultRecommendationListApi.as_view(),
        name="result-recommendations",
    ),
    path(
        "experts/<int:pk>/recommendations/",
        apis.ExpertRecommendationListApi.as_view(),
        name="expert-recommendations",
    ),
]

# The staff workflow (issue 5).
urlpatterns += [
    path("matches/", workflow_apis.MatchListCreateApi.as_view(), name="match-list"),
    path("matches/<int:pk>/", workflow_apis.MatchDetailApi.as_view(), name="match-detail"),
    path(
        "matches/<int:pk>/approve/", workflow_apis.MatchApproveApi.as_view(), name="match-approve"
    ),
    path("matches/<int:pk>/reject/", workflow_apis.MatchRejectApi.as_view(), name="match-reject"),
    path(
        "matches/<int:pk>/respond/", workflow_apis.MatchRespondApi.as_view(), name="match-respond"
    ),
    path(
        "matches/<int:pk>/advance/", workflow_apis.MatchAdvanceApi.as_view(), name="match-advance"
    ),
    path(
        "matches/<int:pk>/followups/",
        workflow_apis.MatchFollowUpListCreateApi.as_view(),
        name="match-followups",
    ),
    path("notifications/", workflow_apis.NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/read-all/",
        workflow_apis.NotificationReadAllApi.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        workflow_apis.NotificationReadApi.as_view(),
        name="notification-read",
    ),
    path("stats/", dashboard_apis.StatsApi.as_view(), name="stats"),
]
