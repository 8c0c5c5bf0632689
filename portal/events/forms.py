"""Forms of the event pages. They parse input and offer choices only; which venue, posting
or slot may be chosen is decided by the services (:mod:`portal.events.registrations`,
:mod:`portal.events.requests`, :mod:`portal.events.outcomes`), whose messages the views put
back on these forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from portal import selectors as register_selectors
from portal.events import selectors
from portal.events.models import Event, Meeting, MeetingRequest, Registration
from portal.form_errors import form_add_service_errors
from portal.models import PostingStatus

SELECT = forms.Select(attrs={"class": "form-select"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
AREA = forms.Textarea(attrs={"class": "form-control", "rows": 2})
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


def _number(low: int, high: int) -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "form-control", "min": low, "max": high})


MAX_PK = 2**31 - 1


def _pk(value: Any) -> int:
    """An id as posted; out of range it is refused here (a database would overflow)."""
    number = int(value)
    if not 0 < number <= MAX_PK:
        raise ValueError(value)
    return number


class ServiceChoiceField(forms.TypedChoiceField):
    """A select whose choices are offered for display; the service decides what is valid."""

    def valid_value(self, value: Any) -> bool:
        return True


class ServiceMultipleChoiceField(forms.TypedMultipleChoiceField):
    """Checkboxes whose choices are offered for display; the service decides what is valid."""

    def valid_value(self, value: Any) -> bool:
        return True


def _ids(**kwargs: Any) -> ServiceMultipleChoiceField:
    return ServiceMultipleChoiceField(coerce=_pk, required=False, widget=CHECKBOXES, **kwargs)


def _offer_value(value: str) -> tuple[str, int] | None:
    """ "result:12" / "expert:3" → ("result", 12); "" → None."""
    if not value:
        return None
    kind, _sep, pk = value.partition(":")
    if kind not in ("result", "expert") or not pk.isdigit() or not 0 < int(pk) <= MAX_PK:
        raise ValidationError(_("请选择成果或专家。"), code="invalid_choice")
    return kind, int(pk)


class ServiceErrorsMixin:
    """Services name the offer ``result`` or ``expert``; these forms call it ``offer``."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            renamed: dict[str, list[str]] = {}
            for name, messages in exc.message_dict.items():
                key = "offer" if name in ("result", "expert") else name
                renamed.setdefault(key, []).extend(messages)
            exc = ValidationError(renamed)  # type: ignore[arg-type]
        form_add_service_errors(self, exc)  # type: ignore[arg-type]

    def offer_kwargs(self) -> dict[str, int | None]:
        offer = self.cleaned_data.get("offer")  # type: ignore[attr-defined]
        return {
            "result_id": offer[1] if offer and offer[0] == "result" else None,
            "expert_id": offer[1] if offer and offer[0] == "expert" else None,
        }


def _owned_choices(user: User, kind: str) -> list[tuple[int, str]]:
    rows = register_selectors.posting_list_owned_by(kind=kind, user=user).filter(
        status=PostingStatus.PUBLISHED
    )
    return [(p.pk, str(p)) for p in rows]


class AvailabilityForm(forms.Form):
    """The slots a registrant is free and how many meetings it takes."""

    meeting_cap = forms.IntegerField(label=_("最多洽谈场数"), initial=6, widget=_number(1, 32))
    available_slots = _ids(label=_("可洽谈时段"))

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days = selectors.slots_by_day(event=event)
        self.slot_ids = [slot.pk for _day, slots in self.days for slot in slots]
        field = self.fields["available_slots"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(pk, pk) for pk in self.slot_ids]
        if not self.is_bound and "available_slots" not in self.initial:
            self.initial["available_slots"] = self.slot_ids

    def grid(self) -> list[tuple[Any, list[tuple[Any, bool]]]]:
        """The slots by day, each with whether its box is ticked."""
        checked = self.checked_slots()
        return [(day, [(slot, slot.pk in checked) for slot in slots]) for day, slots in self.days]

    def checked_slots(self) -> set[int]:
        """The slot ids to show ticked (what was posted, else the initial choice)."""
        value = self["available_slots"].value() or []
        checked = set()
        for item in value:
            try:
                checked.add(int(item))
            except (TypeError, ValueError):
                continue
        return checked


class RegistrationForm(AvailabilityForm):
    venue = ServiceChoiceField(label=_("参会会场"), coerce=_pk, widget=SELECT)
    needs = _ids(label=_("携带需求"))
    results = _ids(label=_("携带成果"))
    experts = _ids(label=_("参会专家"))
    attendees = forms.IntegerField(label=_("参会人数"), initial=1, widget=_number(1, 20))
    note = forms.CharField(label=_("备注"), required=False, max_length=500, widget=AREA)

    field_order = ["venue", "needs", "results", "experts", "attendees", "meeting_cap", "note"]

    def __init__(self, *args: Any, event: Event, user: User, **kwargs: Any) -> None:
        super().__init__(*args, event=event, **kwargs)
        venue = self.fields["venue"]
        assert isinstance(venue, forms.TypedChoiceField)
        venue.choices = [("", _("请选择会场"))] + [
            (v.pk, _("%(venue)s（容纳 %(n)s 人）") % {"venue": v, "n": v.capacity})
            for v in event.venues.all()
        ]
        for kind, name in (("need", "needs"), ("result", "results"), ("expert", "experts")):
            field = self.fields[name]
            assert isinstance(field, forms.TypedMultipleChoiceField)
            field.choices = _owned_choices(user, kind)

    @property
    def has_postings(self) -> bool:
        return any(self.fields[name].choices for name in ("needs", "results", "experts"))  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "venue_id": data["venue"],
            "need_ids": data["needs"],
            "result_ids": data["results"],
            "expert_ids": data["experts"],
            "attendees": data["attendees"],
            "meeting_cap": data["meeting_cap"],
            "slot_ids": data["available_slots"],
            "note": data["note"],
        }


def _need_choices(mine: Registration, other: Registration) -> list[tuple[str, str]]:
    return [(str(n.pk), f"{_('本单位')}：{n}") for n in mine.needs.all()] + [
        (str(n.pk), f"{other.organization}：{n}") for n in other.needs.all()
    ]


def _offer_choices(sides: Iterable[tuple[Any, Registration]]) -> list[tuple[str, str]]:
    choices = []
    for label, side in sides:
        choices += [(f"result:{r.pk}", f"{label}：{r}") for r in side.results.all()]
        choices += [(f"expert:{x.pk}", f"{label}：{_('专家')} {x}") for x in side.experts.all()]
    return choices


class MeetingRequestForm(ServiceErrorsMixin, forms.Form):
    """Ask an approved participant for a 1:1 meeting, naming the need and the offer."""

    invitee = forms.IntegerField(min_value=1, max_value=MAX_PK, widget=forms.HiddenInput)
    need = ServiceChoiceField(
        label=_("洽谈需求"), coerce=_pk, required=False, empty_value=None, widget=SELECT
    )
    offer = forms.CharField(label=_("成果或专家"), required=False, widget=SELECT)
    message = forms.CharField(label=_("留言"), required=False, max_length=500, widget=AREA)

    def __init__(
        self, *args: Any, mine: Registration, other: Registration | None = None, **kwargs: Any
    ) -> None:
        if other is not None:  # one form per participant on the page: ids apart
            kwargs.setdefault("auto_id", f"id_req{other.pk}_%s")
        super().__init__(*args, **kwargs)
        self.other = other
        if other is not None:
            self.initial.setdefault("invitee", other.pk)
            need = self.fields["need"]
            assert isinstance(need, forms.TypedChoiceField)
            need.choices = [("", _("不指定")), *_need_choices(mine, other)]
            offer_choices = _offer_choices([(str(other.organization), other), (_("本单位"), mine)])
            self.fields["offer"].widget.choices = [("", _("不指定")), *offer_choices]  # type: ignore[attr-defined]

    def clean_offer(self) -> tuple[str, int] | None:
        return _offer_value(self.cleaned_data.get("offer") or "")


class RespondForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("接受")), ("0", _("谢绝"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("谢绝原因"), required=False, max_length=500, widget=TEXT)


class OutcomeForm(ServiceErrorsMixin, forms.Form):
    """How a meeting went; the need and the offer are asked only when the request did not
    name them."""

    outcome = forms.ChoiceField(
        label=_("洽谈结果"), choices=[("", "—"), *Meeting.Outcome.choices], widget=SELECT
    )
    need = ServiceChoiceField(
        label=_("涉及的需求"), coerce=_pk, required=False, empty_value=None, widget=SELECT
    )
    offer = forms.CharField(label=_("涉及的成果或专家"), required=False, widget=SELECT)
    contract_amount = forms.DecimalField(
        label=_("合同金额(万元)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("现场签约时必填。"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": 0}),
    )
    note = forms.CharField(label=_("结果说明"), required=False, max_length=1000, widget=AREA)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        request: MeetingRequest = meeting.request
        kwargs.setdefault(
            "initial",
            {
                "outcome": meeting.outcome,
                "note": meeting.outcome_note,
                "contract_amount": meeting.contract_amount,
            },
        )
        super().__init__(*args, **kwargs)
        a, b = request.requester, request.invitee
        if request.need_id:
            del self.fields["need"]
        else:
            need = self.fields["need"]
            assert isinstance(need, forms.TypedChoiceField)
            need.choices = [("", "—")] + [
                (str(n.pk), f"{side.organization}：{n}")
                for side in (a, b)
                for n in side.needs.all()
            ]
        if request.result_id or request.expert_id:
            del self.fields["offer"]
        else:
            choices = _offer_choices([(str(a.organization), a), (str(b.organization), b)])
            self.fields["offer"].widget.choices = [("", "—"), *choices]  # type: ignore[attr-defined]

    def clean_offer(self) -> tuple[str, int] | None:
        return _offer_value(self.cleaned_data.get("offer") or "")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "outcome": data["outcome"],
            "note": data["note"],
            "contract_amount": data["contract_amount"],
            "need_id": data.get("need"),
        }
        if "offer" in self.fields:
            kwargs.update(self.offer_kwargs())
        return kwargs
