"""Browser forms of the registers: field parsing and widgets only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from portal.models import CooperationMode, Expert, IPType, MaturityLevel, Need, Result, TechField
from portal.reference.regions import region_choices


class BootstrapMixin:
    """Give every widget Bootstrap's classes (the shared form partial renders {{ field }})."""

    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def _field_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    groups: dict[int | None, list[tuple[int, str]]] = {}
    tops: list[TechField] = []
    for item in TechField.objects.filter(is_active=True).select_related("parent"):
        if item.parent_id is None:
            tops.append(item)
        groups.setdefault(item.parent_id, []).append((item.pk, item.name))
    return [(top.name, [(top.pk, top.name), *groups.get(top.pk, [])]) for top in tops]


def _model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form field Django built for a ForeignKey or ManyToManyField, typed as such."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is a {type(field).__name__}, not a ModelChoiceField")
    return field


class PostingForm(BootstrapMixin, forms.ModelForm):
    attachment = forms.FileField(
        label=_("上传附件"),
        required=False,
        help_text=_("支持 PDF、图片和 Office 文件，单个不超过 20 MB。"),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "region_code" in self.fields:
            self.fields["region_code"] = forms.ChoiceField(
                label=_("所在地区"), choices=[("", _("请选择")), *region_choices()]
            )
        if "fields" in self.fields:
            tech_fields = _model_choice_field(self, "fields")
            tech_fields.choices = _field_choices()
            tech_fields.widget.attrs["size"] = 10
            tech_fields.error_messages["invalid_choice"] = _("技术领域 %(value)s 不存在。")
            tech_fields.error_messages["required"] = _("请至少选择一个技术领域。")
        if "cooperation_modes" in self.fields:
            cooperation_modes = _model_choice_field(self, "cooperation_modes")
            cooperation_modes.widget = forms.CheckboxSelectMultiple()
            cooperation_modes.queryset = CooperationMode.objects.filter(is_active=True)
        self.fields["attachment"].widget.attrs["accept"] = (
            ".pdf,.jpg,.jpeg,.png,.gif,.webp,.doc,.docx,.xls,.xlsx,.ppt,.pptx"
        )
        if user is not None and user.is_bureau_staff and self.instance.pk is None:
            self.fields["organization"] = forms.ModelChoiceField(
                label=_("所属机构"),
                queryset=Organization.objects.order_by("name"),
                required=False,
                help_text=_("科技局代为录入时选择；留空表示台账条目。"),
            )
        self._style()

    def service_data(self) -> dict[str, Any]:
        """cleaned_data restricted to what the services accept."""
        skip = {"attachment", "organization"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class NeedForm(PostingForm):
    confidential_fields = forms.MultipleChoiceField(
        label=_("保密字段"),
        choices=Need.CONFIDENTIAL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选的内容只对本机构和科技局工作人员可见。"),
    )

    class Meta:
        model = Need
        fields = [
            "title",
            "description",
            "fields",
            "keywords",
            "region_code",
            "budget_min",
            "budget_max",
            "cooperation_modes",
            "expected_maturity",
            "deadline",
            "contact_name",
            "contact_phone",
            "contact_email",
            "confidential_fields",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice_field(self, "expected_maturity").queryset = MaturityLevel.objects.filter(
            is_active=True
        )


class ResultForm(PostingForm):
    class Meta:
        model = Result
        fields = [
            "title",
            "summary",
            "fields",
            "keywords",
            "region_code",
            "maturity",
            "trl",
            "ip_types",
            "patent_numbers",
            "cooperation_modes",
            "asking_price",
            "team",
            "institution_name",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 8}),
            "team": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ip_types = _model_choice_field(self, "ip_types")
        ip_types.widget = forms.CheckboxSelectMultiple()
        ip_types.queryset = IPType.objects.filter(is_active=True)
        _model_choice_field(self, "maturity").queryset = MaturityLevel.objects.filter(
            is_active=True
        )


class ExpertForm(PostingForm):
    class Meta:
        model = Expert
        fields = [
            "name",
            "institution_name",
            "title",
            "fields",
            "keywords",
            "region_code",
            "biography",
            "representative_results",
            "cooperation_modes",
            "capacity",
            "willing_commissioner",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "biography": forms.Textarea(attrs={"rows": 6}),
            "representative_results": forms.Textarea(attrs={"rows": 4}),
        }


POSTING_FORMS: dict[str, type[PostingForm]] = {
    "need": NeedForm,
    "result": ResultForm,
    "expert": ExpertForm,
}


class RejectForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("退回原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("数据文件"), help_text=_("请使用下载的模板填写，支持 .xlsx 和 .csv 文件。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        self._style()
