from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from portal.models import Expert, Need, PostingStatus, Result, TechField
from portal.search import search_tokens_for


def _field(code: str = "0403") -> TechField:
    return TechField.objects.get(code=code)


class PostingFactory(DjangoModelFactory):
    region_code = "370100"
    status = PostingStatus.PUBLISHED
    keywords = "改性塑料，增韧"
    contact_name = "王工"
    contact_phone = "13905310001"
    contact_email = "wang@example.cn"
    published_at = factory.LazyFunction(timezone.now)
    last_confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def fields(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.fields.set(extracted or [_field()])

    @factory.post_generation
    def tokens(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        body = {
            Need: lambda o: [o.description],
            Result: lambda o: [o.summary, o.team, o.institution_name],
            Expert: lambda o: [o.institution_name, o.biography, o.representative_results],
        }[type(self)](self)
        title = self.name if isinstance(self, Expert) else self.title
        self.search_tokens = search_tokens_for(title=title, keywords=self.keywords, body=body)
        self.save(update_fields=["search_tokens"])


class NeedFactory(PostingFactory):
    class Meta:
        model = Need
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"汽车保险杠低温冲击开裂问题{n}")
    description = "现有改性聚丙烯材料在零下三十度冲击试验中开裂，希望提升低温韧性。"
    budget_min = 50
    budget_max = 100


class ResultFactory(PostingFactory):
    class Meta:
        model = Result
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"耐低温增韧聚丙烯复合材料{n}")
    summary = "弹性体与成核剂协同增韧，零下四十度缺口冲击强度提高一倍。"
    institution_name = "山东大学"


class ExpertFactory(PostingFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"张专家{n}")
    title = Expert.Title.PROFESSOR
    institution_name = "山东大学"
    biography = "长期从事高分子材料改性与加工研究。"
