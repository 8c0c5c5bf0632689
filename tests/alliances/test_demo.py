"""The demo has one alliance whose members share a few postings members first."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Alliance, User
from portal.models import Need, Result

pytestmark = pytest.mark.django_db


def test_the_demo_alliance_shares_postings_members_first_and_seeds_once() -> None:
    call_command("seed_demo")
    call_command("seed_demo")

    alliance = Alliance.objects.get()
    shared = [
        *Need.objects.filter(members_first_alliance=alliance),
        *Result.objects.filter(members_first_alliance=alliance),
    ]
    assert alliance.memberships.count() >= 4
    assert 2 <= len(shared) <= 3
    assert all(posting.members_first_active for posting in shared)
    # a member's login sees them on the alliance page; a visitor does not
    member = Client()
    member.force_login(User.objects.get(username="demo_enterprise"))
    as_member = member.get(f"/alliances/{alliance.pk}/").content.decode()
    as_visitor = Client().get(f"/alliances/{alliance.pk}/").content.decode()
    links = [f'href="/{type(p).__name__.lower()}s/{p.pk}/"' for p in shared]
    assert all(link in as_member for link in links)
    assert not any(link in as_visitor for link in links)
