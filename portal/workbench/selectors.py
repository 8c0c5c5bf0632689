"""The home page's to-do groups (工作台), computed for whoever asks, never stored: an item is
gone as soon as the thing it asks for is done.

Staff (scoped to their jurisdiction): postings to review, suggestions to approve (best
first), pairs idle for 30/60/90 days, pairs due for a follow-up, and the programmes' staff
items (overdue milestones, idle dispatch assignments, unconfirmed visits). Parties
(enterprise, researcher, expert): their drafts, returned and expiring postings, postings
under review, pairs waiting for their answer, the programmes' party items (meeting
requests, meetings and visits) and their recent pairs with their stage.

Every group costs a fixed number of queries (a count and one page of rows), whatever the
data: the home page never grows with the number of postings or pairs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from matching.models import Match, MatchStatus
from matching.pairs import scoping
from matching.pairs import selectors as pair_selectors
from matching.pairs.parties import user_side
from matching.pairs.services import OPEN_STAGES
from matching.pairs.todo import PARTY, STAFF, TodoGroup, programme_todos
from portal import selectors as register_selectors
from portal.models import PostingStatus

# how many rows a group shows; its count says how many there are in all
SHOWN = 10
# a published need whose deadline is this close is "about to expire"
EXPIRY_DAYS = 14
# idle bands: pairs in an open stage with no activity for at least this many days
IDLE_BANDS = (30, 60, 90)
KINDS = ("need", "result", "expert")
KIND_LABELS = {
    "need": gettext_lazy("技术需求"),
    "result": gettext_lazy("科技成果"),
    "expert": gettext_lazy("专家档案"),
}
MINE_PAGES = {"enterprise": "need", "researcher": "result", "expert": "expert"}


@dataclass(frozen=True)
class WorkItem:
    title: str
    url: str
    detail: str = ""
    badge: str = ""
    due: dt.date | dt.datetime | None = None
    overdue: bool = False


@dataclass(frozen=True)
class WorkGroup:
    key: str
    title: str
    items: list[WorkItem] = field(default_factory=list)
    count: int = 0
    url: str = ""
    url_label: str = ""
    # a summary group (idle bands) shows its rows as counts, not as things to do one by one
    is_summary: bool = False


def _kind_label(kind: str) -> str:
    return str(KIND_LABELS[kind])


def _posting_title(kind: str, posting: Any) -> str:
    return str(posting.name if kind == "expert" else posting.title)


def _offer_title(match: Match) -> str:
    offer = match.offer
    if offer is None:
        return ""
    return str(getattr(offer, "name", None) or getattr(offer, "title", ""))


def _pair_title(match: Match) -> str:
    return f"{match.need.title} ↔ {_offer_title(match)}"


def _match_url(match: Match) -> str:
    return reverse("matching:match-detail", args=[match.pk])


def _from_todo(group: TodoGroup) -> WorkGroup:
    return WorkGroup(
        key=group.key,
        title=group.title,
        items=[
            WorkItem(
                title=item.title,
                url=item.url,
                detail=item.detail,
                due=item.due,
                overdue=item.overdue,
                badge=_("已逾期") if item.overdue else "",
            )
            for item in group.items[:SHOWN]
        ],
        count=group.count,
        url=group.url,
        url_label=_("查看全部") if group.url else "",
    )


# ----------------------------------------------------------------------------- staff


def postings_to_review(*, user: User) -> WorkGroup:
    """Submitted needs, results and experts of the jurisdiction, oldest first."""
    total = 0
    rows: list[tuple[Any, str, Any]] = []
    for kind in KINDS:
        qs = register_selectors.posting_list_pending_review(kind=kind, user=user)
        qs = qs.prefetch_related(None)
        total += qs.order_by().count()
        rows.extend((p.submitted_at or p.created_at, kind, p) for p in qs[:SHOWN])
    rows.sort(key=lambda row: (row[0], row[1], row[2].pk))
    items = [
        WorkItem(
            title=_posting_title(kind, posting),
            url=reverse(f"registers:{kind}-detail", args=[posting.pk]),
            detail=" · ".join(
                part
                for part in (
                    str(posting.organization or ""),
                    posting.region_name,
                )
                if part
            ),
            badge=_kind_label(kind),
            due=at,
        )
        for at, kind, posting in rows[:SHOWN]
    ]
    return WorkGroup(
        "review-postings",
        _("待审核的发布信息"),
        items,
        total,
        url=reverse("registers:review-queue"),
        url_label=_("进入信息审核"),
    )


def suggestions_to_approve(*, user: User) -> WorkGroup:
    """The review queue of the jurisdiction, best first (the queue's own order)."""
    queue = pair_selectors.match_review_queue(user=user)
    total = queue.count()
    items = [
        WorkItem(
            title=_pair_title(match),
            url=_match_url(match),
            detail=match.get_kind_display(),
            badge=_("%(score)s 分") % {"score": f"{match.score:.2f}"},
        )
        for match in queue[:SHOWN]
    ]
    return WorkGroup(
        "suggestions",
        _("待审核的推荐对接"),
        items,
        total,
        url=reverse("matching:review-queue"),
        url_label=_("进入推荐审核"),
    )


def _open_pairs(user: User) -> QuerySet[Match]:
    return scoping.scope_matches(Match.objects.filter(status__in=OPEN_STAGES), user)


def idle_band_bounds(band: int) -> tuple[dt.datetime, dt.datetime | None]:
    """(idle since before, idle since not before) of a band: 30 is 30–59 days, 60 is
    60–89 days, 90 is 90 days or more."""
    now = timezone.now()
    older = now - dt.timedelta(days=band)
    bands = list(IDLE_BANDS)
    index = bands.index(band)
    newer = now - dt.timedelta(days=bands[index + 1]) if index + 1 < len(bands) else None
    return older, newer


def idle_pairs(*, user: User, band: int) -> QuerySet[Match]:
    """Open pairs of the jurisdiction in one idle band, the longest idle first."""
    older, newer = idle_band_bounds(band)
    qs = _open_pairs(user).filter(case__last_activity_at__lt=older)
    if newer is not None:
        qs = qs.filter(case__last_activity_at__gte=newer)
    return (
        qs.select_related("need", "result", "expert", "case", "case__responsible")
        .distinct()
        .order_by("case__last_activity_at", "id")
    )


def idle_bands(*, user: User) -> WorkGroup:
    """How many open pairs have been idle 30–59, 60–89 and 90+ days (one query)."""
    counts: dict[str, Any] = {}
    for band in IDLE_BANDS:
        older, newer = idle_band_bounds(band)
        q = Q(case__last_activity_at__lt=older)
        if newer is not None:
            q &= Q(case__last_activity_at__gte=newer)
        counts[f"band_{band}"] = Count("pk", filter=q, distinct=True)
    totals = _open_pairs(user).aggregate(**counts)
    labels = {
        30: _("30–59 天无进展"),
        60: _("60–89 天无进展"),
        90: _("90 天以上无进展"),
    }
    items = [
        WorkItem(
            title=str(labels[band]),
            url=reverse("workbench:idle-pairs") + f"?band={band}",
            badge=str(totals[f"band_{band}"] or 0),
            overdue=band == IDLE_BANDS[-1] and bool(totals[f"band_{band}"]),
        )
        for band in IDLE_BANDS
    ]
    return WorkGroup(
        "idle",
        _("长期无进展的对接"),
        items,
        sum(int(totals[f"band_{band}"] or 0) for band in IDLE_BANDS),
        is_summary=True,
    )


def followups_due(*, user: User) -> WorkGroup:
    """Pairs past their next-contact date or idle too long (the "需跟进" list)."""
    due = pair_selectors.match_list_due_for(user=user)
    total = due.count()
    today = timezone.localdate()
    items = []
    for match in due[:SHOWN]:
        case = match.case
        overdue = bool(case.next_contact_date and case.next_contact_date < today)
        items.append(
            WorkItem(
                title=_pair_title(match),
                url=_match_url(match),
                detail=match.get_status_display(),
                badge=_("约定联系已过期") if overdue else _("久未跟进"),
                due=case.next_contact_date or case.last_activity_at,
                overdue=overdue,
            )
        )
    return WorkGroup(
        "followups",
        _("今日需跟进"),
        items,
        total,
        url=reverse("matching:due-list"),
        url_label=_("查看需跟进列表"),
    )


def staff_groups(*, user: User) -> list[WorkGroup]:
    groups = [
        postings_to_review(user=user),
        suggestions_to_approve(user=user),
        followups_due(user=user),
        idle_bands(user=user),
    ]
    groups.extend(_from_todo(g) for g in programme_todos(user=user, audience=STAFF))
    return groups


# ----------------------------------------------------------------------------- parties


def _my_postings(user: User) -> list[tuple[str, Any]]:
    """The user's postings that ask for something: drafts, returned, under review, needs
    about to expire, postings asked to confirm they still hold (newest first)."""
    today = timezone.localdate()
    waiting = Q(
        status__in=(PostingStatus.DRAFT, PostingStatus.REJECTED, PostingStatus.SUBMITTED)
    ) | Q(status=PostingStatus.PUBLISHED, reconfirm_requested_at__isnull=False)
    rows: list[tuple[str, Any]] = []
    for kind in KINDS:
        q = waiting
        if kind == "need":
            q |= Q(
                status=PostingStatus.PUBLISHED,
                deadline__gte=today,
                deadline__lte=today + dt.timedelta(days=EXPIRY_DAYS),
            )
        qs = (
            register_selectors.posting_list_owned_by(kind=kind, user=user)
            .prefetch_related(None)
            .filter(q)
        )
        rows.extend((kind, p) for p in qs[:50])
    return rows


def _posting_item(kind: str, posting: Any) -> WorkItem:
    today = timezone.localdate()
    status = posting.status
    url = reverse(f"registers:{kind}-detail", args=[posting.pk])
    due = None
    if status == PostingStatus.DRAFT:
        badge, url = _("草稿，待提交"), reverse(f"registers:{kind}-edit", args=[posting.pk])
    elif status == PostingStatus.REJECTED:
        badge, url = _("已退回，请修改"), reverse(f"registers:{kind}-edit", args=[posting.pk])
    elif status == PostingStatus.SUBMITTED:
        badge = _("待审核")
    elif posting.reconfirm_requested_at is not None:
        badge = _("请确认仍然有效")
    else:
        deadline = posting.deadline
        due = deadline
        days = (deadline - today).days
        badge = _("今天截止") if days == 0 else _("%(days)s 天后截止") % {"days": days}
    return WorkItem(
        title=_posting_title(kind, posting),
        url=url,
        detail=_kind_label(kind),
        badge=str(badge),
        due=due,
        overdue=status == PostingStatus.REJECTED,
    )


def party_posting_groups(*, user: User) -> list[WorkGroup]:
    rows = _my_postings(user)
    to_do = [(k, p) for k, p in rows if p.status != PostingStatus.SUBMITTED]
    in_review = [(k, p) for k, p in rows if p.status == PostingStatus.SUBMITTED]
    in_review.sort(key=lambda row: row[1].submitted_at or row[1].created_at)
    return [
        WorkGroup(
            "my-postings",
            _("待我处理的发布"),
            [_posting_item(k, p) for k, p in to_do[:SHOWN]],
            len(to_do),
            url=reverse(f"registers:{MINE_PAGES.get(user.role, 'need')}-mine"),
            url_label=_("我的发布"),
        ),
        WorkGroup(
            "in-review",
            _("审核中的发布"),
            [_posting_item(k, p) for k, p in in_review[:SHOWN]],
            len(in_review),
        ),
    ]


def pairs_to_answer(*, user: User) -> WorkGroup:
    """Approved pairs on which the user's side has not answered yet."""
    approved = (
        pair_selectors.match_list_visible_to(user=user)
        .filter(status=MatchStatus.APPROVED)
        .prefetch_related("responses")
        .order_by("decided_at", "id")[:50]
    )
    items = []
    for match in approved:
        side = user_side(match, user)
        if side is None or any(r.side == side for r in match.responses.all()):
            continue
        items.append(
            WorkItem(
                title=_pair_title(match),
                url=_match_url(match) + "#respond-box",
                detail=match.get_kind_display(),
                badge=_("待答复"),
                due=match.decided_at,
            )
        )
    return WorkGroup(
        "pairs-to-answer",
        _("待我答复的对接"),
        items[:SHOWN],
        len(items),
        url=reverse("matching:match-list") + "?status=approved",
        url_label=_("查看全部"),
    )


def recent_pairs(*, user: User) -> WorkGroup:
    """The user's pairs, last moved first, with their stage."""
    qs = pair_selectors.match_list_visible_to(user=user)
    total = qs.count()
    items = [
        WorkItem(
            title=_pair_title(match),
            url=_match_url(match),
            detail=match.get_kind_display(),
            badge=match.get_status_display(),
            due=match.updated_at,
        )
        for match in qs.order_by("-updated_at", "-id")[:5]
    ]
    return WorkGroup(
        "recent-pairs",
        _("我最近的对接"),
        items,
        total,
        url=reverse("matching:match-list"),
        url_label=_("我的对接"),
        is_summary=True,
    )


def party_groups(*, user: User) -> list[WorkGroup]:
    groups = [pairs_to_answer(user=user), *party_posting_groups(user=user)]
    groups.extend(_from_todo(g) for g in programme_todos(user=user, audience=PARTY))
    groups.append(recent_pairs(user=user))
    return groups


def workbench_for(*, user: User) -> list[WorkGroup]:
    """The home page's groups for the user (staff or party), in the order shown."""
    if scoping.jurisdiction_of(user) is not None:
        return staff_groups(user=user)
    return party_groups(user=user)
