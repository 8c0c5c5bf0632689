"""Serializers of the register API: types in and out only; rules live in the services."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Alliance
from accounts.validators import CONTACT_PHONE_MAX_LENGTH
from portal import access
from portal.models import CooperationMode, Expert, IPType, MaturityLevel, Need, TechField
from portal.models.validators import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from portal.services.completeness import need_completeness
from portal.services.postings import SPECS


def _codes(model: Any, label: str | Promise) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=model.objects.filter(is_active=True),
        required=False,
        error_messages={
            "does_not_exist": _("%(label)s代码“{value}”不存在。") % {"label": label},
            "invalid": _("%(label)s代码无效。") % {"label": label},
        },
    )


def _code(model: Any, label: str | Promise) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="code",
        queryset=model.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("%(label)s代码“{value}”不存在。") % {"label": label}},
    )


class DeadlineField(serializers.DateTimeField):
    """A date and time a person sets (a deadline, a cutoff), within 1970–2100. Outside that
    the value is a typo, and before 1901 Asia/Shanghai has a local-mean-time offset
    (+08:05:43) that the response cannot write as RFC 3339 (found by tests/fuzz)."""

    EARLIEST_YEAR = 1970
    LATEST_YEAR = 2100

    def to_internal_value(self, value: Any) -> Any:
        moment = super().to_internal_value(value)
        if not self.EARLIEST_YEAR <= moment.year <= self.LATEST_YEAR:
            raise serializers.ValidationError(
                _("请填写 %(earliest)s 至 %(latest)s 年之间的时间。")
                % {"earliest": self.EARLIEST_YEAR, "latest": self.LATEST_YEAR}
            )
        return moment


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="当前语言的名称（英文界面为英文名）")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = dict(super().to_representation(instance))
        shown = getattr(instance, "display_name", None)
        if isinstance(shown, str) and shown:
            data["name"] = shown
        return data


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PostingRefSerializer(serializers.Serializer):
    """A need or result named by id and title (the programmes' APIs link to it)."""

    id = serializers.IntegerField()
    title = serializers.CharField()


class ExpertRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AttachmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    mime_type = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj: Any) -> str:
        return reverse("registers:attachment-download", args=[obj.pk])


class MembersFirstSerializer(serializers.Serializer):
    """Shared first with one alliance's members, until a date (then public)."""

    alliance = OrganizationRefSerializer(source="members_first_alliance")
    days = serializers.IntegerField(source="members_first_days")
    until = serializers.DateField(
        source="members_first_until", allow_null=True, help_text="发布前为 null（自发布之日起计算）"
    )
    active = serializers.BooleanField(source="members_first_active")


class PostingOutputSerializer(serializers.Serializer):
    """Common output; fields the viewer may not see come back as null (listed in hidden)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    # DRF's SerializerMetaclass pops declared fields from the class body, so this field does
    # not shadow Serializer.fields at runtime; the stubs cannot model that.
    fields = CodeNameSerializer(many=True, source="fields.all")  # type: ignore[assignment]
    keywords = serializers.CharField()
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    cooperation_modes = CodeNameSerializer(many=True, source="cooperation_modes.all")
    organization = OrganizationRefSerializer(allow_null=True)
    contact_name = serializers.CharField(allow_null=True)
    contact_phone = serializers.CharField(allow_null=True)
    contact_email = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    last_confirmed_at = serializers.DateTimeField(allow_null=True)
    needs_reconfirm = serializers.BooleanField()
    reject_reason = serializers.CharField()
    attachments = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    members_first = serializers.SerializerMethodField()

    @extend_schema_field(MembersFirstSerializer(allow_null=True))
    def get_members_first(self, obj: Any) -> dict[str, Any] | None:
        if obj.members_first_alliance_id is None or obj.members_first_days is None:
            return None
        return MembersFirstSerializer(obj).data  # type: ignore[return-value]

    @extend_schema_field(AttachmentRefSerializer(many=True))
    def get_attachments(self, obj: Any) -> list[dict[str, Any]]:
        if "attachments" in self._hidden(obj):
            return []
        return AttachmentRefSerializer(obj.attachments.all(), many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_hidden(self, obj: Any) -> list[str]:
        return sorted(self._hidden(obj))

    def _hidden(self, obj: Any) -> frozenset[str]:
        cache = self.context.setdefault("_hidden", {})
        key = (type(obj).__name__, obj.pk)
        if key not in cache:
            cache[key] = access.hidden_fields(self.context.get("user"), obj)
        return cache[key]  # type: ignore[no-any-return]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        hidden = self._hidden(instance)
        for name in hidden:
            if name in data and name != "attachments":
                data[name] = None
        if hidden or not access.can_view_all(self.context.get("user"), instance):
            data["reject_reason"] = ""
        return data


class CompletenessItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class CompletenessSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    missing = CompletenessItemSerializer(many=True)


class NeedOutputSerializer(PostingOutputSerializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    budget_min = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    budget_max = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    expected_maturity = CodeNameSerializer(allow_null=True)
    deadline = serializers.DateField(allow_null=True)
    confidential_fields = serializers.ListField(child=serializers.CharField())
    completeness = serializers.SerializerMethodField()

    @extend_schema_field(CompletenessSerializer)
    def get_completeness(self, obj: Any) -> dict[str, Any]:
        """How answerable the need is (portal.services.completeness), read-only."""
        return need_completeness(obj).as_dict()


class ResultOutputSerializer(PostingOutputSerializer):
    title = serializers.CharField()
    summary = serializers.CharField()
    maturity = CodeNameSerializer(allow_null=True)
    trl = serializers.IntegerField(allow_null=True)
    ip_types = CodeNameSerializer(many=True, source="ip_types.all")
    patent_numbers = serializers.CharField()
    asking_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    team = serializers.CharField()
    institution_name = serializers.CharField()


class ExpertOutputSerializer(PostingOutputSerializer):
    name = serializers.CharField()
    title = serializers.ChoiceField(choices=Expert.Title.choices)
    title_display = serializers.CharField(source="get_title_display")
    institution_name = serializers.CharField()
    biography = serializers.CharField()
    representative_results = serializers.CharField()
    capacity = serializers.IntegerField()
    willing_commissioner = serializers.BooleanField()


class PostingInputSerializer(serializers.Serializer):
    # Not Serializer.fields: see PostingOutputSerializer.fields.
    fields = _codes(TechField, _("技术领域"))  # type: ignore[assignment]
    keywords = serializers.CharField(required=False, allow_blank=True, max_length=300)
    region_code = serializers.CharField(max_length=6)
    cooperation_modes = _codes(CooperationMode, _("合作方式"))
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    # The format (mobile or landline) is checked by the model's validator, via the service.
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=CONTACT_PHONE_MAX_LENGTH
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True)


class MembersFirstInputMixin(serializers.Serializer):
    """members_first_alliance + members_first_days (1–90, counted from publication); null
    clears them. The service checks membership and the range."""

    members_first_alliance = serializers.PrimaryKeyRelatedField(
        queryset=Alliance.objects.all(),
        required=False,
        allow_null=True,
        help_text="联盟 id（本机构须为其成员）；null 表示不设置成员优先",
        error_messages={"does_not_exist": _("联盟 {pk_value} 不存在。")},
    )
    members_first_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="仅联盟成员可见的天数，1–90，自发布之日起计算",
        error_messages={"invalid": _("成员优先天数应为整数。")},
    )


class NeedInputSerializer(MembersFirstInputMixin, PostingInputSerializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    budget_min = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    budget_max = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    expected_maturity = _code(MaturityLevel, _("成熟度"))
    deadline = serializers.DateField(required=False, allow_null=True)
    confidential_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=[k for k, _label in Need.CONFIDENTIAL_CHOICES]),
        required=False,
    )
    submit = serializers.BooleanField(required=False, default=False, write_only=True)


class ResultInputSerializer(MembersFirstInputMixin, PostingInputSerializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    summary = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    maturity = _code(MaturityLevel, _("成熟度"))
    trl = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=9)
    ip_types = _codes(IPType, _("知识产权类型"))
    patent_numbers = serializers.CharField(required=False, allow_blank=True, max_length=500)
    asking_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    team = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    institution_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    submit = serializers.BooleanField(required=False, default=False, write_only=True)


class ExpertInputSerializer(PostingInputSerializer):
    name = serializers.CharField(max_length=50)
    title = serializers.ChoiceField(choices=Expert.Title.choices)
    institution_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    biography = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    representative_results = serializers.CharField(
        required=False, allow_blank=True, max_length=20000
    )
    capacity = serializers.IntegerField(required=False, min_value=0, max_value=50)
    willing_commissioner = serializers.BooleanField(required=False)
    submit = serializers.BooleanField(required=False, default=False, write_only=True)


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


OUTPUT_SERIALIZERS: dict[str, type[PostingOutputSerializer]] = {
    "need": NeedOutputSerializer,
    "result": ResultOutputSerializer,
    "expert": ExpertOutputSerializer,
}
INPUT_SERIALIZERS: dict[str, type[PostingInputSerializer]] = {
    "need": NeedInputSerializer,
    "result": ResultInputSerializer,
    "expert": ExpertInputSerializer,
}


def service_data(kind: str, validated: dict[str, Any]) -> dict[str, Any]:
    """Validated input restricted to the fields the services accept."""
    spec = SPECS[kind]
    allowed = set(spec.scalar_fields) | set(spec.m2m_fields)
    return {k: v for k, v in validated.items() if k in allowed}
