"""The search box's completions (htmx): a <datalist> of field names and frequent
keywords containing what was typed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from portal.suggest import suggestions


@require_GET
@cache_control(private=True, max_age=60)
def search_suggest(request: HttpRequest) -> HttpResponse:
    items = suggestions(request.GET.get("q", ""))
    return render(request, "portal/partials/suggestions.html", {"items": items})
