"""The registers' documents as the engine sees them: text and facts of a posting, its
stored term statistics (:class:`DocumentTerms`), index versions and epochs.

Every change marks the document stale first; the list services clear the mark when the
recommendations are written (see :mod:`matching.lists.services`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from matching.learning import selectors as learned
from matching.lists import engine_api as adapter
from matching.models import (
    DocumentKind,
    DocumentTerms,
    IndexState,
    Match,
    MatchStatus,
    PairKind,
)
from portal.models import Expert, Need, Result

KINDS: tuple[str, ...] = (DocumentKind.NEED, DocumentKind.RESULT, DocumentKind.EXPERT)


MODELS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    DocumentKind.NEED: Need,
    DocumentKind.RESULT: Result,
    DocumentKind.EXPERT: Expert,
}


# kind of a document -> the kinds whose lists it appears in (and that appear in its lists)
TARGETS: dict[str, tuple[str, ...]] = {
    DocumentKind.NEED: (DocumentKind.RESULT, DocumentKind.EXPERT),
    DocumentKind.RESULT: (DocumentKind.NEED,),
    DocumentKind.EXPERT: (DocumentKind.NEED,),
}


# kind of the supply side -> kind of the pair
PAIR_KINDS: dict[str, str] = {
    DocumentKind.RESULT: PairKind.NEED_RESULT,
    DocumentKind.EXPERT: PairKind.NEED_EXPERT,
}


# statuses in which an expert is busy with a pair (counts against the expert's capacity)
ACTIVE_STATUSES = (
    MatchStatus.APPROVED,
    MatchStatus.CONTACTED,
    MatchStatus.NEGOTIATING,
    MatchStatus.INTENTION,
)


# Bump when the text extraction below changes, so every document is re-tokenised.
TEXT_RECIPE = "2"


def top_k() -> int:
    return int(getattr(settings, "MATCHING_TOP_K", 10))


def matching_weights(*, region: str | None = None) -> adapter.Weights:
    """The settings' weights; for a need of ``region``, the weights learnt from staff
    decisions on that region's needs when a fit is in force there (issue 15)."""
    if region is None:
        return adapter.weights_from(getattr(settings, "MATCHING_WEIGHTS", None))
    return learned.weights_for_region(region=region)


def check_kind(kind: str) -> str:
    if kind not in MODELS:
        raise ValueError(f"unknown document kind: {kind!r}")
    return kind


@dataclass(frozen=True)
class DocumentText:
    title: str
    keywords: list[str]
    body: str

    def digest(self, dictionary: str | None = None) -> str:
        """What the stored term statistics were cut from: the recipe, the domain dictionary
        the tokeniser had, and the text. A new dictionary makes every digest differ, so no
        text stays cut with an old one."""
        payload = json.dumps(
            [TEXT_RECIPE, dictionary or "", self.title, self.keywords, self.body],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _field_codes(posting: Need | Result | Expert) -> tuple[str, ...]:
    return tuple(sorted(f.code for f in posting.fields.all()))


def _modes(posting: Need | Result | Expert) -> tuple[str, ...]:
    return tuple(sorted(m.code for m in posting.cooperation_modes.all()))


def document_text(*, kind: str, posting: Need | Result | Expert) -> DocumentText:
    """The text the engine sees of a posting (title / keywords / body)."""
    if isinstance(posting, Need):
        return DocumentText(posting.title, posting.keyword_list, posting.description)
    if isinstance(posting, Result):
        return DocumentText(posting.title, posting.keyword_list, posting.summary)
    # An expert's name says nothing about what they know: research keywords and the
    # biography carry the text.
    body = "\n".join(p for p in (posting.biography, posting.representative_results) if p)
    return DocumentText("", posting.keyword_list, body)


def expert_capacity_left(*, expert: Expert) -> float:
    """Share of the expert's capacity not taken by pairs in progress (0 = fully booked)."""
    if expert.capacity <= 0:
        return 0.0
    busy = Match.objects.filter(expert=expert, status__in=ACTIVE_STATUSES).count()
    return max(expert.capacity - busy, 0) / expert.capacity


def document_facts(*, kind: str, posting: Need | Result | Expert) -> adapter.Facts:
    """Structured facts of a posting in the engine's terms (absent facts stay neutral)."""
    common: dict[str, Any] = {
        "fields": _field_codes(posting),
        "region": posting.region_code or "",
        "cooperation": _modes(posting),
    }
    if isinstance(posting, Need):
        maturity = posting.expected_maturity
        budget = posting.budget_max if posting.budget_max is not None else posting.budget_min
        return adapter.Facts(
            **common,
            maturity=float(maturity.rank) if maturity else None,
            budget=_number(budget),
        )
    if isinstance(posting, Result):
        maturity = posting.maturity
        return adapter.Facts(
            **common,
            maturity=float(maturity.rank) if maturity else None,
            price=_number(posting.asking_price),
        )
    return adapter.Facts(**common, capacity=expert_capacity_left(expert=posting))


def load_posting(kind: str, pk: int) -> Need | Result | Expert | None:
    check_kind(kind)
    related = ("fields", "cooperation_modes")
    if kind == DocumentKind.NEED:
        return (
            Need.objects.select_related("expected_maturity")
            .prefetch_related(*related)
            .filter(pk=pk)
            .first()
        )
    if kind == DocumentKind.RESULT:
        return (
            Result.objects.select_related("maturity")
            .prefetch_related(*related)
            .filter(pk=pk)
            .first()
        )
    return Expert.objects.prefetch_related(*related).filter(pk=pk).first()


@transaction.atomic
def index_version_bump(*, kind: str) -> int:
    """Move the register's version stamp and return the new version.

    The row lock taken by the UPDATE is held until commit, so versions are handed out and
    committed in order: a process that sees version V committed also sees every change <= V.
    """
    IndexState.objects.get_or_create(kind=check_kind(kind))
    IndexState.objects.filter(kind=kind).update(version=F("version") + 1)
    return IndexState.objects.values_list("version", flat=True).get(kind=kind)


@transaction.atomic
def document_mark_stale(*, kind: str, pk: int) -> None:
    """Record in the database that a posting changed and must be indexed and matched again."""
    now = timezone.now()
    updated = DocumentTerms.objects.filter(kind=check_kind(kind), object_id=pk).update(
        stale=True, updated_at=now
    )
    if not updated:
        DocumentTerms.objects.get_or_create(
            kind=kind, object_id=pk, defaults={"stale": True, "is_active": False}
        )


def leave_epoch(row: DocumentTerms) -> list[str]:
    """A document of the current epoch changes: keep the terms the epoch was built with, so
    any process rebuilds the very same epoch (and then applies this change on top)."""
    if not row.in_main or row.main_terms is not None:
        return []
    row.main_terms = row.terms
    return ["main_terms"]


@transaction.atomic
def epoch_advance(*, kind: str, only_if_empty: bool = False) -> int:
    """Start a new epoch of one register: every document now in the index becomes part of
    the statistics (average length, topic space, pruned terms) all processes build on.

    Scores change with the epoch, so a full rematch calls this between indexing and
    matching; a register's first use calls it with ``only_if_empty`` (no epoch yet).
    Returns the epoch number.
    """
    IndexState.objects.get_or_create(kind=check_kind(kind))
    state = IndexState.objects.select_for_update().get(kind=kind)
    if only_if_empty and state.epoch > 0:
        return state.epoch
    DocumentTerms.objects.filter(kind=kind).update(in_main=F("is_active"), main_terms=None)
    state.epoch += 1
    state.generation = uuid.uuid4().hex
    state.save(update_fields=["epoch", "generation", "updated_at"])
    return state.epoch
