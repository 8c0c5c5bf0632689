"""API of the match workflow: /api/matches/..., /api/notifications/, /api/stats/.

One APIView per operation, nested Input/Output serializers, services do the work; their
ValidationError/PermissionDenied become 400/403 JSON in portal.api.exception_handler.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.notifications import (
    notification_list_for,
    notification_mark_all_read,
    notification_mark_read,
    notification_unread_count,
)
from matching.models import (
    ContractType,
    FollowUpChannel,
    Match,
    MatchSide,
    MatchStatus,
    PairKind,
    RejectReason,
)
from matching.pairs import followups, parties
from matching.pairs import selectors as sel
from matching.pairs import services as workflow
from portal.access import can_see_contact
from portal.api import Pagination


class _NeedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    region_code = serializers.CharField()


class _ResultRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class _ExpertRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _ResponseSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=MatchSide.choices)
    accepted = serializers.BooleanField()
    reason = serializers.CharField()


class _ContractSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    date = serializers.DateField()
    type = serializers.CharField()
    registration_no = serializers.CharField()


class _LandedSerializer(serializers.Serializer):
    summary = serializers.CharField()
    date = serializers.DateField()


class MatchOutputSerializer(serializers.Serializer):
    """A pair as its viewer may see it (contacts only once both sides accepted).

    The declared fields document the shape in the OpenAPI schema; to_representation builds
    it, because what a viewer sees (contacts) depends on who asks.
    """

    id = serializers.IntegerField(read_only=True)
    direction = serializers.ChoiceField(
        choices=PairKind.choices, read_only=True, help_text="need_result or need_expert"
    )
    status = serializers.ChoiceField(choices=MatchStatus.choices, read_only=True)
    status_label = serializers.CharField(read_only=True)
    score = serializers.FloatField(read_only=True)
    need = _NeedRefSerializer(read_only=True)
    result = _ResultRefSerializer(read_only=True, allow_null=True)
    expert = _ExpertRefSerializer(read_only=True, allow_null=True)
    explanation = serializers.JSONField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    responses = _ResponseSerializer(many=True, read_only=True)
    contacts_shared = serializers.BooleanField(read_only=True)
    need_contact = serializers.JSONField(read_only=True, allow_null=True)
    offer_contact = serializers.JSONField(read_only=True, allow_null=True)
    contract = _ContractSerializer(read_only=True, allow_null=True)
    landed = _LandedSerializer(read_only=True, allow_null=True)

    def to_representation(self, match: Match) -> dict[str, Any]:
        user = self.context["request"].user
        offer = parties.offer_of(match)
        case = getattr(match, "case", None)
        shared = sel.pair_contacts_visible(user=user, match=match)
        data: dict[str, Any] = {
            "id": match.pk,
            "direction": match.kind,
            "status": match.status,
            "status_label": str(MatchStatus(match.status).label),
            "score": match.score,
            "need": {
                "id": match.need_id,
                "title": match.need.title,
                "region_code": match.need.region_code,
            },
            "result": {"id": offer.pk, "title": offer.title} if match.result_id else None,
            "expert": {"id": offer.pk, "name": str(offer)} if match.expert_id else None,
            "explanation": match.explanation,
            "created_at": match.created_at,
            "decided_at": match.decided_at,
            "responses": [
                {"side": r.side, "accepted": r.accepted, "reason": r.reason}
                for r in match.responses.all()
            ],
            "contacts_shared": bool(case and case.contacts_shared_at),
            "need_contact": sel.contact_of(match.need)
            if shared or can_see_contact(user, match.need)
            else None,
            "offer_contact": sel.contact_of(offer)
            if shared or can_see_contact(user, offer)
            else None,
            "contract": None,
            "landed": None,
        }
        if case is not None and case.contract_date:
            data["contract"] = {
                "amount": str(case.contract_amount),
                "date": case.contract_date.isoformat(),
                "type": case.contract_type,
                "registration_no": case.contract_reg_no,
            }
        if case is not None and case.landed_date:
            data["landed"] = {"summary": case.landed_summary, "date": case.landed_date.isoformat()}
        return data


def _out(request: Request, match: Match, **extra: Any) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    fresh = sel.match_list_visible_to(user=user).filter(pk=match.pk).first() or match
    return {**MatchOutputSerializer(fresh, context={"request": request}).data, **extra}


class MatchListCreateApi(APIView):
    """GET: pairs visible to the user (filters status, direction, field, region).
    POST: a manual pair (staff), created approved."""

    permission_classes = [IsAuthenticated]
    # Read by get() and by drf-spectacular, which declares the paginated envelope from it.
    pagination_class = Pagination

    @extend_schema_serializer(component_name="MatchListCreateInput")
    class InputSerializer(serializers.Serializer):
        need = serializers.IntegerField()
        result = serializers.IntegerField(required=False, allow_null=True)
        expert = serializers.IntegerField(required=False, allow_null=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def get_queryset(self, request: Request) -> QuerySet[Match]:
        params = request.query_params
        return (
            sel.match_filter(
                sel.match_list_visible_to(user=request.user),  # type: ignore[arg-type]
                status=params.get("status", ""),
                direction=params.get("direction", ""),
                field=params.get("field", ""),
                region=params.get("region", ""),
            )
            .prefetch_related("responses")
            .order_by("-score", "id")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="逗号分隔的阶段"),
            OpenApiParameter("direction", str, enum=PairKind.values),
            OpenApiParameter("field", str, description="技术领域代码"),
            OpenApiParameter("region", str, description="行政区划代码前缀"),
        ],
        responses=MatchOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(self.get_queryset(request), request, view=self)
        sel.pair_people_load(page or [])
        data = MatchOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=InputSerializer, responses={201: MatchOutputSerializer})
    def post(self, request: Request) -> Response:
        workflow.require_broker(request.user)  # type: ignore[arg-type]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = workflow.match_create_manual(
            user=request.user,  # type: ignore[arg-type]
            need_id=data.validated_data["need"],
            result_id=data.validated_data.get("result"),
            expert_id=data.validated_data.get("expert"),
            note=data.validated_data.get("note", ""),
        )
        return Response(_out(request, match), status=status.HTTP_201_CREATED)


class MatchDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MatchOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        match = sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        return Response(_out(request, match))


class MatchApproveApi(APIView):
    """Approve a suggestion; a pair already decided answers 409 and nothing changes."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="MatchApproveInput")
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    @extend_schema(request=InputSerializer, responses=MatchOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = workflow.match_approve(
            match_id=pk,
            user=request.user,  # type: ignore[arg-type]
            note=data.validated_data.get("note", ""),
        )
        return Response(_out(request, match))


class MatchRejectApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="MatchRejectInput")
    class InputSerializer(serializers.Serializer):
        reason_code = serializers.ChoiceField(choices=RejectReason.choices)
        reason_text = serializers.CharField(required=False, allow_blank=True, max_length=500)

    @extend_schema(request=InputSerializer, responses=MatchOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = workflow.match_reject(
            match_id=pk,
            user=request.user,  # type: ignore[arg-type]
            reason_code=data.validated_data["reason_code"],
            reason_text=data.validated_data.get("reason_text", ""),
        )
        return Response(_out(request, match))


class MatchRespondApi(APIView):
    """A side accepts or declines ({"accept": true|false, "reason": ...}); staff may answer
    for a side with "side": "need"|"offer"."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="MatchRespondInput")
    class InputSerializer(serializers.Serializer):
        accept = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
        side = serializers.ChoiceField(choices=MatchSide.choices, required=False)

    @extend_schema(request=InputSerializer, responses=MatchOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workflow.match_respond(
            match_id=pk,
            user=request.user,  # type: ignore[arg-type]
            accept=data.validated_data["accept"],
            reason=data.validated_data.get("reason", ""),
            side=data.validated_data.get("side"),
        )
        match = sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        return Response(_out(request, match))


class MatchAdvanceApi(APIView):
    """Move a pair to the next stage with that stage's fields (staff)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="MatchAdvanceInput")
    class InputSerializer(serializers.Serializer):
        # Every stage but "suggested" (nothing moves back to it).
        stage = serializers.ChoiceField(
            choices=[c for c in MatchStatus.choices if c[0] != MatchStatus.SUGGESTED]
        )
        note = serializers.CharField(required=False, allow_blank=True, max_length=1000)
        contract_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, required=False, allow_null=True
        )
        contract_date = serializers.DateField(required=False, allow_null=True)
        contract_type = serializers.ChoiceField(
            choices=ContractType.choices, required=False, allow_blank=True
        )
        contract_reg_no = serializers.CharField(required=False, allow_blank=True, max_length=50)
        landed_summary = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        landed_date = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses=MatchOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        match = workflow.match_advance(
            match_id=pk,
            user=request.user,  # type: ignore[arg-type]
            stage=values.pop("stage"),
            note=values.pop("note", ""),
            **values,
        )
        return Response(_out(request, match))


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    date = serializers.DateField()
    channel = serializers.ChoiceField(choices=FollowUpChannel.choices)
    summary = serializers.CharField(max_length=2000)
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=500)
    next_contact_date = serializers.DateField(required=False, allow_null=True)
    by = serializers.CharField(read_only=True, source="by.__str__", default=None)
    created_at = serializers.DateTimeField(read_only=True)


class MatchFollowUpListCreateApi(APIView):
    """GET: the pair's follow-ups, newest first, a page at a time (staff of the region);
    POST: log one."""

    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(responses=FollowUpSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        match = sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        if parties.role_of(match, request.user) != parties.STAFF:  # type: ignore[arg-type]
            from django.core.exceptions import PermissionDenied
            from django.utils.translation import gettext as _

            raise PermissionDenied(_("只有辖区内的科技局工作人员可以查看跟进记录。"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(match.followups.select_related("by"), request, view=self)
        return paginator.get_paginated_response(FollowUpSerializer(page, many=True).data)

    @extend_schema(request=FollowUpSerializer, responses={201: FollowUpSerializer})
    def post(self, request: Request, pk: int) -> Response:
        sel.get_match_for_user(user=request.user, match_id=pk)  # type: ignore[arg-type]
        data = FollowUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        followup = followups.followup_create(
            match_id=pk,
            user=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.BooleanField()


class NotificationPagination(Pagination):
    """The inbox's pages carry the user's unread count beside them (for the badge)."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread"] = {"type": "integer", "minimum": 0, "example": 2}
        paginated["required"] = [*paginated.get("required", []), "unread"]
        return paginated


class NotificationListApi(APIView):
    """The user's inbox, newest first (?unread=1 for unread only), with the unread count."""

    permission_classes = [IsAuthenticated]
    pagination_class = NotificationPagination

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool)],
        responses=NotificationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        qs = notification_list_for(user=user)
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        response = paginator.get_paginated_response(NotificationSerializer(page, many=True).data)
        response.data["unread"] = notification_unread_count(user=user)
        return response


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = notification_mark_read(user=request.user, notification_id=pk)  # type: ignore[arg-type]
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request) -> Response:
        count = notification_mark_all_read(user=request.user)  # type: ignore[arg-type]
        return Response({"marked": count, "unread": 0})
