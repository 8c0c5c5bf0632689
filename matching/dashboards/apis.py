"""API of the dashboards: the figures as JSON."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.dashboards import stats


class StatsApi(APIView):
    """The figures of the dashboard (staff: their jurisdiction) or the public statistics."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        user = request.user if request.user.is_authenticated else None
        return Response(stats.stats_for(user=user))  # type: ignore[arg-type]
