"""Learning from decisions: pairwise AUC of the engine's scores against staff decisions."""

from __future__ import annotations

import json
import math
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from matching.engine.decision_eval import pairwise_auc
from matching.models import Match, PairKind
from matching.pairs import services as workflow
from portal.models import Need
from tests.matching.factories import ResultFactory
from tests.matching.workflow_fixtures import *  # noqa: F403


def test_pairwise_auc_counts_wins_and_ties() -> None:
    report = pairwise_auc(
        [
            (1, 0.9, True),
            (1, 0.5, False),
            (1, 0.9, False),  # a tie with the approved one: half a win
            (2, 0.2, True),
            (2, 0.8, False),
            (3, 0.4, True),  # no rejected pair to compare with
        ]
    )
    assert report.decisions == 6
    assert [n.need_id for n in report.per_need] == [1, 2]
    assert report.per_need[0].auc == pytest.approx(0.75)
    assert report.per_need[1].auc == 0.0
    assert report.micro_auc == pytest.approx(1.5 / 3)
    assert report.macro_auc == pytest.approx(0.375)
    assert math.isnan(pairwise_auc([]).micro_auc)


@pytest.mark.django_db
def test_evaluate_decisions_reads_the_labelled_examples(need: Need, staff: User) -> None:
    scores = {0.9: True, 0.7: False, 0.4: True, 0.1: False}
    for score, approve in scores.items():
        match = Match.objects.create(
            kind=PairKind.NEED_RESULT,
            need=need,
            result=ResultFactory(region_code="370100"),
            score=score,
        )
        if approve:
            workflow.match_approve(match_id=match.pk, user=staff)
        else:
            workflow.match_reject(match_id=match.pk, user=staff, reason_code="irrelevant")
    out = StringIO()
    call_command("evaluate_decisions", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    # approved 0.9 beats both rejected; approved 0.4 beats only 0.1: 3 wins of 4
    assert summary == {
        "decisions": 4,
        "needs_compared": 1,
        "pairs": 4,
        "auc_micro": 0.75,
        "auc_macro": 0.75,
    }
    text = StringIO()
    call_command("evaluate_decisions", stdout=text)
    assert "AUC" in text.getvalue()
