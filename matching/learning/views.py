"""The staff page 排序学习: what the latest fit of the weights to staff decisions found, and
how it moves the pairs staff decided in their own jurisdiction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from matching.engine.learning import PARTS
from matching.learning import selectors
from matching.learning.services import fit_policy, rank_summary
from matching.lists.documents import top_k
from matching.lists.explain import FACTOR_LABELS
from matching.models import Match, WeightFit
from matching.pairs import scoping

# Decided pairs listed one by one, those that move most first.
ROWS_SHOWN = 50


def _staff(request: HttpRequest) -> tuple[User, str]:
    user: User = request.user  # type: ignore[assignment]
    prefix = scoping.jurisdiction_of(user)
    if prefix is None:
        raise PermissionDenied
    return user, prefix


def _weight_rows(before: dict[str, float], after: dict[str, float]) -> list[dict[str, Any]]:
    rows = []
    for name in PARTS:
        old, new = before.get(name), after.get(name)
        rows.append(
            {
                "name": name,
                "label": FACTOR_LABELS.get(name, name),
                "before": old,
                "after": new,
                "change": None if old is None or new is None else round(new - old, 4),
            }
        )
    return rows


def _decided_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = sorted(rows, key=lambda r: (-abs(r["after"] - r["before"]), r["match"]))[:ROWS_SHOWN]
    matches = Match.objects.select_related("need", "result", "expert").in_bulk(
        [r["match"] for r in shown]
    )
    out = []
    for row in shown:
        match = matches.get(row["match"])
        if match is None:
            continue
        out.append({**row, "pair": match, "offer": match.offer})
    return out


@login_required
@require_GET
def learning_page(request: HttpRequest) -> HttpResponse:
    _user, prefix = _staff(request)
    in_force = selectors.fit_in_force(region=prefix)
    latest = selectors.fit_for_jurisdiction(prefix=prefix)
    # What changed the weights their lists are ranked with; else why nothing changed yet.
    fit = WeightFit.objects.get(pk=in_force.pk) if in_force is not None else latest
    context: dict[str, Any] = {
        "fit": fit,
        "in_force": in_force,
        "latest": latest,
        "policy": fit_policy(),
        "k": top_k(),
        "history": selectors.fit_history(prefix=prefix),
    }
    if fit is not None:
        rows = selectors.comparison_in_jurisdiction(fit=fit, prefix=prefix)
        context.update(
            weights=_weight_rows(fit.weights_before, fit.weights_after),
            rank_rows=[
                (_("批准的配对"), rank_summary(rows, approved=True, k=context["k"])),
                (_("否决的配对"), rank_summary(rows, approved=False, k=context["k"])),
            ],
            own_count=len(rows),
            decided=_decided_rows(rows),
        )
    return render(request, "matching/learning.html", context)
