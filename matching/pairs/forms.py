"""Forms of the match workflow pages. They parse input only; the rules are in workflow.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import ContractType, FollowUpChannel, PairKind, RejectReason
from portal.filters import field_choice_groups
from portal.reference.regions import is_region_code, region_prefix

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
AREA = forms.Textarea(attrs={"class": "form-control", "rows": 3})
SELECT = forms.Select(attrs={"class": "form-select"})


class QueueFilterForm(forms.Form):
    """The suggestions queue's filters; every state is a query parameter (links survive
    being pasted). ``region`` is a division code chosen in the province → city → district
    picker; the queue filters by its prefix."""

    AGE_CHOICES = [
        ("", _("不限")),
        ("7", _("7 天内")),
        ("30", _("30 天内")),
        ("gt7", _("超过 7 天")),
        ("gt30", _("超过 30 天")),
        ("gt90", _("超过 90 天")),
    ]
    BAND_CHOICES = [
        ("", _("全部")),
        ("high", _("高")),
        ("medium", _("中")),
        ("low", _("低")),
        ("medium_up", _("中及以上")),
    ]

    need = forms.CharField(
        label=_("技术需求"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("需求编号或标题"), "type": "search"}
        ),
    )
    field = forms.ChoiceField(label=_("技术领域"), required=False, widget=SELECT)
    region = forms.CharField(
        label=_("地区"), required=False, max_length=6, widget=forms.HiddenInput
    )
    band = forms.ChoiceField(
        label=_("匹配度"),
        required=False,
        choices=BAND_CHOICES,
        widget=SELECT,
        help_text=_("在公开基准集上校准：匹配度高的推荐约八成为相关匹配。"),
    )
    age = forms.ChoiceField(label=_("推荐时间"), required=False, choices=AGE_CHOICES, widget=SELECT)
    direction = forms.ChoiceField(
        label=_("方向"),
        required=False,
        choices=[("", _("全部")), *PairKind.choices],
        widget=SELECT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["field"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = field_choice_groups()

    def clean_region(self) -> str:
        code = (self.cleaned_data.get("region") or "").strip()
        if code and not is_region_code(code):
            raise forms.ValidationError(_("请选择省、市或区县。"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["region_prefix"] = region_prefix(data["region"]) if data.get("region") else ""
        return data


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(
        label=_("否决原因"), choices=RejectReason.choices, widget=SELECT
    )
    reason_text = forms.CharField(label=_("说明"), required=False, max_length=500, widget=TEXT)


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, label=_("选中的推荐"))
    action = forms.ChoiceField(choices=[("approve", _("批量批准")), ("reject", _("批量否决"))])
    reason_code = forms.ChoiceField(
        label=_("否决原因"),
        required=False,
        choices=[("", "—"), *RejectReason.choices],
        widget=SELECT,
    )
    reason_text = forms.CharField(label=_("说明"), required=False, max_length=500, widget=TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id may be posted; the service refuses the ones outside the jurisdiction.
        self.fields["ids"].choices = [(v, v) for v in self.data.getlist("ids")]  # type: ignore[attr-defined]


class RespondForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("同意对接")), ("0", _("谢绝"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("原因"), required=False, max_length=500, widget=TEXT)
    side = forms.ChoiceField(
        required=False, choices=[("", ""), ("need", _("需求方")), ("offer", _("供给方"))]
    )


class AdvanceForm(forms.Form):
    stage = forms.ChoiceField(label=_("变更为"), widget=SELECT)
    note = forms.CharField(label=_("备注/原因"), required=False, max_length=1000, widget=TEXT)
    contract_amount = forms.DecimalField(
        label=_("合同金额(万元)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    contract_date = forms.DateField(label=_("签约日期"), required=False, widget=DATE)
    contract_type = forms.ChoiceField(
        label=_("合同类型"),
        required=False,
        choices=[("", "—"), *ContractType.choices],
        widget=SELECT,
    )
    contract_reg_no = forms.CharField(
        label=_("技术合同登记号"), required=False, max_length=50, widget=TEXT
    )
    landed_summary = forms.CharField(
        label=_("落地成效"), required=False, max_length=2000, widget=AREA
    )
    landed_date = forms.DateField(label=_("落地日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, stages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage = self.fields["stage"]
        assert isinstance(stage, forms.ChoiceField)
        stage.choices = stages


class FollowUpForm(forms.Form):
    date = forms.DateField(label=_("跟进日期"), widget=DATE)
    channel = forms.ChoiceField(label=_("方式"), choices=FollowUpChannel.choices, widget=SELECT)
    summary = forms.CharField(label=_("情况摘要"), max_length=2000, widget=AREA)
    next_step = forms.CharField(label=_("下一步"), required=False, max_length=500, widget=TEXT)
    next_contact_date = forms.DateField(label=_("下次联系日期"), required=False, widget=DATE)


class ManualMatchForm(forms.Form):
    need = forms.IntegerField(label=_("技术需求"), widget=forms.HiddenInput)
    offer_kind = forms.ChoiceField(
        label=_("对接对象"),
        choices=[("result", _("科技成果")), ("expert", _("科技专家"))],
        widget=SELECT,
    )
    offer = forms.IntegerField(label=_("成果或专家"), widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注"), required=False, max_length=500, widget=TEXT)
