"""Show a service's ValidationError on the browser form that called it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


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
