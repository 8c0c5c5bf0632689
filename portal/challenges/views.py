"""Browser pages of challenge lists and competitions (placeholder routes)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def programme_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")


def challenge_detail(request: HttpRequest, pk: int, challenge_pk: int) -> HttpResponse:
    return HttpResponse("")
