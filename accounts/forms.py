from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organization, User
from accounts.validators import validate_cn_phone, validate_credit_code
from portal.reference.regions import region_choices

SELF_SERVICE_ROLE_CHOICES = [
    (Membership.Role.ENTERPRISE, Membership.Role.ENTERPRISE.label),
    (Membership.Role.RESEARCHER, Membership.Role.RESEARCHER.label),
    (Membership.Role.EXPERT, Membership.Role.EXPERT.label),
]
SELF_SERVICE_ORG_TYPES = [
    (value, label)
    for value, label in Organization.Type.choices
    if value != Organization.Type.BUREAU
]


class BootstrapFormMixin:
    """Bootstrap classes on every widget, and ``is-invalid`` on each field with an error (also
    errors a service adds after validation), so the shared partial shows them in place."""

    def _bootstrap(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                attrs = self.fields[name].widget.attrs  # type: ignore[attr-defined]
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()


class RegistrationForm(BootstrapFormMixin, forms.Form):
    """Field checks only; the rules (roles, duplicates) live in accounts.services."""

    username = forms.RegexField(
        label=_("用户名"),
        max_length=30,
        regex=r"^[A-Za-z0-9_.-]{3,30}$",
        error_messages={"invalid": _("用户名为3-30位字母、数字、下划线、点或减号。")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号码"), max_length=11, validators=[validate_cn_phone])
    email = forms.EmailField(label=_("电子邮箱"))
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, strip=False)
    role = forms.ChoiceField(label=_("注册身份"), choices=SELF_SERVICE_ROLE_CHOICES)
    org_name = forms.CharField(label=_("机构名称"), max_length=100)
    org_type = forms.ChoiceField(label=_("机构类型"), choices=SELF_SERVICE_ORG_TYPES)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=18, validators=[validate_credit_code]
    )
    region_code = forms.ChoiceField(label=_("所在地区"), choices=())
    agree = forms.BooleanField(
        label=_("我已阅读并同意《用户协议》和《隐私政策》"),
        error_messages={"required": _("请阅读并同意用户协议和隐私政策。")},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        region_field = self.fields["region_code"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [("", _("请选择")), *region_choices()]
        autocomplete = {
            "username": "username",
            "display_name": "name",
            "phone": "tel",
            "email": "email",
            "password1": "new-password",
            "password2": "new-password",
            "org_name": "organization",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value
        self._bootstrap()

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


class PasswordChangeForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


class PasswordResetForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("电子邮箱")  # as on the registration form
        self._bootstrap()


class SetPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()


class MfaCodeForm(BootstrapFormMixin, forms.Form):
    """A 6-digit code from the authenticator app, or (where allowed) a recovery code."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=32,
        error_messages={"required": _("请输入验证码。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        )
