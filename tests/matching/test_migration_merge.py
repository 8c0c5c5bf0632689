"""Migration 0003 merges the two records a pair had (need → result and result → need)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.matching.factories import NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("matching", "0002_workflow")]
AFTER = [("matching", "0003_one_record_per_pair")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Going back to 0002 unapplies every migration that depends on it (events, dispatch,
    ...); put the whole schema back so the tests after this one find their tables."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_duplicated_pair_becomes_one_record_with_both_histories(staff) -> None:
    need, result = NeedFactory(), ResultFactory()
    other = ResultFactory()
    old = _migrate(BEFORE)
    try:
        Match = old.get_model("matching", "Match")
        Transition = old.get_model("matching", "MatchTransition")
        FollowUp = old.get_model("matching", "FollowUp")
        Case = old.get_model("matching", "MatchCase")
        from_need = Match.objects.create(
            direction="need_result",
            need_id=need.pk,
            result_id=result.pk,
            status="signed",
            score=2.421,
            rank=1,
        )
        from_result = Match.objects.create(
            direction="result_need",
            need_id=need.pk,
            result_id=result.pk,
            status="approved",
            score=1.434,
            rank=3,
        )
        alone = Match.objects.create(
            direction="result_need", need_id=need.pk, result_id=other.pk, score=0.5, rank=2
        )
        Case.objects.create(match=from_need, contract_amount=120)
        Case.objects.create(match=from_result)
        for record, stage in ((from_need, "signed"), (from_result, "approved")):
            Transition.objects.create(
                match=record, from_status="suggested", to_status=stage, by_id=staff.pk
            )
        FollowUp.objects.create(
            match=from_result, date=dt.date(2026, 11, 2), channel="phone", summary="电话回访"
        )
    finally:
        new = _migrate(AFTER)

    Match = new.get_model("matching", "Match")
    Recommendation = new.get_model("matching", "Recommendation")
    kept = Match.objects.get(need_id=need.pk, result_id=result.pk)
    assert kept.pk == from_need.pk
    assert kept.status == "signed"
    assert kept.kind == "need_result"
    assert kept.score == pytest.approx(2.421)
    assert kept.transitions.count() == 2
    assert kept.followups.get().summary == "电话回访"
    assert float(kept.case.contract_amount) == 120
    ranks = {(e.owner_kind, e.rank) for e in Recommendation.objects.filter(match_id=kept.pk)}
    assert ranks == {("need", 1), ("result", 3)}
    assert Match.objects.get(pk=alone.pk).kind == "need_result"
    assert Match.objects.filter(need_id=need.pk).count() == 2
