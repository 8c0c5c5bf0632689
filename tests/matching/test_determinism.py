"""The same database content gives the same lists in any process, whatever ran before.

A long-running process applies publications, edits and withdrawals to its in-memory index
one by one; a fresh process builds its index from the database. Both must compute the same
scores and the same ranking, or a stored score would depend on which worker computed it.
"""

from __future__ import annotations

import pytest

from matching.lists import dictionary, documents, index_cache, services
from matching.models import DocumentKind, DocumentTerms
from portal import demo
from portal.demo.registers import seed_registers
from portal.models import Need, PostingStatus, Result
from portal.reference.sync import reference_data_sync

pytestmark = pytest.mark.django_db


def _lists_now() -> dict[tuple[int, str], list[tuple[int, float]]]:
    """Every published need's lists, recomputed in this process: (offer id, score) by rank."""
    out = {}
    for need in DocumentTerms.objects.filter(kind=DocumentKind.NEED, is_active=True).order_by(
        "object_id"
    ):
        for offer_kind in ("result", "expert"):
            ranked, _extra = services.need_lists_write(need=need, offer_kind=offer_kind)
            out[(need.object_id, offer_kind)] = [(s.offer_pk, s.score) for s in ranked]
    return out


def _registers_indexed() -> None:
    """The demo registers (60 needs, 100 results, 50 experts), indexed as one epoch."""
    reference_data_sync()
    with services.matching_deferred():
        seed_registers(demo.seed_organizations_and_users())
    for kind, model in documents.MODELS.items():
        for pk in model.objects.filter(status=PostingStatus.PUBLISHED).values_list("pk", flat=True):
            services.document_index(kind=kind, pk=pk)
        documents.epoch_advance(kind=kind)


def _copy(result: Result, **changes: str) -> Result:
    copy = Result.objects.get(pk=result.pk)
    copy.pk = None
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def _fresh_process() -> None:
    index_cache.index_cache_clear()
    dictionary.reset_process_state()


def test_a_long_running_process_and_a_fresh_one_rank_alike() -> None:
    _registers_indexed()
    admin_results = list(Result.objects.filter(status=PostingStatus.PUBLISHED).order_by("pk"))
    _fresh_process()
    # the long-running process: its indexes are built now, then take changes one by one
    for kind in ("need", "result", "expert"):
        index_cache.index_for(kind=kind)
    source = admin_results[0]
    added = [
        _copy(
            source,
            title=f"{source.title}（改进型{i}）",
            summary=source.summary + "适用于中小企业，改造成本低。" * (i + 1),
        )
        for i in range(6)
    ]
    for result in added:
        services.document_index(kind="result", pk=result.pk)
    # an epoch document edited, and two withdrawn (one of them added after the epoch)
    edited = admin_results[1]
    edited.summary += "新增中试线验证数据。"
    edited.save(update_fields=["summary"])
    services.document_index(kind="result", pk=edited.pk)
    for gone in (admin_results[2], added[0]):
        gone.status = PostingStatus.CLOSED
        gone.save(update_fields=["status"])
        services.document_index(kind="result", pk=gone.pk)

    long_running = _lists_now()
    _fresh_process()
    fresh = _lists_now()

    assert long_running == fresh
    # the comparison covers real lists, with the changed documents in them
    assert sum(len(v) for v in fresh.values()) >= 100
    listed = {pk for (_need, kind), items in fresh.items() if kind == "result" for pk, _s in items}
    assert edited.pk in listed or any(r.pk in listed for r in added[1:])
    assert admin_results[2].pk not in listed


def test_ties_break_by_id_not_by_arrival() -> None:
    _registers_indexed()
    need = Need.objects.filter(status=PostingStatus.PUBLISHED).order_by("pk").first()
    source = Result.objects.filter(status=PostingStatus.PUBLISHED).order_by("pk").first()
    twins = [_copy(source), _copy(source)]
    # the later twin reaches this process first
    for twin in reversed(twins):
        services.document_index(kind="result", pk=twin.pk)
    row = DocumentTerms.objects.get(kind="need", object_id=need.pk)
    ranked, extra = services._need_scores(
        need=row, offer_kind="result", k=200, include=[t.pk for t in twins]
    )
    order = [s.offer_pk for s in ranked if s.offer_pk in {t.pk for t in twins}] or [
        pk for pk in sorted(extra) if pk in {t.pk for t in twins}
    ]
    assert extra[twins[0].pk].score == extra[twins[1].pk].score
    assert order == sorted(t.pk for t in twins)[: len(order)]
