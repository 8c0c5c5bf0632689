"""Show a service's ValidationError on the browser form that called it, or as a message;
the checkbox-ids field the staff pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def form_add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Attach each message to its field when the form has that field, else to the form.

    Services validate the whole operation (full_clean plus business rules) and raise one
    ValidationError; the views use this so the user sees every message where it belongs.
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, field_messages in exc.message_dict.items():
        target = name if name in form.fields else None
        for message in field_messages:
            form.add_error(target, message)


def error_text(exc: ValidationError) -> str:
    """A service's refusal as one line for a flash message."""
    return "；".join(exc.messages)


def flash_outcome(request: HttpRequest, action: Callable[[], str]) -> None:
    """Run one service call from a button: its success text, or its refusal, becomes the
    page's message (the staff pages then redirect to the section it came from)."""
    try:
        text = action()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, text)


def form_error_text(form: Any) -> str:
    """Every error of a form as one line, each after its field's label."""
    texts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}：" if field is not None and field.label else ""
        texts += [f"{label}{e}" for e in errors]
    return "；".join(texts)


class IdsField(forms.Field):
    """Numeric ids from checkboxes; which of them may be acted on is the service's business."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("所选编号无效。")}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return [int(v) for v in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
