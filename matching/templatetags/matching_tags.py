"""``{% recommendations_for posting "need" %}``: a block on a register's detail page that
loads the posting's recommendations with htmx (only for users allowed to see them)."""

from __future__ import annotations

from typing import Any

from django import template

from matching.lists import bands
from matching.lists.selectors import user_can_see_recommendations

register = template.Library()


@register.inclusion_tag("matching/recommendations_slot.html", takes_context=True)
def recommendations_for(context: dict[str, Any], posting: Any, kind: str) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    visible = (
        user is not None
        and user.is_authenticated
        and user_can_see_recommendations(user=user, posting=posting)
    )
    return {"visible": visible, "kind": kind, "pk": posting.pk}


@register.inclusion_tag("matching/partials/score_band.html")
def score_band(score: float | None) -> dict[str, Any]:
    """A badge with the band of a pair's score (高 / 中 / 低, calibrated on the benchmark)."""
    band = bands.score_band(score)
    return {"band": band, "label": bands.BANDS[band], "score": score}
