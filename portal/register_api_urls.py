"""API routes of the registers: /api/needs/, /api/results/, /api/experts/, reference data."""

from __future__ import annotations

from django.urls import URLPattern, path
from rest_framework.views import APIView

from portal.apis import postings as apis
from portal.apis import reference


def _register(prefix: str, kind: str, views: dict[str, type[APIView]]) -> list[URLPattern]:
    return [
        path(f"{prefix}/", views["list"].as_view(), name=f"{kind}-list"),
        path(f"{prefix}/<int:pk>/", views["detail"].as_view(), name=f"{kind}-detail"),
        *[
            path(f"{prefix}/<int:pk>/{action}/", views[action].as_view(), name=f"{kind}-{action}")
            for action in ("submit", "approve", "reject", "close", "confirm")
        ],
    ]


urlpatterns = [
    *_register(
        "needs",
        "need",
        {
            "list": apis.NeedListApi,
            "detail": apis.NeedDetailApi,
            "submit": apis.NeedSubmitApi,
            "approve": apis.NeedApproveApi,
            "reject": apis.NeedRejectApi,
            "close": apis.NeedCloseApi,
            "confirm": apis.NeedConfirmApi,
        },
    ),
    *_register(
        "results",
        "result",
        {
            "list": apis.ResultListApi,
            "detail": apis.ResultDetailApi,
            "submit": apis.ResultSubmitApi,
            "approve": apis.ResultApproveApi,
            "reject": apis.ResultRejectApi,
            "close": apis.ResultCloseApi,
            "confirm": apis.ResultConfirmApi,
        },
    ),
    *_register(
        "experts",
        "expert",
        {
            "list": apis.ExpertListApi,
            "detail": apis.ExpertDetailApi,
            "submit": apis.ExpertSubmitApi,
            "approve": apis.ExpertApproveApi,
            "reject": apis.ExpertRejectApi,
            "close": apis.ExpertCloseApi,
            "confirm": apis.ExpertConfirmApi,
        },
    ),
    path("organizations/", reference.OrganizationListApi.as_view(), name="organization-list"),
    path(
        "organizations/<int:pk>/",
        reference.OrganizationDetailApi.as_view(),
        name="organization-detail",
    ),
    path("fields/", reference.TechFieldListApi.as_view(), name="field-list"),
    path("regions/", reference.RegionListApi.as_view(), name="region-list"),
]
