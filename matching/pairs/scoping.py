"""Region scoping: what a staff member's jurisdiction (a GB/T 2260 code prefix) covers.

``user.jurisdiction`` is "" for administrators (everywhere), a prefix such as "3701" for a
city bureau's staff, and None for everyone else. Every staff list, action, dashboard and
export filters through these helpers, so the browser, the API and the exports agree.

A match belongs to a jurisdiction when either side does: the need's region, or the region
of the result or expert it is paired with (a city bureau follows its enterprises' needs and
its own institutions' results).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    from accounts.models import User
    from matching.models import Match

M = TypeVar("M", bound=Model)


def jurisdiction_of(user: Any) -> str | None:
    """The user's region prefix: "" everywhere, None when they are not staff at all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.jurisdiction  # type: ignore[no-any-return]


def require_staff(user: Any, message: str) -> None:
    """Refuse (PermissionDenied with ``message``) anyone who is not bureau staff, of any
    jurisdiction: the check before creating a pair, an event, a challenge list or a round."""
    if jurisdiction_of(user) is None:
        raise PermissionDenied(message)


def region_q(user: User | None, field: str = "region_code") -> Q | None:
    """Q for rows whose ``field`` lies in the user's jurisdiction (None: no access)."""
    prefix = jurisdiction_of(user)
    if prefix is None:
        return None
    return Q(**{f"{field}__startswith": prefix}) if prefix else Q()


def scope_by_region(qs: QuerySet[M], user: User | None, field: str = "region_code") -> QuerySet[M]:
    """Keep the rows of ``qs`` in the user's jurisdiction; nothing for non-staff."""
    q = region_q(user, field)
    if q is None:
        return qs.none()
    return qs.filter(q)


def match_region_q(user: User | None) -> Q | None:
    """Q for matches either side of which lies in the user's jurisdiction."""
    prefix = jurisdiction_of(user)
    if prefix is None:
        return None
    if not prefix:
        return Q()
    return (
        Q(need__region_code__startswith=prefix)
        | Q(result__region_code__startswith=prefix)
        | Q(expert__region_code__startswith=prefix)
    )


def scope_matches(qs: QuerySet[Match], user: User | None) -> QuerySet[Match]:
    q = match_region_q(user)
    if q is None:
        return qs.none()
    return qs.filter(q)


def code_in_jurisdiction(user: User | None, region_code: str) -> bool:
    prefix = jurisdiction_of(user)
    return prefix is not None and region_code.startswith(prefix)


def match_in_jurisdiction(user: User | None, match: Match) -> bool:
    """Python twin of :func:`match_region_q` for one loaded match."""
    prefix = jurisdiction_of(user)
    if prefix is None:
        return False
    codes = [match.need.region_code]
    if match.result_id:
        codes.append(match.result.region_code)  # type: ignore[union-attr]
    if match.expert_id:
        codes.append(match.expert.region_code)  # type: ignore[union-attr]
    return any(code.startswith(prefix) for code in codes)
