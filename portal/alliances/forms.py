"""Browser forms of the alliance pages: parsing and widgets only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Alliance, AllianceMembership
from portal.forms import BootstrapMixin
from portal.reference.regions import region_choices


class AllianceCreateForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("联盟名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Alliance.Kind.choices)
    region_code = forms.ChoiceField(label=_("所在地区"))
    website = forms.URLField(label=_("网址"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("简介"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region_code"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("请选择")), *region_choices()]
        self._style()


class AllianceEditForm(BootstrapMixin, forms.Form):
    website = forms.URLField(label=_("网址"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("简介"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class MemberAddForm(forms.Form):
    """One organisation picked from the search results, and its role."""

    organization = forms.IntegerField(
        min_value=1, error_messages={"required": _("请选择要添加的机构。")}
    )
    role = forms.ChoiceField(
        choices=AllianceMembership.Role.choices,
        required=False,
        error_messages={"invalid_choice": _("成员类型只能是“成员单位”或“理事长单位”。")},
    )
