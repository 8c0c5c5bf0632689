"""Completions for the search box: field names and frequent keywords containing what the
user typed, most frequent first, published postings only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.suggest import suggestions
from tests.portal.factories import NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_field_names_then_keywords_by_frequency() -> None:
    NeedFactory(keywords="复合材料，回收")
    ResultFactory(keywords="复合材料，碳纤维")
    NeedFactory(keywords="材料改性")
    NeedFactory(keywords="秘密材料", status="draft")
    texts = [s["text"] for s in suggestions("材料")]
    kinds = [s["kind"] for s in suggestions("材料")]
    assert "复合材料" in texts
    assert "秘密材料" not in texts  # a draft's keywords are nobody's business
    first_keyword = kinds.index("keyword")
    assert all(k == "field" for k in kinds[:first_keyword])
    assert texts[first_keyword] == "复合材料"  # two postings carry it, 材料改性 one
    assert texts.index("材料改性") > first_keyword


def test_the_endpoint_returns_datalist_options_and_nothing_for_blank() -> None:
    NeedFactory(keywords="印染废水，脱色")
    body = Client().get(reverse("registers:search-suggest"), {"q": "废水"}).content.decode()
    assert '<option value="印染废水">' in body
    blank = Client().get(reverse("registers:search-suggest"), {"q": "  "})
    assert blank.status_code == 200
    assert "<option" not in blank.content.decode()
