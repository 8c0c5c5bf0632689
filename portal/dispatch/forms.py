"""Forms of the dispatch pages (产业特派员). They parse input only: every rule (jurisdiction,
capacity, fields and districts of the round, who may act) is checked by
:mod:`portal.dispatch.services`, whose errors the views put back here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from portal.dispatch.models import Round, RoundEnterprise, Visit
from portal.dispatch.services import ROUND_FIELDS
from portal.form_errors import IdsField
from portal.forms import BootstrapMixin, _field_choices
from portal.models import Need, Result, TechField
from portal.reference.regions import region_choices, region_prefix, region_table

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def district_choices(round_: Round) -> list[tuple[str, str]]:
    """The round's region and the divisions under it (region codes)."""
    prefix = region_prefix(round_.region_code)
    return [
        (code, name)
        for code, name in region_choices(max_level=3)
        if code.startswith(prefix) and code in region_table()
    ]


class RoundForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    summary = forms.CharField(
        label=_("说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    region_code = forms.ChoiceField(label=_("地区"))
    period_start = forms.DateField(label=_("开始日期"), widget=DATE)
    period_end = forms.DateField(label=_("结束日期"), widget=DATE)
    min_score = forms.FloatField(
        label=_("最低匹配分"),
        min_value=0,
        initial=0.5,
        help_text=_("低于此分不派遣，企业列为未服务并说明原因。"),
    )
    visit_due_days = forms.IntegerField(label=_("首次走访期限(天)"), initial=14)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        org = user.organization
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {
                "region_code": org.region_code if org is not None else "",
                "period_start": today,
                "period_end": today + dt.timedelta(days=180),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["fields"] = forms.ModelMultipleChoiceField(
            label=_("服务领域"),
            queryset=TechField.objects.filter(is_active=True),
            required=False,
            help_text=_("可多选（按住 Ctrl 或 ⌘ 键）；不选则不限领域。"),
        )
        self.order_fields(["title", "summary", "region_code", "period_start", "period_end"])
        prefix = user.jurisdiction or ""
        region = self.fields["region_code"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [
            ("", _("请选择")),
            *[c for c in region_choices(max_level=3) if c[0].startswith(prefix)],
        ]
        tech = self.fields["fields"]
        assert isinstance(tech, forms.ModelMultipleChoiceField)
        tech.choices = _field_choices()
        tech.widget.attrs["size"] = 8
        self._style()

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in ROUND_FIELDS}

    def field_ids(self) -> list[int]:
        return [f.pk for f in self.cleaned_data["fields"]]


class EnterprisesAddForm(BootstrapMixin, forms.Form):
    organizations = forms.CharField(
        label=_("企业编号"),
        required=False,
        max_length=2000,
        help_text=_("以逗号或空格分隔；留空则添加本地区所有有公开需求的企业。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean_organizations(self) -> list[int] | None:
        text = self.cleaned_data["organizations"].replace("，", ",").replace(",", " ")
        parts = text.split()
        if not parts:
            return None
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(_("企业编号须为数字。")) from None


class PinForm(BootstrapMixin, forms.Form):
    enterprise = forms.TypedChoiceField(label=_("企业"), coerce=int)
    volunteer = forms.TypedChoiceField(label=_("专家"), coerce=int)

    def __init__(self, *args: Any, round_: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ent = self.fields["enterprise"]
        vol = self.fields["volunteer"]
        assert isinstance(ent, forms.ChoiceField)
        assert isinstance(vol, forms.ChoiceField)
        ent.choices = [
            (e.pk, str(e.organization)) for e in round_.enterprises.select_related("organization")
        ]
        vol.choices = [(v.pk, str(v.expert)) for v in round_.volunteers.select_related("expert")]
        self._style()


class VolunteerForm(BootstrapMixin, forms.Form):
    capacity = forms.IntegerField(
        label=_("可服务企业数"), help_text=_("同时服务的企业数，1 到 50。")
    )
    fields_ = forms.TypedMultipleChoiceField(
        label=_("服务领域"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    districts = forms.MultipleChoiceField(
        label=_("服务区县"), help_text=_("可多选（按住 Ctrl 或 ⌘ 键）。")
    )

    def __init__(self, *args: Any, round_: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tech = self.fields["fields_"]
        assert isinstance(tech, forms.ChoiceField)
        allowed = list(round_.fields.all()) or list(TechField.objects.filter(is_active=True))
        tech.choices = [(f.pk, f.name) for f in allowed]
        districts = self.fields["districts"]
        assert isinstance(districts, forms.ChoiceField)
        districts.choices = district_choices(round_)
        districts.widget.attrs["size"] = 8
        self._style()


class ExclusionsForm(forms.Form):
    excluded = IdsField(required=False)


ACCEPT = ".pdf,.jpg,.jpeg,.png,.gif,.webp,.doc,.docx,.xls,.xlsx,.ppt,.pptx"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (each checked by content by the service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("照片或报告"),
        required=False,
        help_text=_("可多选：现场照片、诊断报告等，PDF、图片或 Office 文件，每条记录最多 10 个。"),
    )


class VisitForm(BootstrapMixin, forms.Form):
    date = forms.DateField(label=_("服务日期"), widget=DATE)
    mode = forms.ChoiceField(label=_("方式"), choices=Visit.Mode.choices)
    problem = forms.CharField(
        label=_("诊断的问题"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    advice = forms.CharField(
        label=_("提出的建议"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_step = forms.CharField(label=_("下一步"), max_length=500, required=False)
    attachments = _attachments_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate(), "mode": Visit.Mode.ONSITE})
        super().__init__(*args, **kwargs)
        self._style()
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} form-control-lg".replace(
                "form-select form-control-lg", "form-select form-select-lg"
            )


class VisitAttachForm(BootstrapMixin, forms.Form):
    attachments = _attachments_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class ProposeForm(BootstrapMixin, forms.Form):
    need = forms.TypedChoiceField(label=_("企业的技术需求"), coerce=int)
    result = forms.TypedChoiceField(
        label=_("专家的科技成果（可选）"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        enterprise: RoundEnterprise,
        expert_user_id: int | None,
        expert_org_id: int | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        need_ids = set(enterprise.needs.values_list("pk", flat=True))
        needs = Need.objects.filter(pk__in=need_ids) | Need.objects.filter(
            organization_id=enterprise.organization_id
        )
        need = self.fields["need"]
        result = self.fields["result"]
        assert isinstance(need, forms.ChoiceField)
        assert isinstance(result, forms.ChoiceField)
        need.choices = [(n.pk, n.title) for n in needs.distinct().order_by("-pk")[:100]]
        results = Result.objects.filter(created_by=expert_user_id or 0)
        if expert_org_id:
            results = results | Result.objects.filter(organization_id=expert_org_id)
        result.choices = [
            ("", _("不选（以专家本人对接）")),
            *[(r.pk, r.title) for r in results.distinct().order_by("-pk")[:100]],
        ]
        self._style()


class RateForm(BootstrapMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(i, "★" * i) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("评价"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
