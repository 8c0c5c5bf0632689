"""A pair's score reads as a band calibrated on the benchmark, the same in every list."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from matching.lists import bands


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (bands.HIGH, "high"),
        (bands.HIGH - 0.001, "medium"),
        (bands.MEDIUM, "medium"),
        (bands.MEDIUM - 0.001, "low"),
        (None, "low"),
    ],
)
def test_a_score_falls_in_its_band_at_the_calibrated_edges(score: float | None, band: str) -> None:
    assert bands.score_band(score) == band


def test_the_band_badge_says_it_in_chinese() -> None:
    html = Template("{% load matching_tags %}{% score_band s %}").render(Context({"s": 2.0}))
    assert "匹配度高" in html
    assert "text-bg-success" in html
