"""Serializers of the challenge-list and competition API: programmes, their stages, criteria,
groups and challenges (榜题), the public result and the figures. Shapes in and out only; the
rules live in the services. Entries, reviews, objections and milestones are in
:mod:`portal.challenges.serializers_entries`.

Needs, results and experts are named only where the viewer may see them (the events API's
``PostingGate`` in the context decides).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.apis.serializers import (
    DeadlineField,
    OrganizationRefSerializer,
    PostingRefSerializer,
)
from portal.challenges.models import (
    Challenge,
    Criterion,
    Entry,
    Group,
    Member,
    Programme,
    Stage,
)
from portal.challenges.selectors import challenge_stats, entry_list_visible_to
from portal.challenges.services import can_manage
from portal.events.serializers import PostingGate
from portal.models import TechField

MAX_ID = 2**31 - 1
MAX_IDS = 1000


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """An amount in 万元, never negative."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, **kwargs)


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def ids_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=id_field(), max_length=MAX_IDS, **kwargs)


def choice_out(choices: Any, **kwargs: Any) -> serializers.CharField:
    """A choice in an output, its values listed in the schema (the enum stays on inputs)."""
    values = "、".join(map(str, choices.values))
    return serializers.CharField(help_text=f"取值：{values}", **kwargs)


def lead_first(entry: Entry) -> list[Member]:
    """The entry's units, the lead first (the model's ordering puts it last)."""
    members = entry.members.all()
    return sorted(members, key=lambda m: (m.role != Member.Role.LEAD, m.pk))


class RefSerializer(serializers.Serializer):
    """A stage, group or challenge named by id (the challenge by its title)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class GatedMixin:
    """Names a need, result or expert only where the viewer may (null otherwise)."""

    context: dict[str, Any]

    def ref(self, posting: Any) -> dict[str, Any] | None:
        gate = self.context.get("gate")
        if gate is None:
            user = self.context["request"].user
            gate = PostingGate(user if user.is_authenticated else None)
            self.context["gate"] = gate
        return gate.ref(posting)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ stages, groups, items


class ProgrammeCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ("id", "name", "weight", "max_score")


class ProgrammeStageSerializer(serializers.ModelSerializer):
    status = choice_out(Stage.Status)
    status_label = serializers.CharField(source="get_status_display")
    criteria = ProgrammeCriterionSerializer(many=True, source="criteria.all")

    class Meta:
        model = Stage
        fields = (
            *("id", "order", "name", "cut_top_n", "cut_score", "status", "status_label"),
            *("closed_at", "override_reason", "criteria"),
        )


class ProgrammeGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ("id", "name")


class ChallengeItemSerializer(GatedMixin, serializers.ModelSerializer):
    """A challenge (榜题) and how many bids it has (counts only)."""

    need = serializers.SerializerMethodField(help_text="来源需求（不可见时为空）")
    bids = serializers.SerializerMethodField(help_text="有效揭榜方案数")

    class Meta:
        model = Challenge
        fields = (
            *("id", "title", "problem", "targets", "funding", "duration_months"),
            *("eligibility", "deadline", "need", "bids", "created_at"),
        )

    @extend_schema_field(PostingRefSerializer(allow_null=True))
    def get_need(self, challenge: Challenge) -> dict[str, Any] | None:
        return self.ref(challenge.need)

    def get_bids(self, challenge: Challenge) -> int:
        return int(challenge_stats(challenge=challenge)["bids"])


class ChallengeInputSerializer(serializers.Serializer):
    """A challenge from a published need (its title, problem and budget are the defaults),
    or written here in the given technology fields (it then enters the need register)."""

    need_id = id_field(required=False, allow_null=True, help_text="来源需求编号（已发布）")
    title = serializers.CharField(max_length=200, required=False)
    problem = serializers.CharField(max_length=10000, required=False)
    targets = serializers.CharField(max_length=5000, required=False)
    funding = money_field(required=False, help_text="支持经费（万元）")
    duration_months = serializers.IntegerField(min_value=1, max_value=120, required=False)
    eligibility = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    deadline = DeadlineField(required=False, allow_null=True)
    keywords = serializers.CharField(max_length=300, required=False, allow_blank=True)
    field_ids = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=TechField.objects.filter(is_active=True),
        required=False,
        pk_field=id_field(),
        help_text="技术领域编号（不选来源需求时必填）",
        error_messages={"does_not_exist": _("技术领域 {pk_value} 不存在。")},
    )


class InviteInputSerializer(serializers.Serializer):
    result_ids = ids_field(default=list, help_text="推荐成果编号")
    expert_ids = ids_field(default=list, help_text="推荐专家编号")


class SelectInputSerializer(serializers.Serializer):
    entry = id_field(allow_null=True, help_text="入选的揭榜方案编号；为空表示本题无人入选")
    reason = serializers.CharField(max_length=1000, allow_blank=True)
    override_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="",
        help_text="评审意见未全部提交时先行评定的理由",
    )  # fmt: skip


# ---------------------------------------------------------------------------- programmes


class PublicEntrySerializer(serializers.ModelSerializer):
    """An entry of the public result (公示/结果): its title and units, nothing more."""

    challenge = serializers.SerializerMethodField()
    group = ProgrammeGroupSerializer(allow_null=True)
    lead = OrganizationRefSerializer()
    units = serializers.SerializerMethodField(help_text="联合体全部单位")
    status = choice_out(Entry.Status)
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = Entry
        fields = (
            *("id", "title", "challenge", "group", "lead", "units", "status", "status_label"),
            *("rank", "prize"),
        )

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_challenge(self, entry: Entry) -> dict[str, Any] | None:
        challenge = entry.challenge
        return None if challenge is None else {"id": challenge.pk, "name": challenge.title}

    @extend_schema_field(OrganizationRefSerializer(many=True))
    def get_units(self, entry: Entry) -> list[dict[str, Any]]:
        return [{"id": m.organization_id, "name": m.organization.name} for m in lead_first(entry)]


class ProgrammeOutputSerializer(serializers.ModelSerializer):
    kind = choice_out(Programme.Kind)
    kind_label = serializers.CharField(source="get_kind_display")
    region_name = serializers.CharField()
    status = choice_out(Programme.Status)
    status_label = serializers.CharField(source="get_status_display")
    entries_open = serializers.BooleanField()
    objections_open = serializers.BooleanField()
    can_manage = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields: tuple[str, ...] = (
            *("id", "kind", "kind_label", "title", "summary", "region_code", "region_name"),
            *("organizer_name", "period_start", "period_end", "entry_deadline"),
            *("objection_days", "prize_pool", "status", "status_label", "published_at"),
            *("publicity_start", "publicity_end", "finalized_at", "entries_open"),
            *("objections_open", "can_manage"),
        )

    def get_can_manage(self, programme: Programme) -> bool:
        return can_manage(self.context["request"].user, programme)


class ProgrammeDetailSerializer(ProgrammeOutputSerializer):
    stages = ProgrammeStageSerializer(many=True, source="stages.all")
    groups = ProgrammeGroupSerializer(many=True, source="groups.all")
    challenges = ChallengeItemSerializer(many=True, source="challenges.all")
    result = serializers.SerializerMethodField(help_text="公示期起公开的入选/获奖项目")

    class Meta(ProgrammeOutputSerializer.Meta):
        fields = (*ProgrammeOutputSerializer.Meta.fields, "stages", "groups", "challenges")
        fields = (*fields, "result")

    @extend_schema_field(PublicEntrySerializer(many=True))
    def get_result(self, programme: Programme) -> list[dict[str, Any]]:
        public = entry_list_visible_to(user=None, programme=programme)
        rows = public.select_related("challenge", "group", "lead").order_by("challenge", "rank")
        rows = rows.prefetch_related("members__organization")
        return PublicEntrySerializer(rows, many=True, context=self.context).data  # type: ignore[return-value]


class CriterionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, help_text="权重（%）"
    )
    max_score = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class StageInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    cut_top_n = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text="每组晋级名额"
    )
    cut_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, help_text="晋级分数线"
    )
    criteria = CriterionInputSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]


class ProgrammeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Programme.Kind.choices)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    region_code = serializers.CharField(max_length=6, required=False, help_text="默认本局地区")
    organizer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    entry_deadline = DeadlineField()
    objection_days = serializers.IntegerField(min_value=1, max_value=30, required=False)
    prize_pool = money_field(required=False, allow_null=True)
    groups = serializers.ListField(
        child=serializers.CharField(max_length=50),
        max_length=50,
        default=list,
        help_text="大赛组别名称",
    )
    stages = StageInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=20,
        help_text="评审阶段（揭榜挂帅榜单至多一个，不填用默认指标）",
    )


# --------------------------------------------------------------------------------- stats


class ProgrammeStatsSerializer(serializers.Serializer):
    challenges = serializers.IntegerField()
    entries = serializers.IntegerField()
    entries_per_challenge = serializers.FloatField(allow_null=True)
    consortium_share = serializers.FloatField()
    awarded = serializers.IntegerField()
    awarded_funding = serializers.DecimalField(max_digits=14, decimal_places=2)
    prizes = serializers.DecimalField(max_digits=14, decimal_places=2)
    milestones = serializers.IntegerField()
    milestones_done = serializers.IntegerField()
    milestones_overdue = serializers.IntegerField()
