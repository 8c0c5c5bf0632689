"""Forms of the public, bidder and reviewer pages of challenge lists and competitions.

They parse input and offer choices only; which challenge, group, unit, result or score is
acceptable is decided by the services (:mod:`portal.challenges.entries`,
:mod:`portal.challenges.reviews`, :mod:`portal.challenges.awards`), whose messages the views
put back on these forms (:meth:`ServiceErrorsMixin.add_service_errors`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from portal import selectors as register_selectors
from portal.challenges.models import Criterion, Entry, Milestone, Programme
from portal.form_errors import form_add_service_errors
from portal.models import PostingStatus
from portal.services.attachments import detect_mime_type

SELECT = forms.Select(attrs={"class": "form-select"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
MAX_PK = 2**31 - 1
# The consortium rows of the bid form: the lead (the bidder's unit) and up to four partners.
CONSORTIUM_ROWS = 5


def _area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-control", "rows": rows})


def _decimal(label: Any, **attrs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", **attrs}),
    )


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


def _choice(label: Any, *, required: bool = True) -> ServiceChoiceField:
    return ServiceChoiceField(
        label=label, coerce=_pk, required=required, empty_value=None, widget=SELECT
    )


class ServiceErrorsMixin:
    """Put a service's messages on the fields: the services name the offer ``result`` or
    ``expert`` (one select here, ``offer``), the consortium ``members``."""

    renamed_fields: dict[str, str] = {"result": "offer", "expert": "offer"}

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            renamed: dict[str, list[str]] = {}
            for name, messages in exc.message_dict.items():
                renamed.setdefault(self.renamed_fields.get(name, name), []).extend(messages)
            exc = ValidationError(renamed)  # type: ignore[arg-type]
        form_add_service_errors(self, exc)  # type: ignore[arg-type]


def partner_choices(user: User, entry: Entry | None = None) -> list[tuple[Any, Any]]:
    """Verified enterprises, universities, institutes and service bodies other than the
    bidder's own unit (and the units already in the entry, verified or not)."""
    own = user.organization
    orgs = Organization.objects.filter(is_verified=True).exclude(org_type=Organization.Type.BUREAU)
    if entry is not None:
        orgs = orgs | Organization.objects.filter(pk__in=entry.members.values("organization"))
    if own is not None:
        orgs = orgs.exclude(pk=own.pk)
    return [("", _("（不填）")), *((o.pk, o.name) for o in orgs.distinct().order_by("name"))]


def offer_choices(user: User, entry: Entry | None = None) -> list[tuple[str, Any]]:
    """The published results and expert profiles of the bidder's unit."""
    choices: list[tuple[str, Any]] = [("", _("（不选择）"))]
    for kind, label in (("result", _("成果")), ("expert", _("专家"))):
        owned = register_selectors.posting_list_owned_by(kind=kind, user=user).filter(
            status=PostingStatus.PUBLISHED
        )
        choices += [(f"{kind}:{p.pk}", f"{label}：{p}") for p in owned]
    current = entry and (entry.result or entry.expert)
    if entry is not None and current is not None:
        value = f"{'result' if entry.result_id else 'expert'}:{current.pk}"
        if value not in dict(choices):
            choices.append((value, str(current)))
    return choices


class EntryForm(ServiceErrorsMixin, forms.Form):
    """A bid for a challenge (揭榜) or a competition entry, with its consortium: the lead
    (the bidder's unit) in the first row, partners in the others; empty rows are ignored."""

    group = _choice(_("参赛组别"), required=False)
    title = forms.CharField(label=_("方案/项目名称"), max_length=200, widget=TEXT)
    proposal = forms.CharField(label=_("技术方案"), max_length=20000, widget=_area(8))
    budget = _decimal(_("申请经费(万元)"), min=0)
    offer = forms.CharField(
        label=_("依托成果或负责专家"),
        required=False,
        widget=SELECT,
        help_text=_("本单位已发布的科技成果或专家档案；揭榜须选择一项。"),
    )
    # Carries the consortium's messages (shares, units); the rows are the fields below.
    members = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        programme: Programme,
        user: User,
        entry: Entry | None = None,
        **kwargs: Any,
    ) -> None:
        if entry is not None and not args and "data" not in kwargs:
            kwargs.setdefault("initial", self.initial_of(entry))
        super().__init__(*args, **kwargs)
        self.lead = entry.lead if entry is not None else user.organization
        if entry is not None or not programme.is_competition:
            del self.fields["group"]
        else:
            group = self.fields["group"]
            assert isinstance(group, forms.TypedChoiceField)
            groups = [(g.pk, g.name) for g in programme.groups.all()]
            group.choices = [("", _("请选择组别")), *groups]
        self.fields["offer"].widget.choices = offer_choices(user, entry)  # type: ignore[attr-defined]
        partners = partner_choices(user, entry)
        for i in range(CONSORTIUM_ROWS):
            if i:
                self.fields[f"m{i}_organization"] = _choice(_("联合单位"), required=False)
                self.fields[f"m{i}_organization"].choices = partners  # type: ignore[attr-defined]
            self.fields[f"m{i}_duty"] = forms.CharField(
                label=_("承担任务"), required=False, max_length=300, widget=TEXT
            )
            self.fields[f"m{i}_people"] = forms.CharField(
                label=_("参与人员"), required=False, max_length=300, widget=TEXT
            )
            self.fields[f"m{i}_share"] = _decimal(_("经费占比(%)"), min=0, max=100)
            for name in ("organization", "duty", "people", "share"):
                field = self.fields.get(f"m{i}_{name}")
                if field is not None:  # the cells have no label of their own
                    field.widget.attrs["aria-label"] = f"{field.label}（{i + 1}）"
        if not self.is_bound and "m0_share" not in self.initial:
            self.initial["m0_share"] = 100

    @staticmethod
    def initial_of(entry: Entry) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": entry.title,
            "proposal": entry.proposal,
            "budget": entry.budget,
            "offer": f"result:{entry.result_id}"
            if entry.result_id
            else (f"expert:{entry.expert_id}" if entry.expert_id else ""),
        }
        partners = [m for m in entry.members.all() if m.organization_id != entry.lead_id]
        lead = [m for m in entry.members.all() if m.organization_id == entry.lead_id]
        for i, member in enumerate(lead[:1] + partners[: CONSORTIUM_ROWS - 1]):
            if i:
                initial[f"m{i}_organization"] = member.organization_id
            initial.update(
                {
                    f"m{i}_duty": member.duty,
                    f"m{i}_people": member.people,
                    f"m{i}_share": member.budget_share,
                }
            )
        return initial

    def rows(self) -> list[dict[str, Any]]:
        """The consortium rows for the template: bound fields per row; from the third row
        on, an empty row is a spare one (folded away)."""
        rows = []
        for i in range(CONSORTIUM_ROWS):
            names = [f"m{i}_{k}" for k in ("organization", "duty", "people", "share")]
            bound = {name: self[name] for name in names if name in self.fields}
            filled = any(f.value() not in (None, "") or f.errors for f in bound.values())
            rows.append(
                {
                    "index": i,
                    "organization": bound.get(names[0]),
                    "duty": bound[names[1]],
                    "people": bound[names[2]],
                    "share": bound[names[3]],
                    "spare": i >= 2 and not filled,
                }
            )
        return rows

    def spare_rows(self) -> bool:
        return any(row["spare"] for row in self.rows())

    def clean_offer(self) -> tuple[str, int] | None:
        value = self.cleaned_data.get("offer") or ""
        if not value:
            return None
        kind, _sep, pk = value.partition(":")
        if kind not in ("result", "expert") or not pk.isdigit() or not 0 < int(pk) <= MAX_PK:
            raise ValidationError(_("请选择成果或专家。"), code="invalid_choice")
        return kind, int(pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, CONSORTIUM_ROWS):
            values = [data.get(f"m{i}_{k}") for k in ("duty", "people", "share")]
            filled = any(v not in (None, "") for v in values)
            if filled and not data.get(f"m{i}_organization"):
                self.add_error(f"m{i}_organization", _("请选择联合单位，或清空该行。"))
        return data

    def member_rows(self) -> list[dict[str, Any]]:
        """The consortium as the services take it (``members``)."""
        data = self.cleaned_data
        rows = []
        for i in range(CONSORTIUM_ROWS):
            org = self.lead.pk if i == 0 and self.lead else data.get(f"m{i}_organization")
            if not org:
                continue
            rows.append(
                {
                    "organization": org,
                    "role": "lead" if i == 0 else "member",
                    "duty": data.get(f"m{i}_duty") or "",
                    "people": data.get(f"m{i}_people") or "",
                    "budget_share": data.get(f"m{i}_share"),
                }
            )
        return rows

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        offer = data.get("offer")
        kwargs: dict[str, Any] = {
            "data": {k: data[k] for k in ("title", "proposal", "budget")},
            "members": self.member_rows(),
            "result_id": offer[1] if offer and offer[0] == "result" else None,
            "expert_id": offer[1] if offer and offer[0] == "expert" else None,
        }
        if "group" in self.fields:
            kwargs["group_id"] = data.get("group")
        return kwargs


class ObjectionForm(ServiceErrorsMixin, forms.Form):
    entry = _choice(_("针对项目"), required=False)
    grounds = forms.CharField(label=_("异议理由"), max_length=5000, widget=_area(4))

    def __init__(self, *args: Any, entries: list[Entry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entry = self.fields["entry"]
        assert isinstance(entry, forms.TypedChoiceField)
        choices = [(e.pk, f"{e.title}（{e.lead}）") for e in entries]
        entry.choices = [("", _("针对整体结果")), *choices]


class MilestoneForm(ServiceErrorsMixin, forms.Form):
    """The lead reports a milestone done: date, what was done, an optional document."""

    done_at = forms.DateField(
        label=_("完成日期"), widget=forms.DateInput(attrs={"class": "form-control", "type": "date"})
    )
    note = forms.CharField(label=_("完成情况"), max_length=5000, widget=_area(3))
    document = forms.FileField(
        label=_("材料（可选）"),
        required=False,
        help_text=_("PDF、图片或 Office 文件。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, milestone: Milestone, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_ms{milestone.pk}_%s")
        kwargs.setdefault("initial", {"done_at": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.milestone = milestone

    def clean_document(self) -> Any:
        """The same size and content checks as a posting's attachments."""
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        if (upload.size or 0) > settings.ATTACHMENT_MAX_BYTES:
            limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
            raise ValidationError(_("文件不能超过 %(mb)s MB。") % {"mb": limit})
        upload.seek(0)
        try:
            detect_mime_type(name=upload.name or "", head=upload.read(8192), stream=upload)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        upload.seek(0)
        return upload


class AttachmentForm(ServiceErrorsMixin, forms.Form):
    """A document the lead attaches to its bid (checked by content by the service)."""

    attachment = forms.FileField(
        label=_("上传材料"),
        help_text=_("技术方案、预算书、资质证明等：PDF、图片或 Office 文件。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )


class ReviewForm(forms.Form):
    """One score per criterion (0 to its full mark) and a comment."""

    comment = forms.CharField(label=_("评审意见"), required=False, max_length=5000, widget=_area(4))

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"c{criterion.pk}"] = forms.DecimalField(
                label=criterion.name,
                required=False,
                max_digits=7,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control",
                        "min": 0,
                        "max": criterion.max_score,
                        "step": "0.5",
                    }
                ),
            )
        self.order_fields([f"c{c.pk}" for c in criteria] + ["comment"])

    def rows(self) -> list[tuple[Criterion, Any]]:
        return [(c, self[f"c{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict[str, Any]:
        return {str(c.pk): self.cleaned_data.get(f"c{c.pk}") for c in self.criteria}

    def add_service_errors(self, exc: ValidationError) -> None:
        """A message naming a criterion (“创新性”的分数…) goes on that criterion's field."""
        messages = exc.message_dict.get("scores", []) if hasattr(exc, "error_dict") else []
        for message in messages:
            field = next((f"c{c.pk}" for c in self.criteria if f"“{c.name}”" in message), None)
            self.add_error(field, message)
        if not messages:
            form_add_service_errors(self, exc)


class ConflictForm(forms.Form):
    """A reviewer declares a conflict of interest with an organisation (回避)."""

    organization = _choice(_("回避单位"))
    reason = forms.CharField(label=_("回避理由"), required=False, max_length=300, widget=TEXT)
    entry = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PK, widget=forms.HiddenInput
    )

    def __init__(
        self, *args: Any, organizations: list[Organization] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        orgs = organizations
        if orgs is None:
            orgs = list(
                Organization.objects.exclude(org_type=Organization.Type.BUREAU).order_by("name")
            )
        field = self.fields["organization"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("请选择单位")), *((o.pk, o.name) for o in orgs)]
