"""Serializers of the 1:1 meetings in the API: requests, meetings, pins, outcomes and the
schedule run."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.apis.serializers import (
    ExpertRefSerializer,
    OrganizationRefSerializer,
    PostingRefSerializer,
)
from portal.events.models import (
    Meeting,
    MeetingRequest,
    ScheduleRun,
)
from portal.events.schedule import REASON_LABELS
from portal.events.serializers import (
    EventSlotSerializer,
    EventVenueSerializer,
    VenueRefSerializer,
    _choice,
    _Gated,
    _id,
    _number,
)

# ------------------------------------------------------------------ requests and meetings


class PartySerializer(serializers.Serializer):
    registration = serializers.IntegerField(source="pk")
    organization = OrganizationRefSerializer()


class MeetingPlaceSerializer(serializers.ModelSerializer):
    slot = EventSlotSerializer()
    venue = VenueRefSerializer()

    class Meta:
        model = Meeting
        fields = ("id", "slot", "venue", "table", "pinned")


class _AboutSerializer(_Gated, serializers.ModelSerializer):
    """The need and the offer a request or meeting is about (null where not shown)."""

    need = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    expert = serializers.SerializerMethodField()

    def _req(self, obj: Any) -> MeetingRequest:
        return obj if isinstance(obj, MeetingRequest) else obj.request  # type: ignore[no-any-return]

    @extend_schema_field(PostingRefSerializer(allow_null=True))
    def get_need(self, obj: Any) -> dict[str, Any] | None:
        return self.ref(self._req(obj).need)

    @extend_schema_field(PostingRefSerializer(allow_null=True))
    def get_result(self, obj: Any) -> dict[str, Any] | None:
        return self.ref(self._req(obj).result)

    @extend_schema_field(ExpertRefSerializer(allow_null=True))
    def get_expert(self, obj: Any) -> dict[str, Any] | None:
        return self.ref(self._req(obj).expert)


class MeetingRequestOutputSerializer(_AboutSerializer):
    status = _choice(MeetingRequest.Status)
    origin_label = serializers.CharField(source="get_origin_display")
    status_label = serializers.CharField(source="get_status_display")
    requester = PartySerializer()
    invitee = PartySerializer()
    match = serializers.IntegerField(source="match_id", allow_null=True)
    unplaced_label = serializers.SerializerMethodField()
    meeting = MeetingPlaceSerializer(allow_null=True, default=None)

    class Meta:
        model = MeetingRequest
        fields = (
            *("id", "origin", "origin_label", "status", "status_label", "requester"),
            *("invitee", "need", "result", "expert", "match", "score", "message"),
            *("decline_reason", "unplaced_reason", "unplaced_label", "meeting", "created_at"),
            "responded_at",
        )

    def get_unplaced_label(self, request: MeetingRequest) -> str:
        return str(REASON_LABELS.get(request.unplaced_reason, request.unplaced_reason))


class MeetingRequestInputSerializer(serializers.Serializer):
    invitee = _id(source="invitee_id", help_text="对方的报名编号")
    need_id = _id(required=False, allow_null=True)
    result_id = _id(required=False, allow_null=True)
    expert_id = _id(required=False, allow_null=True)
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PinInputSerializer(serializers.Serializer):
    slot = _id(source="slot_id")
    venue = _id(source="venue_id")
    table = _number()


class MeetingOutputSerializer(_AboutSerializer):
    request = serializers.IntegerField(source="request_id")
    slot = EventSlotSerializer()
    venue = EventVenueSerializer()
    requester = PartySerializer(source="request.requester")
    invitee = PartySerializer(source="request.invitee")
    outcome_label = serializers.CharField(source="get_outcome_display")
    match = serializers.IntegerField(source="request.match_id", allow_null=True)
    match_status = serializers.CharField(
        source="request.match.status", default=None, allow_null=True, help_text="配对当前阶段"
    )

    class Meta:
        model = Meeting
        fields = (
            *("id", "request", "slot", "venue", "table", "pinned", "requester", "invitee"),
            *("need", "result", "expert", "outcome", "outcome_label", "outcome_note"),
            *("contract_amount", "match", "match_status"),
        )


class OutcomeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Meeting.Outcome.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    need_id = _id(required=False, allow_null=True)
    result_id = _id(required=False, allow_null=True)
    expert_id = _id(required=False, allow_null=True)
    contract_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )


class UnplacedSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    reason = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class ScheduleRunSerializer(serializers.ModelSerializer):
    gap = serializers.FloatField()
    unplaced = serializers.SerializerMethodField()

    class Meta:
        model = ScheduleRun
        fields = (
            *("id", "created_at", "requests", "placed", "pinned", "value", "bound", "gap"),
            *("optimal", "seconds", "solver_status", "unplaced"),
        )

    @extend_schema_field(UnplacedSerializer(many=True))
    def get_unplaced(self, run: ScheduleRun) -> list[dict[str, Any]]:
        label = REASON_LABELS.get
        return [{**row, "label": str(label(row["reason"], row["reason"]))} for row in run.unplaced]


class SchedulePublishSerializer(serializers.Serializer):
    notified = serializers.IntegerField()
    schedule_published_at = serializers.DateTimeField()
