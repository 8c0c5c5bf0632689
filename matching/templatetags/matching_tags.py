"""``{% recommendations_for posting "need" %}``: a block on a register's detail page that
loads the posting's recommendations with htmx (only for users allowed to see them)."""

from __future__ import annotations

from typing import Any

from django import template

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
