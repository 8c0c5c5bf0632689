"""Learning the score weights from staff decisions (issue 15): the fitter, the gate that
keeps the defaults, the lists scored with an applied fit, and the staff page."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from matching.engine.learning import PARTS, Example, FitPolicy, fit_weights
from matching.engine.scoring import Weights
from matching.learning import selectors, services
from matching.lists import services as lists
from matching.models import FitVerdict, Match, Recommendation
from matching.pairs import services as workflow
from portal.models import Need, Result
from tests.matching.factories import (
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
    maturity,
)
from tests.matching.workflow_fixtures import qd_bureau, qd_staff  # noqa: F401

MATURITY = PARTS.index("maturity")


def _synthetic(lists_: int, per_list: int, hidden: np.ndarray, seed: int = 1) -> list[Example]:
    """Lists whose staff approve the better half by ``hidden`` weights (plus noise)."""
    rng = np.random.default_rng(seed)
    examples = []
    for g in range(lists_):
        values = np.column_stack(
            [
                rng.uniform(0, 1, per_list),
                rng.uniform(0, 0.6, per_list),
                rng.choice([-1.0, 0.0, 1.0], (per_list, 6)) * rng.uniform(0, 1, (per_list, 6)),
            ]
        )
        taste = values @ hidden + rng.normal(0, 0.3, per_list)
        cut = np.median(taste)
        examples += [
            Example(str(g), tuple(v), bool(t > cut)) for v, t in zip(values, taste, strict=True)
        ]
    return examples


def _hidden(**changes: float) -> np.ndarray:
    weights = {name: float(getattr(Weights(), name)) for name in PARTS} | changes
    return np.asarray([weights[name] for name in PARTS])


def test_the_fitter_learns_the_factor_staff_care_about() -> None:
    # staff weigh maturity eight times as much as the defaults do
    result = fit_weights(_synthetic(30, 10, _hidden(maturity=1.2)), prior=Weights())
    assert result.verdict == FitVerdict.APPLIED
    assert result.applied
    assert result.auc_after > result.auc_before + 0.05
    # maturity gains weight against the text
    ratio_before = Weights().maturity / Weights().lexical
    assert result.weights["maturity"] / result.weights["lexical"] > 3 * ratio_before
    # the scale of the scores stays that of the weights in force
    assert sum(result.weights.values()) == pytest.approx(sum(result.current.values()), rel=1e-3)


def test_with_too_few_decisions_the_defaults_hold() -> None:
    result = fit_weights(_synthetic(5, 10, _hidden(maturity=1.2)), prior=Weights())
    assert result.verdict == FitVerdict.TOO_FEW
    assert not result.applied
    assert result.weights == result.current
    assert result.decisions == 50
    assert result.lists == 5


def test_a_fit_that_does_not_beat_the_weights_in_force_is_not_applied() -> None:
    # staff agree with the defaults: nothing to gain on held-out lists
    result = fit_weights(_synthetic(30, 10, _hidden()), prior=Weights())
    assert result.verdict == FitVerdict.NO_GAIN
    assert not result.applied
    assert result.auc_after - result.auc_before < FitPolicy().margin


# --------------------------------------------------------------------------- Django side

STRONG = "钙钛矿太阳能电池组件湿热稳定性封装技术"
SMALL_POLICY = {"min_decisions": 20, "min_lists": 4, "folds": 4}


def _need(i: int) -> Need:
    need = NeedFactory(
        title=f"钙钛矿太阳能电池组件湿热稳定性提升{i}",
        description="钙钛矿太阳能电池组件在湿热环境下效率衰减，需要封装与稳定性技术，要求可量产。",
        expected_maturity=maturity("industrial"),
    )
    lists.document_index(kind="need", pk=need.pk)
    return need


@pytest.fixture
def offers() -> dict[str, list[Result]]:
    """Close in text but still in the lab, and further in text but in production."""
    lab = [
        ResultFactory(
            title=f"{STRONG}{i}",
            summary="钙钛矿太阳能电池组件湿热稳定性封装技术，实验室阶段。",
            maturity=maturity("lab"),
        )
        for i in range(3)
    ]
    made = [
        ResultFactory(
            title=f"光伏组件封装材料{i}",
            summary="太阳能电池组件封装胶膜，已量产。",
            maturity=maturity("industrial"),
        )
        for i in range(3)
    ]
    for result in [*lab, *made]:
        lists.document_index(kind="result", pk=result.pk)
    return {"lab": lab, "made": made}


def _list_of(need: Need) -> list[int]:
    entries = Recommendation.objects.filter(
        owner_kind="need", owner_id=need.pk, target_kind="result"
    ).order_by("rank")
    return [e.match.result_id for e in entries.select_related("match")]


def _decide(staff: User, needs: int, approve: str) -> list[Need]:
    """Staff of the Jinan bureau decide every suggested result of ``needs`` needs:
    approve those of group ``approve``, reject the others."""
    made: list[Need] = []
    for i in range(needs):
        need = _need(i)
        lists.recommend_for(kind="need", pk=need.pk)
        for match in Match.objects.filter(need=need, result__isnull=False):
            good = match.result.maturity.code == ("industrial" if approve == "made" else "lab")
            if good:
                workflow.match_approve(match_id=match.pk, user=staff)
            else:
                workflow.match_reject(match_id=match.pk, user=staff, reason_code="maturity")
        made.append(need)
    return made


@pytest.mark.django_db
def test_an_applied_fit_reorders_a_needs_list_as_staff_decided(
    settings: Any, staff: User, offers: dict[str, list[Result]]
) -> None:
    settings.MATCHING_LEARNING = SMALL_POLICY
    fresh = _need(99)
    lists.recommend_for(kind="need", pk=fresh.pk)
    before = _list_of(fresh)
    lab = {r.pk for r in offers["lab"]}
    # with the defaults, text wins: the lab results lead the list
    assert set(before[:3]) == lab

    _decide(staff, 6, approve="made")
    fit = services.weight_fit_run(scope="")
    assert fit.verdict == FitVerdict.APPLIED
    assert fit.auc_after > fit.auc_before
    assert fit.weights_after["maturity"] > fit.weights_before["maturity"]
    assert selectors.weights_for_region(region="370100").maturity == fit.weights_after["maturity"]

    lists.recommend_for(kind="need", pk=fresh.pk)
    after = _list_of(fresh)
    assert set(after[:3]) == {r.pk for r in offers["made"]}
    # the approved pairs moved up in their own lists
    approved = [row for row in fit.comparison if row["approved"]]
    assert all(row["after"] < row["before"] for row in approved)


@pytest.mark.django_db
def test_too_few_decisions_keep_the_default_weights(
    staff: User, offers: dict[str, list[Result]]
) -> None:
    _decide(staff, 2, approve="made")
    fit = services.weight_fit_run(scope="")
    assert fit.verdict == FitVerdict.TOO_FEW
    assert not fit.applied
    assert selectors.fit_in_force(region="370100") is None
    assert selectors.weights_for_region(region="370100") == selectors.default_weights()


@pytest.mark.django_db
def test_a_fit_no_better_than_the_defaults_is_not_applied(
    settings: Any, staff: User, offers: dict[str, list[Result]]
) -> None:
    settings.MATCHING_LEARNING = SMALL_POLICY
    # staff want what the defaults already rank first
    _decide(staff, 6, approve="lab")
    fit = services.weight_fit_run(scope="")
    assert fit.verdict == FitVerdict.NO_GAIN
    assert selectors.fit_in_force(region="370100") is None


@pytest.mark.django_db
def test_the_page_shows_staff_their_decisions_before_and_after(
    settings: Any,
    staff: User,
    staff_client: Client,
    qd_staff: User,  # noqa: F811
    alice_client: Client,
    offers: dict[str, list[Result]],
) -> None:
    settings.MATCHING_LEARNING = SMALL_POLICY
    _decide(staff, 6, approve="made")
    services.weight_fits_run()
    page = staff_client.get("/matching/learning/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "排序学习" in html
    assert "已启用" in html
    assert 'id="learning-weights"' in html
    assert 'id="learning-ranks"' in html
    assert html.count("钙钛矿太阳能电池组件湿热稳定性提升") >= 6

    # another bureau sees the fit but none of Jinan's decisions
    qd = Client()
    qd.force_login(qd_staff)
    other = qd.get("/matching/learning/").content.decode()
    assert 'id="learning-decided"' not in other
    assert "钙钛矿太阳能电池组件湿热稳定性提升" not in other

    assert alice_client.get("/matching/learning/").status_code == 403
    assert Client().get("/matching/learning/").status_code == 302


@pytest.mark.django_db
def test_the_command_reports_each_scope_and_the_defaults_hold(staff: User) -> None:
    out = StringIO()
    call_command("fit_weights", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    # the site and the Jinan bureau's city, neither with decisions yet
    assert [row["scope"] for row in rows] == ["", "3701"]
    assert {row["verdict"] for row in rows} == {FitVerdict.TOO_FEW}
    assert rows[0]["weights_after"] == rows[0]["weights_before"]


@pytest.mark.django_db
def test_the_page_says_the_defaults_hold_before_any_fit(staff_client: Client) -> None:
    html = staff_client.get("/matching/learning/").content.decode()
    assert "默认权重（基准调优）" in html
    assert "尚未拟合过权重" in html


def test_an_unknown_learning_setting_is_refused(settings: Any) -> None:
    settings.MATCHING_LEARNING = {"min_decision": 10}
    with pytest.raises(ValueError, match="min_decision"):
        services.fit_policy()
