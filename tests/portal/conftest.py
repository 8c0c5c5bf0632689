"""Register personas on top of tests/conftest.py: a researcher and an expert at a university."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership, Organization, User
from portal.models import CooperationMode, MaturityLevel, TechField
from tests.accounts.factories import OrganizationFactory, member


@pytest.fixture
def university(db: None) -> Organization:
    return OrganizationFactory(name="丙大学", org_type="university", region_code="370100")


@pytest.fixture
def researcher(university: Organization) -> User:
    return member("rita", university, Membership.Role.RESEARCHER)


@pytest.fixture
def expert_user(university: Organization) -> User:
    return member("eddie", university, Membership.Role.EXPERT)


@pytest.fixture
def other_staff(db: None) -> User:
    """Staff of Hohhot (jurisdiction 1501): outside Jinan's postings."""
    bureau = OrganizationFactory(
        name="呼和浩特市科学技术局", org_type="bureau", region_code="150100"
    )
    return member("olga", bureau, Membership.Role.STAFF)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def new_material(db: None) -> TechField:
    return TechField.objects.get(code="0403")


def need_form(**overrides: object) -> dict[str, object]:
    """What the browser's need form posts (save as draft), with ``overrides``."""
    data: dict[str, object] = {
        "title": "汽车保险杠低温开裂",
        "description": "零下三十度冲击开裂。",
        "fields": [TechField.objects.get(code="0403").pk],
        "region_code": "370100",
        "action": "save",
    }
    data.update(overrides)
    return data


def need_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "汽车保险杠低温冲击开裂",
        "description": "改性聚丙烯保险杠在零下三十度冲击试验中开裂，希望提升低温韧性。",
        "keywords": "改性塑料，低温韧性",
        "region_code": "370100",
        "budget_min": 50,
        "budget_max": 100,
        "deadline": date.today() + timedelta(days=60),  # noqa: DTZ011
        "fields": [TechField.objects.get(code="0403")],
        "cooperation_modes": list(CooperationMode.objects.all()[:1]),
        "expected_maturity": MaturityLevel.objects.first(),
        "contact_name": "王工",
        "contact_phone": "13905310001",
        "contact_email": "wang@example.cn",
        "confidential_fields": [],
    }
    data.update(overrides)
    return data
