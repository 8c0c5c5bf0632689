"""Minimal register factories for the matching tests (published by default).

When tests/portal/factories.py (the registers') grows its own, these can defer to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import factory
import pytest
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from matching.lists import index_cache
from matching.models import Match, PairKind, Recommendation
from portal.models import (
    CooperationMode,
    Expert,
    MaturityLevel,
    Need,
    PostingStatus,
    Result,
    TechField,
)
from portal.signals import posting_changed
from tests.accounts.factories import OrganizationFactory


class _PostingFactory(DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    region_code = "370100"
    status = PostingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def field_codes(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.fields.set(TechField.objects.filter(code__in=extracted))

    @factory.post_generation
    def mode_codes(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.cooperation_modes.set(CooperationMode.objects.filter(code__in=extracted))


class NeedFactory(_PostingFactory):
    class Meta:
        model = Need

    title = factory.Sequence(lambda n: f"技术需求{n}")
    description = "需要解决生产中的技术难题。"


class ResultFactory(_PostingFactory):
    class Meta:
        model = Result

    title = factory.Sequence(lambda n: f"科技成果{n}")
    summary = "一项新技术。"


class ExpertFactory(_PostingFactory):
    class Meta:
        model = Expert

    name = factory.Sequence(lambda n: f"专家{n}")
    title = Expert.Title.PROFESSOR
    biography = "长期从事相关研究。"


class MatchFactory(DjangoModelFactory):
    class Meta:
        model = Match

    kind = PairKind.NEED_RESULT
    need = factory.SubFactory(NeedFactory)
    result = factory.SubFactory(ResultFactory)
    score = 1.0


def listed(match: Match, rank: int = 1) -> Match:
    """Put a pair in both sides' ranked lists at ``rank``, as the engine would, so it shows
    in the review queue and in staff's recommendation lists."""
    offer_kind = "result" if match.result_id else "expert"
    offer_id = match.result_id or match.expert_id
    Recommendation.objects.create(
        owner_kind="need", owner_id=match.need_id, target_kind=offer_kind, match=match, rank=rank
    )
    Recommendation.objects.create(
        owner_kind=offer_kind, owner_id=offer_id, target_kind="need", match=match, rank=rank
    )
    return match


def maturity(code: str) -> MaturityLevel:
    return MaturityLevel.objects.get(code=code)


@pytest.fixture(autouse=True)
def fresh_index_cache() -> Iterator[None]:
    """Each test starts with empty in-process indexes (the database rolls back between)."""
    index_cache.index_cache_clear()
    yield
    index_cache.index_cache_clear()


def publish(posting: Need | Result | Expert, kind: str) -> None:
    """What the registers do on publish: announce it inside their transaction."""
    with transaction.atomic():
        posting_changed.send(sender=type(posting), kind=kind, pk=posting.pk)


SOLAR_NEED = {
    "title": "钙钛矿太阳能电池组件稳定性提升",
    "keywords": "钙钛矿,太阳能电池,稳定性",
    "description": (
        "我公司生产钙钛矿太阳能电池组件，湿热环境下效率衰减快，需要封装与界面钝化技术提升稳定性。"
    ),
}
SOLAR_RESULT = {
    "title": "高稳定钙钛矿太阳能电池界面钝化技术",
    "keywords": "钙钛矿,界面钝化,太阳能电池",
    "summary": "通过界面钝化与封装工艺，使钙钛矿太阳能电池在湿热老化1000小时后效率保持90%以上。",
}
WATER_RESULT = {
    "title": "印染废水高级氧化处理工艺",
    "keywords": "废水处理,高级氧化,印染",
    "summary": "采用臭氧催化氧化处理印染废水，COD去除率高，运行成本低。",
}
SOLAR_EXPERT = {
    "name": "张光伏",
    "keywords": "钙钛矿,太阳能电池,光伏材料",
    "biography": "从事钙钛矿太阳能电池材料与器件稳定性研究二十年。",
}
WATER_EXPERT = {
    "name": "李环保",
    "keywords": "废水处理,膜分离",
    "biography": "研究工业废水处理与膜分离技术。",
}
