from __future__ import annotations

import math

import numpy as np
import pytest

from matching.engine.facts import Facts, FactTable, code_levels
from matching.engine.scoring import (
    DEFAULT_WEIGHTS,
    FACTORS,
    WEIGHT_DOCS,
    Weights,
    combine,
    factor_values,
    weights_from,
)


def table_of(*facts: Facts | None) -> tuple[FactTable, np.ndarray]:
    table = FactTable()
    table.extend(list(facts))
    return table, np.arange(len(facts))


def test_default_weights_are_documented_and_round_trip():
    assert set(DEFAULT_WEIGHTS) == set(WEIGHT_DOCS)
    assert weights_from(DEFAULT_WEIGHTS) == Weights()
    assert weights_from(None) == Weights()


def test_settings_may_override_some_weights_only():
    w = weights_from({"field": 0.5, "candidates": "50"})
    assert w.field == 0.5
    assert w.candidates == 50
    assert w.region == Weights().region


def test_unknown_weight_names_are_rejected():
    with pytest.raises(ValueError, match="nonsense"):
        weights_from({"nonsense": 1.0})


def test_code_levels_read_paths_and_digit_codes():
    assert code_levels("工学/材料/金属") == ["工学", "工学/材料", "工学/材料/金属"]
    assert code_levels("110105") == ["11", "11/01", "11/01/05"]
    assert code_levels("440000") == ["44"]
    assert code_levels("") == []


def test_every_factor_is_neutral_when_facts_are_absent():
    table, rows = table_of(None, Facts(), None)
    values = factor_values(table, rows, None)
    total, _parts = combine(np.ones(3), np.zeros(3), values, Weights())
    assert np.allclose(total, 1.0)
    for name in FACTORS:
        assert np.isnan(values[name]).all()


def test_a_factor_is_neutral_when_only_the_document_has_the_fact():
    table, rows = table_of(Facts(fields=("工学/材料",), region="110105", price=10.0))
    values = factor_values(table, rows, Facts())
    _, parts = combine(np.ones(1), np.zeros(1), values, Weights())
    assert all(parts.get(name, np.zeros(1))[0] == 0 for name in ("field", "region", "budget"))


def test_field_match_rewards_deeper_shared_levels():
    table, rows = table_of(
        Facts(fields=("工学/材料/金属",)),
        Facts(fields=("工学/材料/高分子",)),
        Facts(fields=("工学/电子",)),
        Facts(fields=("医学/临床",)),
    )
    field = factor_values(table, rows, Facts(fields=("工学/材料/金属",)))["field"]
    assert field[0] > field[1] > field[2] > field[3]
    assert field[0] == 1.0
    assert field[3] == 0.0


def test_an_expert_with_several_fields_matches_on_the_best_one():
    table, rows = table_of(Facts(fields=("医学/临床", "工学/材料/金属")))
    assert factor_values(table, rows, Facts(fields=("工学/材料/金属",)))["field"][0] == 1.0


def test_region_match_prefers_the_same_city_then_the_same_province():
    table, rows = table_of(Facts(region="110105"), Facts(region="110228"), Facts(region="440300"))
    region = factor_values(table, rows, Facts(region="110101"))["region"]
    assert region[0] > region[1] > region[2]
    assert region[2] == 0.0


def test_maturity_below_expectation_lowers_the_value():
    table, rows = table_of(Facts(maturity=9), Facts(maturity=6), Facts(maturity=2), Facts())
    maturity = factor_values(table, rows, Facts(maturity=7))["maturity"]
    assert maturity[0] == 1.0
    assert maturity[0] > maturity[1] > maturity[2]
    assert math.isnan(maturity[3])


def test_cooperation_counts_the_share_of_wanted_modes_offered():
    table, rows = table_of(
        Facts(cooperation=("transfer", "license")), Facts(cooperation=("consulting",)), Facts()
    )
    coop = factor_values(table, rows, Facts(cooperation=("transfer", "license")))["cooperation"]
    assert coop[0] == 1.0
    assert coop[1] == 0.0
    assert math.isnan(coop[2])


def test_budget_fits_when_the_price_is_within_it():
    table, rows = table_of(Facts(price=50), Facts(price=200), Facts())
    budget = factor_values(table, rows, Facts(budget=100))["budget"]
    assert budget[0] == 1.0
    assert budget[1] == pytest.approx(0.5)
    assert math.isnan(budget[2])


def test_capacity_left_counts_even_without_query_facts():
    table, rows = table_of(Facts(capacity=1.0), Facts(capacity=0.0), Facts(capacity=7))
    capacity = factor_values(table, rows, None)["capacity"]
    assert capacity[0] == 1.0
    assert capacity[1] == 0.0
    assert capacity[2] == 1.0  # clipped into 0..1


def test_a_factor_adds_between_minus_and_plus_its_weight():
    values = {"field": np.array([1.0, 0.0, 0.5, np.nan], dtype=np.float32)}
    total, parts = combine(np.zeros(4), np.zeros(4), values, Weights(field=0.4))
    assert np.allclose(parts["field"], [0.4, -0.4, 0.0, 0.0])
    assert np.allclose(total, parts["field"])


def test_text_parts_are_weighted():
    total, parts = combine(
        np.array([1.0, 0.5]), np.array([0.2, 0.8]), {}, Weights(lexical=2.0, topic=0.5)
    )
    assert np.allclose(parts["lexical"], [2.0, 1.0])
    assert np.allclose(total, [2.1, 1.4])


def test_a_factor_weighted_zero_contributes_nothing_and_is_still_explained():
    values = {"field": np.array([1.0, 0.0], dtype=np.float32)}
    total, parts = combine(np.array([1.0, 0.5]), np.zeros(2), values, Weights(field=0.0))
    assert np.allclose(parts["field"], [0.0, 0.0])
    assert np.allclose(total, [1.0, 0.5])
