"""Serializers of the dispatch API (产业特派员): shapes in and out only; the rules live in
:mod:`portal.dispatch.services`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.apis.serializers import (
    AttachmentRefSerializer,
    ExpertRefSerializer,
    PostingRefSerializer,
)
from portal.dispatch import selectors
from portal.dispatch.assignment import REASON_LABELS
from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit, Volunteer

MAX_ID = 2**31 - 1
MAX_IDS = 1000


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _ids(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=_id(), max_length=MAX_IDS, **kwargs)


def _number(**kwargs: Any) -> serializers.IntegerField:
    """A count whose range the services check; bounded only so no database overflows."""
    return serializers.IntegerField(min_value=-MAX_ID, max_value=MAX_ID, **kwargs)


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code)


# ---------------------------------------------------------------------------------- rounds


class RoundInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    region_code = serializers.CharField(max_length=6, required=False, allow_blank=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    min_score = serializers.FloatField(min_value=0, max_value=1000, required=False)
    visit_due_days = _number(required=False)
    field_ids = _ids(required=False)


class RoundOutputSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="取值：" + "、".join(Round.Status.values)
    )
    region_name = serializers.CharField(read_only=True)
    field_ids = serializers.SerializerMethodField()
    enterprise_count = serializers.IntegerField(read_only=True)
    volunteer_count = serializers.IntegerField(read_only=True)
    assignment_count = serializers.IntegerField(read_only=True)
    can_manage = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = (
            "id",
            "title",
            "summary",
            "region_code",
            "region_name",
            "field_ids",
            "period_start",
            "period_end",
            "min_score",
            "visit_due_days",
            "status",
            "solved_at",
            "published_at",
            "enterprise_count",
            "volunteer_count",
            "assignment_count",
            "can_manage",
        )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_field_ids(self, obj: Round) -> list[int]:
        return [f.pk for f in obj.fields.all()]

    def get_can_manage(self, obj: Round) -> bool:
        from portal.dispatch.services import can_manage

        request = self.context.get("request")
        return can_manage(getattr(request, "user", None), obj)


# ----------------------------------------------------------------- enterprises, volunteers


class EnterprisesAddInputSerializer(serializers.Serializer):
    organization_ids = _ids(
        required=False, help_text="要添加的企业；省略则添加本地区所有有开放需求的企业"
    )


class DispatchAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField()


class ExclusionsInputSerializer(serializers.Serializer):
    organization_ids = _ids(allow_empty=True)


class EnterpriseOutputSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    excluded = serializers.SerializerMethodField()
    unserved_label = serializers.SerializerMethodField()

    class Meta:
        model = RoundEnterprise
        fields = (
            "id",
            "organization",
            "needs",
            "excluded",
            "unserved_reason",
            "unserved_label",
            "added_at",
        )

    @extend_schema_field(ExpertRefSerializer)
    def get_organization(self, obj: RoundEnterprise) -> dict[str, Any]:
        return {"id": obj.organization_id, "name": obj.organization.name}

    @extend_schema_field(PostingRefSerializer(many=True))
    def get_needs(self, obj: RoundEnterprise) -> list[dict[str, Any]]:
        return [{"id": n.pk, "title": n.title} for n in obj.needs.all()]

    @extend_schema_field(ExpertRefSerializer(many=True))
    def get_excluded(self, obj: RoundEnterprise) -> list[dict[str, Any]]:
        return [{"id": o.pk, "name": o.name} for o in obj.excluded.all()]

    def get_unserved_label(self, obj: RoundEnterprise) -> str:
        return reason_label(obj.unserved_reason) if obj.unserved_reason else ""


class VolunteerInputSerializer(serializers.Serializer):
    capacity = _number()
    field_ids = _ids()
    districts = serializers.ListField(child=serializers.CharField(max_length=6), max_length=MAX_IDS)


class VolunteerOutputSerializer(serializers.ModelSerializer):
    expert = serializers.SerializerMethodField()
    field_ids = serializers.SerializerMethodField()
    districts = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Volunteer
        fields = ("id", "expert", "capacity", "field_ids", "districts", "created_at")

    @extend_schema_field(ExpertRefSerializer)
    def get_expert(self, obj: Volunteer) -> dict[str, Any]:
        return {"id": obj.expert_id, "name": obj.expert.name}

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_field_ids(self, obj: Volunteer) -> list[int]:
        return [f.pk for f in obj.fields.all()]


# ------------------------------------------------------------------ solution, assignments


class DispatchPairSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text="服务企业（RoundEnterprise）")
    volunteer = serializers.IntegerField(help_text="报名专家（Volunteer）")


class UnservedSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    reason = serializers.CharField(help_text="取值：" + "、".join(REASON_LABELS))
    reason_label = serializers.CharField()


class SolutionSerializer(serializers.Serializer):
    assigned = DispatchPairSerializer(many=True)
    unserved = UnservedSerializer(many=True)
    value = serializers.FloatField()
    optimal = serializers.BooleanField()
    seconds = serializers.FloatField()


def solution_data(solution: Any) -> dict[str, Any]:
    return {
        "assigned": [{"enterprise": e, "volunteer": v} for e, v in solution.assigned],
        "unserved": [
            {"enterprise": e, "reason": r, "reason_label": reason_label(r)}
            for e, r in solution.unserved
        ],
        "value": solution.value,
        "optimal": solution.optimal,
        "seconds": solution.seconds,
    }


class DispatchPinInputSerializer(serializers.Serializer):
    enterprise = _id()
    volunteer = _id()


class AssignmentOutputSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()
    expert = serializers.SerializerMethodField()
    need = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = (
            "id",
            "enterprise",
            "organization",
            "volunteer",
            "expert",
            "score",
            "need",
            "pinned",
            "created_at",
        )

    @extend_schema_field(ExpertRefSerializer)
    def get_organization(self, obj: Assignment) -> dict[str, Any]:
        org = obj.enterprise.organization
        return {"id": org.pk, "name": org.name}

    @extend_schema_field(ExpertRefSerializer)
    def get_expert(self, obj: Assignment) -> dict[str, Any]:
        expert = obj.volunteer.expert
        return {"id": expert.pk, "name": expert.name}

    @extend_schema_field(PostingRefSerializer(allow_null=True))
    def get_need(self, obj: Assignment) -> dict[str, Any] | None:
        return {"id": obj.need.pk, "title": obj.need.title} if obj.need else None


# ---------------------------------------------------------------------------------- visits


class VisitInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    mode = serializers.CharField(max_length=10, help_text="取值：onsite、remote")
    problem = serializers.CharField(max_length=5000, allow_blank=True)
    advice = serializers.CharField(max_length=5000, allow_blank=True)
    next_step = serializers.CharField(max_length=500, required=False, allow_blank=True)
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=10,
        help_text="照片或报告（multipart 表单；PDF、图片或 Office 文件，按内容检查）",
    )


class VisitAttachInputSerializer(serializers.Serializer):
    attachments = serializers.ListField(child=serializers.FileField(), max_length=10)


class VisitAttachmentSerializer(AttachmentRefSerializer):
    def get_url(self, obj: Any) -> str:
        return reverse("dispatch:visit-attachment", args=[obj.object_id, obj.pk])


class VisitOutputSerializer(serializers.ModelSerializer):
    mode = serializers.CharField(read_only=True, help_text="取值：onsite、remote")
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(VisitAttachmentSerializer(many=True))
    def get_attachments(self, obj: Visit) -> list[dict[str, Any]]:
        rows = selectors.visit_attachments(obj)
        return VisitAttachmentSerializer(rows, many=True).data  # type: ignore[return-value]

    class Meta:
        model = Visit
        fields = (
            "id",
            "assignment",
            "date",
            "mode",
            "problem",
            "advice",
            "next_step",
            "created_at",
            "confirmed_at",
            "rating",
            "rating_comment",
            "match",
            "attachments",
        )


class RateInputSerializer(serializers.Serializer):
    rating = _number()
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ProposeInputSerializer(serializers.Serializer):
    need = _id()
    result = _id(required=False, allow_null=True)


# ---------------------------------------------------------------------------------- ledger


class LedgerCountsSerializer(serializers.Serializer):
    enterprises = serializers.IntegerField(help_text="服务企业数")
    visits = serializers.IntegerField(help_text="服务次数")
    confirmed = serializers.IntegerField(help_text="企业已确认的服务次数（解决的问题）")
    pairs = serializers.IntegerField(help_text="促成的对接")
    contracts = serializers.IntegerField(help_text="其中已签约或已落地")


class LedgerExpertSerializer(LedgerCountsSerializer):
    expert = ExpertRefSerializer()
    institute = serializers.CharField(help_text="专家所在单位")
    capacity = serializers.IntegerField(help_text="可服务企业数（各批次之和）")
    rating = serializers.FloatField(allow_null=True, help_text="平均评分")
    load = serializers.FloatField(allow_null=True, help_text="服务企业数 / 可服务企业数")


class LedgerInstituteSerializer(LedgerCountsSerializer):
    institute = serializers.CharField()


class LedgerCoverageSerializer(serializers.Serializer):
    field = serializers.CharField()
    district = serializers.CharField()
    to_serve = serializers.IntegerField()
    served = serializers.IntegerField()
    experts = serializers.IntegerField(help_text="为该领域、区县企业服务的专家数")


class LedgerLoadSerializer(serializers.Serializer):
    field = serializers.CharField()
    experts = serializers.IntegerField()
    capacity = serializers.IntegerField()
    assigned = serializers.IntegerField()
    load = serializers.FloatField(allow_null=True)


class LedgerSerializer(serializers.Serializer):
    experts = LedgerExpertSerializer(many=True)
    institutes = LedgerInstituteSerializer(many=True)
    coverage = LedgerCoverageSerializer(many=True)
    load = LedgerLoadSerializer(many=True)


def ledger_data(book: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    experts = [
        {**row, "expert": {"id": row["expert"].pk, "name": row["expert"].name}}
        for row in book["experts"]
    ]
    return {**book, "experts": experts}
