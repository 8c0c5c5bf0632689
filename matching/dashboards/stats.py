"""Statistics over the registers and the match pipeline, scoped to who asks.

One function, :func:`stats_for`, computes every figure the staff dashboard, the public
statistics page, ``/api/stats/`` and the .xlsx exports show, so they cannot disagree.
Staff get their jurisdiction; everyone else gets the public (non-confidential) figures:
published postings and aggregate outcomes, no per-pair detail.

Definitions (kept in one place, tested against direct counts):
- needs / results / experts "collected": postings in the jurisdiction that reached review
  (submitted, published, closed or expired; drafts and rejected ones are not counted);
  public figures count published postings only.
- intentions: pairs now at intention or beyond (intention, signed, landed);
  signed: pairs now signed or landed, with the sum of their contract amounts (万元);
  landed: pairs now landed.
- funnel: pairs that reached each pipeline stage, by their current stage or their history.
- by field: top-level technology field (a sub-field counts for its parent); a posting in
  two fields counts in both. By region: prefecture-level city. By month: creation month
  of postings, signing month of contracts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Match, MatchStatus
from matching.pairs import scoping
from matching.pairs.services import PIPELINE
from portal.models import Expert, Need, PostingStatus, Result, TechField
from portal.reference.regions import region_full_name

if TYPE_CHECKING:
    from accounts.models import User

S = MatchStatus
KINDS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    "need": Need,
    "result": Result,
    "expert": Expert,
}
COLLECTED = (
    PostingStatus.SUBMITTED,
    PostingStatus.PUBLISHED,
    PostingStatus.CLOSED,
    PostingStatus.EXPIRED,
)
INTENTION_OR_LATER = (S.INTENTION, S.SIGNED, S.LANDED)
SIGNED_OR_LATER = (S.SIGNED, S.LANDED)
MONTHS = 12


def is_staff_view(user: User | None) -> bool:
    return scoping.jurisdiction_of(user) is not None


def postings_counted(*, kind: str, user: User | None) -> QuerySet[Any]:
    """The postings the figures count for this user (see the module docstring)."""
    model = KINDS[kind]
    if is_staff_view(user):
        return scoping.scope_by_region(model.objects.filter(status__in=COLLECTED), user)
    return model.objects.filter(status=PostingStatus.PUBLISHED)


def matches_counted(*, user: User | None) -> QuerySet[Match]:
    if is_staff_view(user):
        return scoping.scope_matches(Match.objects.all(), user)
    return Match.objects.all()


def _money(value: Decimal | None) -> float:
    return round(float(value or 0), 2)


def pair_outcomes(matches: QuerySet[Match]) -> dict[str, Any]:
    """Intentions, signed pairs with their contract value (万元) and landed pairs among
    ``matches`` (the definitions of the module docstring), for any set of pairs."""
    signed = matches.filter(status__in=SIGNED_OR_LATER)
    return {
        "intentions": matches.filter(status__in=INTENTION_OR_LATER).count(),
        "signed": signed.count(),
        "contract_value": _money(signed.aggregate(v=Sum("case__contract_amount"))["v"]),
        "landed": matches.filter(status=S.LANDED).count(),
    }


def pair_stage_counts(matches: QuerySet[Match]) -> list[dict[str, Any]]:
    """Pairs of ``matches`` per current stage, every stage listed (0 included)."""
    counts = dict(
        matches.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [
        {"stage": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in S.choices
    ]


def stats_totals(*, user: User | None) -> dict[str, Any]:
    matches = matches_counted(user=user)
    totals: dict[str, Any] = {
        kind + "s": postings_counted(kind=kind, user=user).count() for kind in KINDS
    }
    totals.update(pair_outcomes(matches))
    if is_staff_view(user):
        totals["matches"] = matches.count()
        totals["suggested"] = matches.filter(status=S.SUGGESTED).count()
    return totals


def stats_by_stage(*, user: User | None) -> list[dict[str, Any]]:
    return pair_stage_counts(matches_counted(user=user))


def stats_funnel(*, user: User | None) -> list[dict[str, Any]]:
    matches = matches_counted(user=user)
    rows = []
    for position, stage in enumerate(PIPELINE):
        later = PIPELINE[position:]
        if stage == S.SUGGESTED:
            count = matches.count()
        else:
            count = (
                matches.filter(Q(status__in=later) | Q(transitions__to_status__in=later))
                .values("id")
                .distinct()
                .count()
            )
        rows.append({"stage": stage, "label": str(S(stage).label), "count": count})
    return rows


def _field_names() -> dict[str, str]:
    return dict(TechField.objects.values_list("code", "name"))


def stats_by_field(*, user: User | None) -> list[dict[str, Any]]:
    """Per top-level field: postings of each kind, and signed pairs (by the need's field)."""
    table: dict[str, dict[str, Any]] = {}

    def row(code: str) -> dict[str, Any]:
        return table.setdefault(
            code, {"code": code, "needs": 0, "results": 0, "experts": 0, "signed": 0}
        )

    for kind, model in KINDS.items():
        through = model.fields.through
        ids = postings_counted(kind=kind, user=user).values("pk")
        counts = (
            through.objects.filter(**{f"{kind}_id__in": ids})
            .annotate(top=Coalesce("techfield__parent__code", "techfield__code"))
            .values("top")  # type: ignore[misc]
            .annotate(n=Count(f"{kind}_id", distinct=True))
        )
        for item in counts:
            row(item["top"])[kind + "s"] = item["n"]
    signed = (
        matches_counted(user=user)
        .filter(status__in=SIGNED_OR_LATER)
        .annotate(top=Coalesce("need__fields__parent__code", "need__fields__code"))
        .exclude(top__isnull=True)
        .values("top")
        .annotate(n=Count("id", distinct=True))
    )
    for item in signed:
        row(item["top"])["signed"] = item["n"]
    names = _field_names()
    rows = sorted(table.values(), key=lambda r: r["code"])
    for r in rows:
        r["name"] = names.get(r["code"], r["code"])
    return rows


def stats_by_region(*, user: User | None) -> list[dict[str, Any]]:
    """Per prefecture-level city: postings of each kind, signed pairs (by the need's city)."""
    table: dict[str, dict[str, Any]] = {}

    def row(city: str) -> dict[str, Any]:
        return table.setdefault(
            city, {"code": city, "needs": 0, "results": 0, "experts": 0, "signed": 0}
        )

    for kind in KINDS:
        counts = (
            postings_counted(kind=kind, user=user)
            .order_by()
            .annotate(city=Substr("region_code", 1, 4))
            .values("city")
            .annotate(n=Count("id"))
        )
        for item in counts:
            row(item["city"] + "00")[kind + "s"] = item["n"]
    signed = (
        matches_counted(user=user)
        .filter(status__in=SIGNED_OR_LATER)
        .order_by()
        .annotate(city=Substr("need__region_code", 1, 4))
        .values("city")
        .annotate(n=Count("id"))
    )
    for item in signed:
        row(item["city"] + "00")["signed"] = item["n"]
    rows = sorted(table.values(), key=lambda r: r["code"])
    for r in rows:
        r["name"] = region_full_name(r["code"]) or r["code"]
    return rows


def _month_keys(months: int) -> list[str]:
    today = timezone.localdate()
    year, month = today.year, today.month
    keys = []
    for _i in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(keys))


def _month_key(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def stats_by_month(*, user: User | None, months: int = MONTHS) -> list[dict[str, Any]]:
    """The last ``months`` months: postings created, contracts signed and their value."""
    keys = _month_keys(months)
    table = {
        key: {
            "month": key,
            "needs": 0,
            "results": 0,
            "experts": 0,
            "signed": 0,
            "contract_value": 0.0,
        }
        for key in keys
    }
    tz = timezone.get_current_timezone()
    for kind in KINDS:
        counts = (
            postings_counted(kind=kind, user=user)
            .order_by()
            .annotate(m=TruncMonth("created_at", tzinfo=tz))
            .values("m")
            .annotate(n=Count("id"))
        )
        for item in counts:
            key = _month_key(item["m"])
            if key in table:
                table[key][kind + "s"] += item["n"]
    signed = (
        matches_counted(user=user)
        .filter(status__in=SIGNED_OR_LATER, case__contract_date__isnull=False)
        .order_by()
        .annotate(m=TruncMonth("case__contract_date"))
        .values("m")
        .annotate(n=Count("id"), v=Sum("case__contract_amount"))
    )
    for item in signed:
        key = _month_key(item["m"])
        if key in table:
            table[key]["signed"] += item["n"]
            table[key]["contract_value"] = _money(
                Decimal(str(table[key]["contract_value"])) + (item["v"] or 0)
            )
    return [table[key] for key in keys]


def stats_oldest_waiting(*, user: User, limit: int = 10) -> list[dict[str, Any]]:
    """What has waited longest for staff: postings in review, suggestions, unanswered pairs."""
    now = timezone.now()
    items: list[dict[str, Any]] = []
    labels = {"need": _("技术需求"), "result": _("科技成果"), "expert": _("科技专家")}
    for kind, model in KINDS.items():
        qs = scoping.scope_by_region(
            model.objects.filter(status=PostingStatus.SUBMITTED), user
        ).order_by("submitted_at", "pk")[:limit]
        for posting in qs:
            since = posting.submitted_at or posting.created_at
            items.append(
                {
                    "kind": str(labels[kind]),
                    "id": posting.pk,
                    "title": str(posting),
                    "waiting_for": str(_("待审核")),
                    "since": since,
                }
            )
    matches = scoping.scope_matches(Match.objects.select_related("need"), user)
    for match in matches.filter(status=S.SUGGESTED).order_by("created_at", "id")[:limit]:
        items.append(
            {
                "kind": str(_("系统推荐")),
                "id": match.pk,
                "title": match.need.title,
                "waiting_for": str(_("待批准")),
                "since": match.created_at,
            }
        )
    for match in matches.filter(status=S.APPROVED).order_by("decided_at", "id")[:limit]:
        items.append(
            {
                "kind": str(_("对接")),
                "id": match.pk,
                "title": match.need.title,
                "waiting_for": str(_("待双方答复")),
                "since": match.decided_at or match.created_at,
            }
        )
    items.sort(key=lambda item: item["since"])
    for item in items:
        item["days"] = (now - item["since"]).days
        item["since"] = timezone.localtime(item["since"]).strftime("%Y-%m-%d")
    return items[:limit]


def stats_for(*, user: User | None) -> dict[str, Any]:
    """Every figure for this user's view: staff (their jurisdiction) or public."""
    staff = is_staff_view(user)
    prefix = scoping.jurisdiction_of(user) if staff else None
    figures: dict[str, Any] = {
        "scope": {
            "public": not staff,
            "jurisdiction": prefix,
            "name": (region_full_name((prefix + "0000")[:6]) if prefix else str(_("全部地区")))
            if staff
            else str(_("全部地区")),
        },
        "totals": stats_totals(user=user),
        "by_field": stats_by_field(user=user),
        "by_region": stats_by_region(user=user),
        "by_month": stats_by_month(user=user),
    }
    if staff:
        assert user is not None
        figures["by_stage"] = stats_by_stage(user=user)
        figures["funnel"] = stats_funnel(user=user)
        figures["oldest_waiting"] = stats_oldest_waiting(user=user)
    return figures
