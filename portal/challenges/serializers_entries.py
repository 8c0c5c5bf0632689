"""Serializers of entries (bids and competition entries) with their consortium, reviews,
reviewers, conflicts, objections and milestones in the challenge API.

What an entry shows depends on who asks: its units, its reviewers and the managing staff see
the proposal, budget and consortium shares; anyone else sees it only in the public result
(公示), and then only its title and units. Scores are for staff; reviewers see reviews through
:func:`portal.challenges.reviews.reviews_visible_to`.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.apis.serializers import (
    ExpertRefSerializer,
    OrganizationRefSerializer,
    PostingRefSerializer,
)
from portal.challenges.entries import is_entrant, is_lead
from portal.challenges.models import (
    Conflict,
    Entry,
    Member,
    Milestone,
    Objection,
    Review,
    Reviewer,
)
from portal.challenges.reviews import _assignment, entry_score
from portal.challenges.serializers import (
    GatedMixin,
    ProgrammeStageSerializer,
    RefSerializer,
    choice_out,
    id_field,
    lead_first,
    money_field,
)
from portal.challenges.services import can_manage
from portal.events.serializers import UploadField


def _ref(obj: Any, name: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, name)}


def _person(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": str(user)}


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# -------------------------------------------------------------------------------- entries


class EntryMemberSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()
    role = choice_out(Member.Role)
    role_label = serializers.CharField(source="get_role_display")
    duty = serializers.CharField(allow_null=True)
    people = serializers.CharField(allow_null=True)
    budget_share = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Member
        fields: tuple[str, ...] = (
            "organization",
            "role",
            "role_label",
            "duty",
            "people",
            "budget_share",
        )
        fields = (*fields, "confirmed_at")


PRIVATE = ("proposal", "budget", "decision_reason", "follow_up", "follow_up_due", "match")


class EntryOutputSerializer(GatedMixin, serializers.ModelSerializer):
    """A bid or competition entry. Outside its units, reviewers and staff (the public result
    during and after publicity), the proposal, budget, shares and decision are null."""

    challenge = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField()
    lead = OrganizationRefSerializer()
    members = serializers.SerializerMethodField(help_text="牵头单位在前")
    result = serializers.SerializerMethodField()
    expert = serializers.SerializerMethodField()
    proposal = serializers.CharField(allow_null=True)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    status = choice_out(Entry.Status)
    status_label = serializers.CharField(source="get_status_display")
    decision_reason = serializers.CharField(allow_null=True)
    follow_up = serializers.BooleanField(allow_null=True)
    match = serializers.IntegerField(source="match_id", allow_null=True, help_text="对接配对编号")
    score = serializers.SerializerMethodField(help_text="本阶段平均加权得分（仅工作人员）")
    mine = serializers.SerializerMethodField(help_text="本单位参与（牵头或联合）")
    is_lead = serializers.SerializerMethodField(help_text="本单位牵头")

    class Meta:
        model = Entry
        fields = (
            *("id", "challenge", "group", "stage", "title", "proposal", "lead", "members"),
            *("result", "expert", "budget", "status", "status_label", "submitted_at"),
            *("decision_reason", "rank", "prize", "follow_up", "follow_up_due", "match"),
            *("score", "mine", "is_lead", "created_at", "updated_at"),
        )

    def _user(self) -> Any:
        return self.context["request"].user

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_challenge(self, entry: Entry) -> dict[str, Any] | None:
        return _ref(entry.challenge, "title")

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_group(self, entry: Entry) -> dict[str, Any] | None:
        return _ref(entry.group)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_stage(self, entry: Entry) -> dict[str, Any] | None:
        return _ref(entry.stage)

    @extend_schema_field(EntryMemberSerializer(many=True))
    def get_members(self, entry: Entry) -> list[dict[str, Any]]:
        return EntryMemberSerializer(lead_first(entry), many=True).data  # type: ignore[return-value]

    @extend_schema_field(PostingRefSerializer(allow_null=True))
    def get_result(self, entry: Entry) -> dict[str, Any] | None:
        return self.ref(entry.result)

    @extend_schema_field(ExpertRefSerializer(allow_null=True))
    def get_expert(self, entry: Entry) -> dict[str, Any] | None:
        return self.ref(entry.expert)

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True))
    def get_score(self, entry: Entry) -> str | None:
        if not can_manage(self._user(), entry.programme):
            return None
        score = entry_score(entry)
        return None if score is None else str(score)

    def get_mine(self, entry: Entry) -> bool:
        return is_entrant(self._user(), entry)

    def get_is_lead(self, entry: Entry) -> bool:
        return is_lead(self._user(), entry)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        user = self._user()
        insider = data["mine"] or can_manage(user, instance.programme)
        if not insider and not (user.is_authenticated and _assignment(user, instance)):
            data.update(dict.fromkeys(PRIVATE))
            for member in data["members"]:
                member.update(duty=None, people=None, budget_share=None, confirmed_at=None)
        return data


class MemberInputSerializer(serializers.Serializer):
    organization = id_field(help_text="单位编号")
    role = serializers.ChoiceField(choices=Member.Role.choices, default=Member.Role.MEMBER)
    duty = serializers.CharField(max_length=300, required=False, allow_blank=True)
    people = serializers.CharField(max_length=300, required=False, allow_blank=True)
    budget_share = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, help_text="经费占比（%）"
    )


class EntryUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    proposal = serializers.CharField(max_length=20000, required=False)
    budget = money_field(required=False, allow_null=True)
    members = MemberInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=50,
        help_text="联合体（含牵头单位，经费占比合计 100）；不填则不变",
    )
    result = id_field(required=False, allow_null=True, help_text="依托成果编号")
    expert = id_field(required=False, allow_null=True, help_text="负责专家编号")


class EntryInputSerializer(EntryUpdateInputSerializer):
    challenge = id_field(required=False, allow_null=True, help_text="榜题编号（揭榜挂帅）")
    group = id_field(required=False, allow_null=True, help_text="组别编号（大赛）")
    title = serializers.CharField(max_length=200)
    proposal = serializers.CharField(max_length=20000)
    members = MemberInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=50,
        help_text="联合体（含牵头单位，经费占比合计 100）；不填为本单位独立揭榜",
    )


class SignInputSerializer(serializers.Serializer):
    contract_amount = money_field(help_text="合同金额（万元）")
    contract_date = serializers.DateField(required=False, allow_null=True)


class FollowUpInputSerializer(serializers.Serializer):
    due = serializers.DateField(help_text="跟踪服务日期")


# -------------------------------------------------------------------------------- reviews


class EntryReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField(help_text="评审人（仅工作人员与本人可见）")
    mine = serializers.SerializerMethodField()
    scores = serializers.DictField(child=serializers.CharField(), help_text="指标编号 → 分数")

    class Meta:
        model = Review
        fields: tuple[str, ...] = (
            "id",
            "reviewer",
            "mine",
            "scores",
            "total",
            "comment",
            "submitted_at",
        )
        fields = (*fields, "outlier")

    def get_mine(self, review: Review) -> bool:
        return bool(review.reviewer.user_id == self.context["request"].user.pk)

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_reviewer(self, review: Review) -> dict[str, Any] | None:
        entry = self.context["entry"]
        if self.get_mine(review) or can_manage(self.context["request"].user, entry.programme):
            return _person(review.reviewer.user)
        return None


class ReviewInputSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=2),
        help_text="每项评审指标一个分数：指标编号 → 0 到该指标满分",
    )
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class StageReviewerSerializer(serializers.ModelSerializer):
    challenge = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    expert = serializers.SerializerMethodField()
    submitted = serializers.SerializerMethodField(help_text="已提交的评审意见数")

    class Meta:
        model = Reviewer
        fields = ("id", "stage", "challenge", "user", "expert", "assigned_at", "submitted")

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_challenge(self, reviewer: Reviewer) -> dict[str, Any] | None:
        return _ref(reviewer.challenge, "title")

    @extend_schema_field(PersonRefSerializer)
    def get_user(self, reviewer: Reviewer) -> dict[str, Any] | None:
        return _person(reviewer.user)

    @extend_schema_field(ExpertRefSerializer(allow_null=True))
    def get_expert(self, reviewer: Reviewer) -> dict[str, Any] | None:
        return _ref(reviewer.expert)

    def get_submitted(self, reviewer: Reviewer) -> int:
        return reviewer.reviews.filter(submitted_at__isnull=False).count()


class ReviewerInputSerializer(serializers.Serializer):
    reviewer = id_field(required=False, allow_null=True, help_text="评审人账号编号（工作人员）")
    expert = id_field(required=False, allow_null=True, help_text="专家库专家编号（须有账号）")
    challenge = id_field(required=False, allow_null=True, help_text="榜题编号（揭榜挂帅必填）")


class StageCloseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="",
        help_text="评审意见未全部提交时结束本阶段的理由",
    )  # fmt: skip


class StageCloseSerializer(serializers.Serializer):
    stage = ProgrammeStageSerializer()
    kept = serializers.ListField(child=serializers.IntegerField(), help_text="晋级/入选项目编号")


class ConflictInputSerializer(serializers.Serializer):
    organization = id_field(help_text="需回避的单位编号")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ConflictOutputSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()

    class Meta:
        model = Conflict
        fields = ("id", "organization", "reason", "created_at")


# ---------------------------------------------------------------- objections, milestones


class ObjectionOutputSerializer(serializers.ModelSerializer):
    entry = serializers.SerializerMethodField()
    filed_by = serializers.SerializerMethodField(help_text="提出人（仅工作人员与本人可见）")
    handling = serializers.CharField(help_text="取值：upheld、dismissed；未处理为空")
    handling_label = serializers.CharField(source="get_handling_display")

    class Meta:
        model = Objection
        fields: tuple[str, ...] = ("id", "entry", "filed_by", "grounds", "created_at", "handling")
        fields = (*fields, "handling_label", "handling_note", "handled_at")

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_entry(self, objection: Objection) -> dict[str, Any] | None:
        return _ref(objection.entry, "title")

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_filed_by(self, objection: Objection) -> dict[str, Any] | None:
        user = self.context["request"].user
        if objection.filed_by_id == user.pk or can_manage(user, objection.programme):
            return _person(objection.filed_by)
        return None


class ObjectionInputSerializer(serializers.Serializer):
    grounds = serializers.CharField(max_length=5000, help_text="异议理由（至少 10 个字）")
    entry = id_field(required=False, allow_null=True, help_text="针对的入选项目编号")


class ObjectionHandleInputSerializer(serializers.Serializer):
    handling = serializers.ChoiceField(choices=Objection.Handling.choices)
    handling_note = serializers.CharField(max_length=5000, allow_blank=True)


class MilestoneOutputSerializer(serializers.ModelSerializer):
    entry = serializers.SerializerMethodField()
    kind = choice_out(Milestone.Kind)
    kind_label = serializers.CharField(source="get_kind_display")
    document = serializers.SerializerMethodField(help_text="材料下载地址")
    is_overdue = serializers.BooleanField()

    class Meta:
        model = Milestone
        fields: tuple[str, ...] = (
            "id",
            "entry",
            "kind",
            "kind_label",
            "title",
            "due_date",
            "done_at",
            "note",
        )
        fields = (*fields, "document", "is_overdue")

    @extend_schema_field(RefSerializer)
    def get_entry(self, milestone: Milestone) -> dict[str, Any] | None:
        return _ref(milestone.entry, "title")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_document(self, milestone: Milestone) -> str | None:
        """The page that serves it to the entry's units and staff only (never /media/)."""
        if not milestone.document:
            return None
        return reverse("challenges:milestone-document", args=[milestone.entry_id, milestone.pk])


class MilestoneCompleteInputSerializer(serializers.Serializer):
    done_at = serializers.DateField(help_text="完成日期")
    note = serializers.CharField(max_length=5000, help_text="完成情况")
    document = UploadField(
        required=False, allow_null=True, help_text="材料（PDF、图片或 Office 文件）"
    )
