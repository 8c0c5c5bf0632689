from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Organization, User
from accounts.validators import is_valid_credit_code

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_creates_the_demo_logins() -> None:
    call_command("seed_demo")
    counts = (User.objects.count(), Organization.objects.count())
    call_command("seed_demo")

    assert (User.objects.count(), Organization.objects.count()) == counts
    for username in [
        "demo_enterprise",
        "demo_researcher",
        "demo_expert",
        "demo_staff",
        "demo_admin",
    ]:
        client = Client()
        assert client.login(username=username, password="duijie-demo"), username


def test_demo_organisations_have_valid_codes_across_regions() -> None:
    call_command("seed_demo")

    orgs = list(Organization.objects.all())
    assert all(is_valid_credit_code(org.credit_code) for org in orgs)
    assert len({org.region_code[:2] for org in orgs}) >= 4
    assert {org.org_type for org in orgs} >= {"enterprise", "university", "institute", "bureau"}


def test_demo_staff_has_a_city_jurisdiction() -> None:
    call_command("seed_demo")

    assert User.objects.get(username="demo_staff").jurisdiction == "3701"
    assert User.objects.get(username="demo_admin").jurisdiction == ""
