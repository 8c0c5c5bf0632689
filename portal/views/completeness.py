"""The need form's live completeness panel (htmx): the form's current values in, the score
and the prompts out. Reads nothing but reference data and saves nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from portal.services.completeness import need_completeness

_SCALARS = ("title", "description", "keywords", "budget_min", "budget_max", "deadline")
_LISTS = ("fields", "cooperation_modes")


@login_required
@require_http_methods(["GET", "POST"])
def need_completeness_panel(request: HttpRequest) -> HttpResponse:
    values = request.POST if request.method == "POST" else request.GET
    data: dict[str, object] = {name: values.get(name, "") for name in _SCALARS}
    for name in _LISTS:
        data[name] = [v for v in values.getlist(name) if v.strip()]
    return render(
        request, "portal/partials/completeness.html", {"completeness": need_completeness(data)}
    )
