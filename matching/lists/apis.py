"""API of the matching engine: a posting's recommendations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from matching.lists import documents, selectors
from matching.lists.explain import explanation_summary
from matching.models import MatchStatus
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
    """A need's, result's or expert's recommendation lists, best first per kind of pair.

    Visible to the posting's owners and to bureau staff whose jurisdiction covers it;
    anyone else gets 404. Staff see the engine's list with scores; owners see the pairs staff
    took up, with their stage (scores only with ``MATCHING_SELF_SERVICE``). The same pair
    has the same ``id`` and ``score`` in the lists of both of its sides.
    """

    permission_classes = [IsAuthenticated]
    kind = ""

    @extend_schema_serializer(component_name="RecommendationOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(help_text="the pair (the same from either side)")
        direction = serializers.CharField(help_text="need_result, need_expert, result_need …")
        status = serializers.ChoiceField(choices=MatchStatus.choices)
        score = serializers.FloatField(allow_null=True)
        rank = serializers.IntegerField()
        counterpart = CounterpartSerializer()
        shared_terms = serializers.ListField(child=serializers.CharField())
        parts = ExplanationPartSerializer(many=True)
        updated_at = serializers.DateTimeField()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit", int, description="每类最多返回的条数 (default MATCHING_TOP_K, max 100)"
            )
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request.user
        assert isinstance(user, User)
        selectors.posting_for_recommendations(user=user, kind=self.kind, pk=pk)
        try:
            limit = max(1, min(int(request.query_params.get("limit", documents.top_k())), 100))
        except ValueError:
            limit = documents.top_k()
        show_scores = selectors.user_sees_scores(user=user)
        lists = selectors.list_rows_for_document(user=user, kind=self.kind, pk=pk, limit=limit)
        items = [
            self._item(row, user, show_scores)
            for target in documents.TARGETS[self.kind]
            for row in lists.get(target, [])
        ]
        return Response(self.OutputSerializer(items, many=True).data)

    def _item(self, row: selectors.ListRow, user: User, show_scores: bool) -> dict[str, Any]:
        match, other = row.match, row.other
        assert other is not None
        hidden = hidden_fields(user, other)
        organization = None if "organization" in hidden else getattr(other, "organization", None)
        summary = explanation_summary(match.explanation) if show_scores else None
        return {
            "id": match.pk,
            "direction": f"{self.kind}_{row.target_kind}",
            "status": match.status,
            "score": match.score if show_scores else None,
            "rank": row.rank,
            "counterpart": {
                "kind": row.target_kind,
                "id": other.pk,
                "title": str(other),
                "region_code": other.region_code,
                "organization": organization.name if organization else None,
            },
            "shared_terms": summary.terms if summary else [],
            "parts": [
                {
                    "name": p.name,
                    "title": p.label,
                    "contribution": p.contribution,
                    "value": p.value,
                }
                for p in (summary.parts if summary else [])
            ],
            "updated_at": match.updated_at,
        }


class NeedRecommendationListApi(RecommendationListApi):
    kind = "need"


class ResultRecommendationListApi(RecommendationListApi):
    kind = "result"


class ExpertRecommendationListApi(RecommendationListApi):
    kind = "expert"
