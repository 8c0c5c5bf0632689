"""API of the matching engine: a posting's recommendations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from matching.lists import selectors
from matching.lists import services
from matching.lists.explain import explanation_summary
from matching.models import Match, MatchDirection, MatchStatus
from portal.access import hidden_fields


class CounterpartSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    region_code = serializers.CharField()
    organization = serializers.CharField(allow_null=True)


class ExplanationPartSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="lexical, topic, field, region, maturity, ...")
    title = serializers.CharField(help_text="中文名称")
    contribution = serializers.FloatField(help_text="points added to the score (may be < 0)")
    value = serializers.FloatField(allow_null=True, help_text="factor value in [0, 1]")


class RecommendationListApi(APIView):
    """Top matches computed for one need, result or expert, best first per direction.

    Visible to the posting's owners and to bureau staff whose jurisdiction covers it;
    anyone else gets 404. Owners do not see pairs staff rejected or closed.
    """

    permission_classes = [IsAuthenticated]
    kind = ""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        direction = serializers.ChoiceField(choices=MatchDirection.choices)
        status = serializers.ChoiceField(choices=MatchStatus.choices)
        score = serializers.FloatField()
        rank = serializers.IntegerField()
        counterpart = CounterpartSerializer()
        shared_terms = serializers.ListField(child=serializers.CharField())
        parts = ExplanationPartSerializer(many=True)
        updated_at = serializers.DateTimeField()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit", int, description="每个方向最多返回的条数 (default MATCHING_TOP_K)"
            )
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request.user
        assert isinstance(user, User)
        selectors.posting_for_recommendations(user=user, kind=self.kind, pk=pk)
        try:
            limit = max(1, min(int(request.query_params.get("limit", services.top_k())), 100))
        except ValueError:
            limit = services.top_k()
        items: list[dict[str, Any]] = []
        for direction, target_kind in services.TARGETS[self.kind]:
            matches = selectors.match_list_for_document(user=user, kind=self.kind, pk=pk).filter(
                direction=direction
            )[:limit]
            items.extend(self._item(m, user, target_kind) for m in matches)
        return Response(self.OutputSerializer(items, many=True).data)

    @staticmethod
    def _item(match: Match, user: User, target_kind: str) -> dict[str, Any]:
        other: Any = match.counterpart
        hidden = hidden_fields(user, other)
        organization = None if "organization" in hidden else other.organization
        summary = explanation_summary(match.explanation)
        return {
            "id": match.pk,
            "direction": match.direction,
            "status": match.status,
            "score": match.score,
            "rank": match.rank,
            "counterpart": {
                "kind": target_kind,
                "id": other.pk,
                "title": str(other),
                "region_code": other.region_code,
                "organization": organization.name if organization else None,
            },
            "shared_terms": summary.terms,
            "parts": [
                {
                    "name": p.name,
                    "title": p.label,
                    "contribution": p.contribution,
                    "value": p.value,
                }
                for p in summary.parts
            ],
            "updated_at": match.updated_at,
        }


class NeedRecommendationListApi(RecommendationListApi):
    kind = "need"


class ResultRecommendationListApi(RecommendationListApi):
    kind = "result"


class ExpertRecommendationListApi(RecommendationListApi):
    kind = "expert"
