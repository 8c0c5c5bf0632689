"""API of the dashboards: the figures as JSON, with the dashboard's filters."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.dashboards import stats
from matching.dashboards.filters import DashboardFilterForm
from matching.pairs import scoping


class StatsApi(APIView):
    """The figures of the dashboard (staff: their jurisdiction) or the public statistics,
    for ``from``/``to`` (dates), ``field`` and ``region`` (staff) as on the dashboard."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
            OpenApiParameter("field", str),
            OpenApiParameter("region", str),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        user = request.user if request.user.is_authenticated else None
        form = DashboardFilterForm(
            request.query_params or None, jurisdiction=scoping.jurisdiction_of(user)
        )
        if request.query_params and not form.is_valid():
            return Response(form.errors, status=400)
        figures = stats.stats_for(user=user, filters=form.stats_filter())  # type: ignore[arg-type]
        return Response(figures)
