"""Browser forms of the registers: field parsing and widgets only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Alliance, Organization
from portal.models import CooperationMode, Expert, IPType, MaturityLevel, Need, Result, TechField
from portal.models.validators import AMOUNT_MAX, deadline_latest
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
        groups.setdefault(item.parent_id, []).append((item.pk, item.display_name))
    return [
        (top.display_name, [(top.pk, top.display_name), *groups.get(top.pk, [])]) for top in tops
    ]


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
        self._limit_hints()
        if user is not None and user.is_bureau_staff and self.instance.pk is None:
            self.fields["organization"] = forms.ModelChoiceField(
                label=_("所属机构"),
                queryset=Organization.objects.order_by("name"),
                required=False,
                help_text=_("科技局代为录入时选择；留空表示台账条目。"),
            )
        self._style()

    def _limit_hints(self) -> None:
        """Browser hints of the model's limits (the model and service still check them):
        a live character count under long texts (static/js/counter.js), date and amount
        bounds on their inputs."""
        for field in self.fields.values():
            limit = field.max_length if isinstance(field, forms.CharField) else None
            if limit and isinstance(field.widget, forms.Textarea):
                field.widget.attrs["data-maxlength-counter"] = str(limit)
            if isinstance(field, forms.DecimalField):
                field.widget.attrs.setdefault("min", "0")
                field.widget.attrs.setdefault("max", str(AMOUNT_MAX))
        if "deadline" in self.fields:
            attrs = self.fields["deadline"].widget.attrs
            attrs["max"] = deadline_latest().isoformat()
            if self.instance.pk is None:
                attrs["min"] = timezone.localdate().isoformat()

    def service_data(self) -> dict[str, Any]:
        """cleaned_data restricted to what the services accept."""
        skip = {"attachment", "organization"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class MembersFirstMixin:
    """The "members first" choice of needs and results: an alliance of the posting's
    organisation and a number of days (the service checks both, in Chinese)."""

    def _members_first_fields(self, user: Any) -> None:
        form: Any = self
        instance = form.instance
        org = instance.organization if instance.pk else getattr(user, "organization", None)
        alliances = Alliance.objects.filter(is_active=True)
        if not (instance.pk is None and user is not None and user.is_bureau_staff):
            # staff entering for any organisation see every alliance; others their own
            member_of = Alliance.objects.filter(memberships__organization_id=getattr(org, "pk", 0))
            alliances = alliances.filter(pk__in=member_of.values("pk"))
        current = instance.members_first_alliance_id
        if current is not None:
            alliances = alliances | Alliance.objects.filter(pk=current)
        if not alliances.exists():
            # nothing to choose from: the posting is public on publication
            del form.fields["members_first_alliance"]
            del form.fields["members_first_days"]
            return
        field = _model_choice_field(form, "members_first_alliance")
        field.queryset = alliances.distinct().order_by("name")
        field.empty_label = _("不设置（发布后即公开）")
        field.error_messages["invalid_choice"] = _("请选择本机构所在的联盟。")
        field.help_text = _("选择后，发布后的一段时间内仅该联盟成员单位可以看到此信息。")
        form.fields["members_first_days"] = forms.IntegerField(
            label=_("成员优先天数"),
            required=False,
            help_text=_("1–90 天，自审核通过发布之日起计算，到期后自动公开。"),
            error_messages={"invalid": _("请输入 1 到 90 之间的整数天数。")},
            widget=forms.NumberInput(attrs={"min": 1, "max": 90}),
        )


class NeedForm(MembersFirstMixin, PostingForm):
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
            "members_first_alliance",
            "members_first_days",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        _model_choice_field(self, "expected_maturity").queryset = MaturityLevel.objects.filter(
            is_active=True
        )
        self._members_first_fields(user)
        self._style()


class ResultForm(MembersFirstMixin, PostingForm):
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
            "members_first_alliance",
            "members_first_days",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 8}),
            "team": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        ip_types = _model_choice_field(self, "ip_types")
        ip_types.widget = forms.CheckboxSelectMultiple()
        ip_types.queryset = IPType.objects.filter(is_active=True)
        _model_choice_field(self, "maturity").queryset = MaturityLevel.objects.filter(
            is_active=True
        )
        self._members_first_fields(user)
        self._style()


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
