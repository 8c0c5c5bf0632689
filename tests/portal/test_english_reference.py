"""English mode shows the reference data in English: technology fields, regions (pinyin),
cooperation modes, maturity levels and IP types; Chinese mode keeps the Chinese names."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from portal.models import CooperationMode, IPType, MaturityLevel, Region, TechField
from portal.reference.english import reference_english_names
from portal.reference.regions import (
    EN_DATA_FILE,
    region_choices,
    region_full_name,
    region_table,
)
from tests.portal.factories import NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db


def _english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def jinan_need():
    need = NeedFactory(region_code="370102", title="汽车保险杠低温冲击开裂")
    need.cooperation_modes.set([CooperationMode.objects.get(code="co_develop")])
    return need


def test_the_needs_list_in_english_shows_the_english_field_and_region(jinan_need) -> None:
    html = _english_client().get("/needs/").content.decode()

    assert "Polymer Materials" in html
    assert "Lixia District, Jinan, Shandong" in html
    assert "山东省 济南市 历下区" not in html


def test_a_need_page_in_english_shows_english_reference_data(jinan_need) -> None:
    html = _english_client().get(f"/needs/{jinan_need.pk}/").content.decode()

    assert "Jinan" in html
    assert "Polymer Materials" in html
    assert "Joint Development" in html


def test_a_result_page_in_english_names_its_maturity_and_ip_types() -> None:
    result = ResultFactory(maturity=MaturityLevel.objects.get(code="pilot"))
    result.ip_types.set([IPType.objects.get(code="invention")])

    html = _english_client().get(f"/results/{result.pk}/").content.decode()

    assert "Pilot Scale" in html
    assert "Invention Patent" in html


def test_chinese_mode_keeps_the_chinese_names(jinan_need) -> None:
    html = Client().get(f"/needs/{jinan_need.pk}/").content.decode()

    assert "山东省 济南市 历下区" in html
    assert "高分子材料" in html
    assert "Polymer Materials" not in html


def test_the_need_form_offers_fields_and_regions_in_english(alice) -> None:
    client = _english_client()
    client.force_login(alice)

    html = client.get("/needs/new/").content.decode()

    assert "Advanced Manufacturing and Automation" in html
    assert "Jinan, Shandong" in html


def test_every_shipped_reference_row_has_an_english_name() -> None:
    for model in (TechField, CooperationMode, MaturityLevel, IPType):
        assert not model.objects.filter(name_en="").exists(), model.__name__
    # and the file names no code the shipped data does not have
    assert set(reference_english_names()["tech_fields"]) == set(
        TechField.objects.values_list("code", flat=True)
    )


def test_display_names_follow_the_active_language() -> None:
    field = TechField.objects.get(code="0403")
    region = Region.objects.get(code="370100")

    with translation.override("en"):
        assert (field.display_name, str(field)) == ("Polymer Materials", "Polymer Materials")
        assert region.display_name == "Jinan"
    with translation.override("zh-hans"):
        assert (field.display_name, region.display_name) == ("高分子材料", "济南市")


def test_region_names_are_the_standard_pinyin_forms() -> None:
    with translation.override("en"):
        names = {code: region_full_name(code) for code in ("370000", "370100", "110101")}
        choices = dict(region_choices())

    assert names == {
        "370000": "Shandong",
        "370100": "Jinan, Shandong",
        "110101": "Dongcheng District, Beijing",
    }
    assert choices["150000"] == "Inner Mongolia"
    assert region_full_name("370102", english=True) == "Lixia District, Jinan, Shandong"
    assert region_full_name("610100", english=True) == "Xi'an, Shaanxi"


def test_every_region_has_an_english_name_in_latin_letters() -> None:
    english = json.loads(EN_DATA_FILE.read_text(encoding="utf-8"))

    assert set(english) == set(region_table())
    assert all(
        name and not any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in english.values()
    )


def test_the_api_names_reference_data_in_the_requested_language() -> None:
    from rest_framework.test import APIClient

    from tests.portal.factories import NeedFactory

    need = NeedFactory()
    field = need.fields.get()
    assert field.name_en, "the field has an English name"
    client = APIClient()
    zh = client.get(f"/api/needs/{need.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = client.get(f"/api/needs/{need.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["fields"][0]["name"] == field.name
    assert en["fields"][0]["name"] == field.name_en
