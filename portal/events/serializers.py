"""Serializers of the events API: shapes in and out only; the rules live in the services.

Outputs name a need, result or expert only where the viewer may: one the registers do not
show them, or a need whose organisation it hides from them, is left out (null in a single
reference). The ``PostingGate`` in the context decides, a query per kind and page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Alliance
from portal import access
from portal import selectors as registers
from portal.apis.serializers import (
    CodeNameSerializer,
    DeadlineField,
    ExpertRefSerializer,
    OrganizationRefSerializer,
    PostingRefSerializer,
)
from portal.events.models import (
    Event,
    Meeting,
    MeetingRequest,
    Registration,
    Slot,
    Venue,
)
from portal.events.services import can_manage, registration_is_mine
from portal.models import Expert, Need, TechField

MAX_ID = 2**31 - 1
MAX_IDS = 1000
KINDS = [("need", _("技术需求")), ("result", _("科技成果"))]


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _ids(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=_id(), max_length=MAX_IDS, **kwargs)


def _number(**kwargs: Any) -> serializers.IntegerField:
    """A count whose range the services check; bounded only so no database overflows."""
    return serializers.IntegerField(min_value=-MAX_ID, max_value=MAX_ID, **kwargs)


def _choice(choices: Any, **kwargs: Any) -> serializers.CharField:
    """A choice in an output, its values listed in the schema. Each choice set keeps its enum
    in one component (the input), so the schema's enum names stay unambiguous."""
    values = "、".join(map(str, choices.values))
    return serializers.CharField(help_text=f"取值：{values}", **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$",
        "example": "09:00:00",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A local wall-clock time such as ``09:00:00``. DRF writes it without an offset, so the
    schema gives its pattern instead of ``format: time`` (RFC 3339, which needs an offset and
    so rejected every event the API returned)."""


def _kind(posting: Any) -> str:
    return {Need: "need", Expert: "expert"}.get(type(posting), "result")


class PostingGate:
    """Which needs, results and experts a viewer may see named beside an organisation."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.visible: set[tuple[str, int]] = set()
        self.loaded: set[tuple[str, int]] = set()

    def load(self, postings: Iterable[Any]) -> None:
        wanted = {(_kind(p), p.pk) for p in postings if p is not None} - self.loaded
        for kind in {k for k, _pk in wanted}:
            ids = [pk for k, pk in wanted if k == kind]
            seen = registers.posting_list_visible_to(kind=kind, user=self.user).filter(pk__in=ids)
            self.visible |= {(kind, pk) for pk in seen.values_list("pk", flat=True)}
        self.loaded |= wanted

    def ref(self, posting: Any) -> dict[str, Any] | None:
        if posting is None:
            return None
        self.load([posting])
        if (_kind(posting), posting.pk) not in self.visible:
            return None
        if "organization" in access.hidden_fields(self.user, posting):
            return None
        if isinstance(posting, Expert):
            return {"id": posting.pk, "name": posting.name}
        return {"id": posting.pk, "title": posting.title}


def postings_of(rows: Iterable[Any]) -> Iterator[Any]:
    """The needs, results and experts a page of registrations, requests or meetings names."""
    for row in rows:
        if isinstance(row, Registration):
            yield from (*row.needs.all(), *row.results.all(), *row.experts.all())
        elif isinstance(row, MeetingRequest | Meeting):
            req = row if isinstance(row, MeetingRequest) else row.request
            yield from (req.need, req.result, req.expert)


# --------------------------------------------------------------------- events and venues


class EventSlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Slot
        fields = ("id", "starts_at", "ends_at")


class EventVenueSerializer(serializers.ModelSerializer):
    kind = _choice(Venue.Kind)
    kind_label = serializers.CharField(source="get_kind_display")
    online_url = serializers.CharField(help_text="仅工作人员与已通过审核的参会单位可见，其余为空")

    class Meta:
        model = Venue
        fields = (
            *("id", "kind", "kind_label", "name", "address", "online_url", "capacity"),
            "tables",
        )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("insider"):
            data["online_url"] = ""
        return data  # type: ignore[no-any-return]


class VenueRefSerializer(serializers.ModelSerializer):
    kind = _choice(Venue.Kind)

    class Meta:
        model = Venue
        fields = ("id", "kind", "name")


class EventOutputSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField()
    status = _choice(Event.Status)
    alliance = OrganizationRefSerializer(allow_null=True)
    fields = CodeNameSerializer(many=True, source="fields.all")  # type: ignore[assignment]
    status_label = serializers.CharField(source="get_status_display")
    registration_open = serializers.BooleanField()
    requests_open = serializers.BooleanField()
    venues = EventVenueSerializer(many=True, source="venues.all")
    can_manage = serializers.SerializerMethodField()
    day_start = WallClockTimeField(label=_("每日洽谈开始时间"))

    class Meta:
        model = Event
        fields: tuple[str, ...] = (
            *("id", "title", "summary", "start_date", "end_date", "registration_deadline"),
            *("request_cutoff", "region_code", "region_name", "organizer_name", "alliance"),
            *("fields", "day_start", "slot_minutes", "slots_per_day", "status", "status_label"),
            *("published_at", "schedule_published_at", "registration_open", "requests_open"),
            *("venues", "can_manage"),
        )

    def get_can_manage(self, event: Event) -> bool:
        return can_manage(self.context["request"].user, event)


class EventDetailSerializer(EventOutputSerializer):
    slots = EventSlotSerializer(many=True, source="slots.all")
    my_registration = serializers.SerializerMethodField(help_text="本单位报名编号")

    class Meta(EventOutputSerializer.Meta):
        fields = (*EventOutputSerializer.Meta.fields, "slots", "my_registration")

    def get_my_registration(self, event: Event) -> int | None:
        mine = self.context.get("mine")
        return mine.pk if mine is not None else None


class EventInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    registration_deadline = DeadlineField()
    request_cutoff = DeadlineField()
    region_code = serializers.CharField(max_length=6, required=False, help_text="默认本局地区")
    organizer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    alliance = serializers.PrimaryKeyRelatedField(
        queryset=Alliance.objects.all(),
        required=False,
        allow_null=True,
        pk_field=_id(),
        error_messages={"does_not_exist": _("联盟 {pk_value} 不存在。")},
    )
    day_start = WallClockTimeField(required=False)
    slot_minutes = _number(required=False)
    slots_per_day = _number(required=False)
    fields = serializers.SlugRelatedField(  # type: ignore[assignment]
        many=True,
        slug_field="code",
        queryset=TechField.objects.filter(is_active=True),
        required=False,
        help_text="重点领域代码",
        error_messages={"does_not_exist": _("技术领域代码“{value}”不存在。")},
    )


class VenueInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Venue.Kind.choices)
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    online_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    capacity = _number()
    tables = _number()


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class IdsInputSerializer(serializers.Serializer):
    ids = _ids()


# ------------------------------------------------------------------------------ postings


class EventPostingSerializer(serializers.Serializer):
    """One (group, EventPosting) row of the event's list."""

    id = serializers.IntegerField(help_text="活动发布项目编号（路演排序、移除用）")
    kind = serializers.CharField(help_text="取值：need、result")
    posting_id = serializers.IntegerField()
    title = serializers.CharField()
    group = serializers.CharField(help_text="分组：第一个技术领域")
    fields = CodeNameSerializer(many=True)  # type: ignore[assignment]
    roadshow_order = serializers.IntegerField(allow_null=True)
    organization = OrganizationRefSerializer(allow_null=True)
    url = serializers.CharField(help_text="该需求或成果自身的 API 地址")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        group, row = instance
        posting, org = row.posting, row.posting.organization
        hidden = access.hidden_fields(self.context["gate"].user, posting)
        return {
            "id": row.pk,
            "kind": row.kind,
            "posting_id": posting.pk,
            "title": posting.title,
            "group": group,
            "fields": [{"code": f.code, "name": f.name} for f in posting.fields.all()],
            "roadshow_order": row.roadshow_order,
            "organization": None
            if org is None or "organization" in hidden
            else {"id": org.pk, "name": org.name},
            "url": reverse(f"api:{row.kind}-detail", args=[posting.pk]),
        }


class PostingsAttachInputSerializer(serializers.Serializer):
    need_ids = _ids(default=list)
    result_ids = _ids(default=list)


class RoadshowOrderInputSerializer(serializers.Serializer):
    order = _ids(help_text="活动发布项目编号，按路演顺序")


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file sent as multipart form data."""


class PostingsImportInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    file = UploadField(help_text=".xlsx 或 .csv，使用导入模板")


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.CharField()
    ok = serializers.BooleanField()
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    created_ids = serializers.ListField(child=serializers.IntegerField())
    errors = ImportRowErrorSerializer(many=True)  # type: ignore[assignment]
    seconds = serializers.FloatField()


# -------------------------------------------------------------------------- registrations


class _Gated(serializers.Serializer):
    def ref(self, posting: Any) -> dict[str, Any] | None:
        gate: PostingGate = self.context["gate"]
        return gate.ref(posting)

    def refs(self, postings: Iterable[Any]) -> list[dict[str, Any]]:
        return [ref for ref in map(self.ref, postings) if ref is not None]


class RegistrationOutputSerializer(_Gated, serializers.ModelSerializer):
    """Meeting cap, availability, note and decision are for the registrant and staff only."""

    organization = OrganizationRefSerializer()
    venue = VenueRefSerializer()
    status = _choice(Registration.Status)
    status_label = serializers.CharField(source="get_status_display")
    needs = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()
    experts = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()
    meeting_cap = serializers.IntegerField(allow_null=True)
    slot_ids = serializers.SerializerMethodField()
    note = serializers.CharField(allow_null=True)
    reject_reason = serializers.CharField(allow_null=True)

    class Meta:
        model = Registration
        fields = (
            *("id", "organization", "venue", "status", "status_label", "attendees", "needs"),
            *("results", "experts", "mine", "meeting_cap", "slot_ids", "note", "reject_reason"),
            *("created_at", "decided_at"),
        )

    @extend_schema_field(PostingRefSerializer(many=True))
    def get_needs(self, reg: Registration) -> list[dict[str, Any]]:
        return self.refs(reg.needs.all())

    @extend_schema_field(PostingRefSerializer(many=True))
    def get_results(self, reg: Registration) -> list[dict[str, Any]]:
        return self.refs(reg.results.all())

    @extend_schema_field(ExpertRefSerializer(many=True))
    def get_experts(self, reg: Registration) -> list[dict[str, Any]]:
        return self.refs(reg.experts.all())

    def get_mine(self, reg: Registration) -> bool:
        return registration_is_mine(self.context["request"].user, reg)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(), allow_null=True))
    def get_slot_ids(self, reg: Registration) -> list[int]:
        return [slot.pk for slot in reg.available_slots.all()]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not (data["mine"] or can_manage(self.context["request"].user, instance.event)):
            data.update(meeting_cap=None, slot_ids=None, note=None, reject_reason=None)
        return data  # type: ignore[no-any-return]


class RegistrationInputSerializer(serializers.Serializer):
    venue = _id(source="venue_id")
    need_ids = _ids(default=list)
    result_ids = _ids(default=list)
    expert_ids = _ids(default=list)
    attendees = _number(default=1)
    meeting_cap = _number(default=6)
    slot_ids = _ids(required=False, allow_null=True, help_text="可洽谈时段；不填为全部时段")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RegistrationUpdateInputSerializer(serializers.Serializer):
    slot_ids = _ids(required=False)
    meeting_cap = _number(required=False)


# --------------------------------------------------------------------------------- stats


class VenueStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="venue.pk")
    kind = _choice(Venue.Kind, source="venue.kind")
    name = serializers.CharField(source="venue.name")
    registrants = serializers.IntegerField()
    attendees = serializers.IntegerField()


class EventStatsSerializer(serializers.Serializer):
    venues = VenueStatsSerializer(many=True)
    registrations = serializers.IntegerField()
    registrations_pending = serializers.IntegerField()
    postings = serializers.IntegerField()
    requested = serializers.IntegerField()
    accepted = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    held = serializers.IntegerField()
    intentions = serializers.IntegerField()
    signed = serializers.IntegerField()
    contract_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    pairs = serializers.IntegerField()
