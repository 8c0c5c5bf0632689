"""API routes of the dispatch rounds under /api/dispatch/ (in the api namespace, names
dispatch-...)."""

from __future__ import annotations

from django.urls import path

from portal.dispatch import apis

ROUND = "<int:pk>/"
VISIT = "visits/<int:vid>/"

urlpatterns = [
    path("", apis.RoundListApi.as_view(), name="dispatch-list"),
    path(ROUND, apis.RoundDetailApi.as_view(), name="dispatch-detail"),
    path(ROUND + "open/", apis.RoundOpenApi.as_view(), name="dispatch-open"),
    path(ROUND + "enterprises/", apis.EnterpriseListApi.as_view(), name="dispatch-enterprises"),
    path(
        ROUND + "enterprises/<int:eid>/exclusions/",
        apis.ExclusionsApi.as_view(),
        name="dispatch-exclusions",
    ),
    path(ROUND + "volunteers/", apis.VolunteerListApi.as_view(), name="dispatch-volunteers"),
    path(ROUND + "solve/", apis.RoundSolveApi.as_view(), name="dispatch-solve"),
    path(ROUND + "assignments/", apis.AssignmentListApi.as_view(), name="dispatch-assignments"),
    path(
        ROUND + "assignments/pin/", apis.AssignmentPinApi.as_view(), name="dispatch-assignment-pin"
    ),
    path(ROUND + "publish/", apis.RoundPublishApi.as_view(), name="dispatch-publish"),
    path(
        ROUND + "assignments/<int:aid>/visits/",
        apis.VisitListApi.as_view(),
        name="dispatch-visits",
    ),
    path(VISIT + "attachments/", apis.VisitAttachApi.as_view(), name="dispatch-visit-attach"),
    path(VISIT + "rate/", apis.VisitRateApi.as_view(), name="dispatch-visit-rate"),
    path(VISIT + "propose/", apis.VisitProposeApi.as_view(), name="dispatch-visit-propose"),
    path(ROUND + "ledger/", apis.RoundLedgerApi.as_view(), name="dispatch-ledger"),
]
