"""Forms of the staff pages of an event. They parse input only: every rule (dates, venues,
capacity, who may act) is checked by the services, whose errors the views put back here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Alliance, User
from portal.events.models import Event, EventPosting, Meeting, MeetingRequest, Venue
from portal.events.services import EVENT_FIELDS
from portal.form_errors import IdsField
from portal.forms import BootstrapMixin, ImportForm, _field_choices
from portal.models import TechField
from portal.reference.regions import region_choices

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
TIME = forms.TimeInput(format="%H:%M", attrs={"type": "time"})
SMALL = "form-control form-control-sm"


# ---------------------------------------------------------------------------------- event


EVENT_FORM_ORDER = [
    "title",
    "summary",
    "start_date",
    "end_date",
    "registration_deadline",
    "request_cutoff",
    "region_code",
    "organizer_name",
    "fields",
    "alliance",
]


class EventForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    summary = forms.CharField(
        label=_("活动简介"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    registration_deadline = forms.DateTimeField(label=_("报名截止时间"), widget=DATETIME)
    request_cutoff = forms.DateTimeField(
        label=_("洽谈预约截止时间"),
        widget=DATETIME,
        help_text=_("此后不能再发起洽谈预约，未答复的预约自动失效，不再占用时段。"),
    )
    region_code = forms.ChoiceField(label=_("主办地区"))
    organizer_name = forms.CharField(label=_("主办单位"), required=False, max_length=200)
    alliance = forms.ModelChoiceField(
        label=_("主办联盟"),
        queryset=Alliance.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("无"),
        help_text=_("联盟年会等由联盟主办的活动，会显示在联盟页面。"),
    )
    day_start = forms.TimeField(label=_("每日洽谈开始时间"), widget=TIME)
    slot_minutes = forms.IntegerField(label=_("每场洽谈时长(分钟)"))
    slots_per_day = forms.IntegerField(label=_("每日洽谈场次"))

    def __init__(self, *args: Any, user: User, event: Event | None = None, **kwargs: Any) -> None:
        if event is not None:
            kwargs.setdefault("initial", self.initial_of(event))
        else:
            defaults = Event()
            org = user.organization
            kwargs.setdefault(
                "initial",
                {
                    "region_code": org.region_code if org is not None else "",
                    "day_start": defaults.day_start,
                    "slot_minutes": defaults.slot_minutes,
                    "slots_per_day": defaults.slots_per_day,
                },
            )
        super().__init__(*args, **kwargs)
        # Named like the model's field, which a form class cannot declare (Form.fields).
        self.fields["fields"] = forms.ModelMultipleChoiceField(
            label=_("重点领域"),
            queryset=TechField.objects.filter(is_active=True),
            required=False,
            help_text=_("可多选（按住 Ctrl 或 ⌘ 键）。"),
        )
        self.order_fields(EVENT_FORM_ORDER)
        # The regions the staff member acts on (the service checks the jurisdiction again).
        prefix = user.jurisdiction or ""
        regions = [c for c in region_choices(max_level=3) if c[0].startswith(prefix)]
        current = event.region_code if event is not None else ""
        if current and all(code != current for code, _name in regions):
            regions.insert(0, (current, event.region_name if event else current))
        region = self.fields["region_code"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("请选择")), *regions]
        tech = self.fields["fields"]
        assert isinstance(tech, forms.ModelMultipleChoiceField)
        tech.choices = _field_choices()
        tech.widget.attrs["size"] = 8
        self._style()

    @staticmethod
    def initial_of(event: Event) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(event, name) for name in EVENT_FIELDS}
        initial["fields"] = list(event.fields.values_list("pk", flat=True))
        return initial

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "fields"}

    def field_ids(self) -> list[int]:
        return [f.pk for f in self.cleaned_data["fields"]]


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("取消原因"), required=False, max_length=2000, widget=forms.TextInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


# --------------------------------------------------------------------------------- venues


class VenueForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Venue.Kind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    address = forms.CharField(
        label=_("地址"), required=False, max_length=200, help_text=_("线上会议室可不填。")
    )
    online_url = forms.URLField(label=_("线上会议链接"), required=False, assume_scheme="https")
    capacity = forms.IntegerField(label=_("容纳人数"))
    tables = forms.IntegerField(label=_("洽谈桌数"), help_text=_("每桌每个时段安排一场洽谈。"))

    def __init__(self, *args: Any, venue: Venue | None = None, **kwargs: Any) -> None:
        if venue is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(venue, name) for name in self.base_fields},
            )
        super().__init__(*args, **kwargs)
        self._style()


# ------------------------------------------------------------------------------- postings


class PostingSearchForm(forms.Form):
    """Which register the "add from the registers" search looks in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "search_%s")  # one page holds three "kind" fields
        super().__init__(*args, **kwargs)

    kind = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("need", _("技术需求")), ("result", _("科技成果"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    @property
    def register(self) -> str:
        if self.is_valid() and self.cleaned_data["kind"]:
            return str(self.cleaned_data["kind"])
        return "need"


class AttachForm(forms.Form):
    need_ids = IdsField(required=False)
    result_ids = IdsField(required=False)


class RoadshowForm(forms.Form):
    """One roadshow position per attached posting (blank: after the numbered ones) and
    the rows to take off the event."""

    action = forms.ChoiceField(choices=[("order", "order"), ("detach", "detach")])
    detach = IdsField(required=False)

    def __init__(self, *args: Any, rows: Iterable[EventPosting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            self.fields[f"order_{row.pk}"] = forms.IntegerField(
                required=False,
                min_value=1,
                label=str(row),
                error_messages={"min_value": _("路演顺序须为正整数。")},
            )

    def ordered_ids(self) -> list[int]:
        """The numbered rows by their number (ties keep the current order)."""
        numbered = [
            (self.cleaned_data[f"order_{row.pk}"], position, row.pk)
            for position, row in enumerate(self.rows)
            if self.cleaned_data.get(f"order_{row.pk}") is not None
        ]
        return [pk for _number, _position, pk in sorted(numbered)]


class EventImportForm(ImportForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "import_%s")
        super().__init__(*args, **kwargs)

    kind = forms.ChoiceField(
        label=_("导入类别"), choices=[("need", _("技术需求")), ("result", _("科技成果"))]
    )
    field_order = ["kind", "file"]


# -------------------------------------------------------------------- registrations & co.


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("通过")), ("0", _("不通过"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("未通过原因"), required=False, max_length=500)


class IdsForm(forms.Form):
    ids = IdsField(required=False)


# ------------------------------------------------------------------------------- schedule


class PinForm(BootstrapMixin, forms.Form):
    """Put an accepted request at a slot and table by hand."""

    request = forms.TypedChoiceField(label=_("洽谈"), coerce=int)
    slot = forms.TypedChoiceField(label=_("时段"), coerce=int)
    venue = forms.TypedChoiceField(label=_("会场"), coerce=int)
    table = forms.IntegerField(label=_("桌号"), min_value=1, initial=1)

    def __init__(
        self,
        *args: Any,
        requests: Iterable[MeetingRequest] = (),
        slots: Iterable[Any] = (),
        venues: Iterable[Venue] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = {
            "request": [(r.pk, self.request_label(r)) for r in requests],
            "slot": [(s.pk, str(s)) for s in slots],
            "venue": [
                (v.pk, _("%(venue)s（%(n)s 桌）") % {"venue": v, "n": v.tables}) for v in venues
            ],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
        self._style()

    @staticmethod
    def request_label(request: MeetingRequest) -> str:
        meeting = getattr(request, "meeting", None)
        where = (
            _("%(slot)s %(venue)s %(n)s号桌")
            % {"slot": meeting.slot, "venue": meeting.venue.name, "n": meeting.table}
            if meeting is not None
            else str(_("未排入"))
        )
        return f"{request.requester.organization} ↔ {request.invitee.organization}（{where}）"


class OutcomeForm(forms.Form):
    """How a meeting went; the need and the offer are asked for only when the request did
    not name them (a participant may ask without naming them)."""

    outcome = forms.ChoiceField(
        label=_("洽谈结果"),
        choices=[("", _("请选择")), *Meeting.Outcome.choices],
        error_messages={"required": _("请选择洽谈结果。")},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_("结果说明"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"class": SMALL}),
    )
    contract_amount = forms.DecimalField(
        label=_("合同金额(万元)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": SMALL, "step": "0.01", "min": "0"}),
    )
    need = forms.TypedChoiceField(
        label=_("技术需求"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    offer = forms.ChoiceField(
        label=_("成果或专家"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_m{meeting.pk}_%s")
        request = meeting.request
        kwargs.setdefault(
            "initial",
            {
                "outcome": meeting.outcome,
                "note": meeting.outcome_note,
                "contract_amount": meeting.contract_amount,
            },
        )
        super().__init__(*args, **kwargs)
        sides = (request.requester, request.invitee)
        need = self.fields["need"]
        offer = self.fields["offer"]
        assert isinstance(need, forms.ChoiceField)
        assert isinstance(offer, forms.ChoiceField)
        self.asks_pair = request.need_id is None or (
            request.result_id is None and request.expert_id is None
        )
        if not self.asks_pair:
            del self.fields["need"], self.fields["offer"]
            return
        need.choices = [("", _("需求")), *((n.pk, n.title) for s in sides for n in s.needs.all())]
        offer.choices = [
            ("", _("成果或专家")),
            *((f"result-{x.pk}", x.title) for s in sides for x in s.results.all()),
            *((f"expert-{x.pk}", x.name) for s in sides for x in s.experts.all()),
        ]

    def pair_ids(self) -> dict[str, int | None]:
        """need_id / result_id / expert_id for the service (None: the request's own)."""
        ids: dict[str, int | None] = {"need_id": None, "result_id": None, "expert_id": None}
        if not self.asks_pair:
            return ids
        ids["need_id"] = self.cleaned_data.get("need")
        kind, _sep, pk = (self.cleaned_data.get("offer") or "").partition("-")
        if kind in ("result", "expert") and pk.isdigit():
            ids[f"{kind}_id"] = int(pk)
        return ids
