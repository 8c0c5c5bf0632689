"""Evidence shown to staff lists only terms that carry meaning (issue 15: a need about
800 吨 of 高盐印染废水 showed 约 and 吨 as shared terms)."""

from __future__ import annotations

import pytest

from matching.engine.evidence import carries_meaning
from matching.lists.explain import explanation_summary

NOISE = ["约", "吨", "800", "30%", "800吨", "100kw", "3.5", "技术", "问题"]


@pytest.mark.parametrize("term", NOISE)
def test_noise_is_not_evidence(term: str) -> None:
    assert not carries_meaning(term)


@pytest.mark.parametrize("term", ["印染废水", "催化臭氧", "mofs", "mil-101(cr)", "脱色", "5g"])
def test_meaningful_terms_are_evidence(term: str) -> None:
    assert carries_meaning(term)


def test_the_summary_keeps_meaningful_terms_in_order_and_phrases_with_one_good_half() -> None:
    data = {
        "terms": [
            {"term": "约", "contribution": 0.9},
            {"term": "印染废水", "contribution": 0.8},
            {"term": "800 吨", "contribution": 0.5},
            {"term": "催化 臭氧", "contribution": 0.4},
            {"term": "吨", "contribution": 0.3},
            {"term": "脱色", "contribution": 0.2},
        ]
    }
    assert explanation_summary(data).terms == ["印染废水", "催化臭氧", "脱色"]
