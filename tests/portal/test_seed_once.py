"""`make run` seeds once: a second seed_demo finds the demo and creates nothing, quickly;
--reset empties the database and seeds afresh."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import Organization, User
from matching.models import Match, MatchTransition
from portal.demo.events import NEXT_TITLE
from portal.events.models import Event
from portal.management.commands.seed_demo import demo_seeded
from portal.models import Expert, Need, Result

pytestmark = pytest.mark.django_db


MODELS = (User, Organization, Need, Result, Expert, Match, MatchTransition, Event)


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_a_second_seed_creates_nothing_in_a_few_queries(
    django_assert_max_num_queries: Any,
) -> None:
    _seed()
    before = _counts()

    with django_assert_max_num_queries(8):
        output = _seed()

    assert "跳过" in output
    assert _counts() == before


def test_the_demo_counts_as_seeded_only_when_its_last_part_is_there() -> None:
    assert not demo_seeded()
    _seed()
    assert demo_seeded()

    # the last part seeded went missing (as a crash before it would leave it)
    Event.objects.filter(title=NEXT_TITLE).update(title="另一场对接会")

    assert not demo_seeded()


def test_force_checks_every_part_and_creates_nothing_twice() -> None:
    _seed()
    before = _counts()

    output = _seed("--force")

    assert "跳过" not in output
    # (matching runs again and may suggest pairs for profiles added after it first ran)
    unchanged = [i for i, model in enumerate(MODELS) if model is not Match]
    assert [_counts()[i] for i in unchanged] == [before[i] for i in unchanged]


# flush truncates every table: on PostgreSQL not inside the test's transaction, whose
# inserts leave deferred constraint triggers pending (as `make reset` runs it: autocommit)
@pytest.mark.django_db(transaction=True)
def test_reset_empties_the_database_and_seeds_afresh() -> None:
    _seed()
    User.objects.create_user(username="stray", password="x")
    Need.objects.filter(title="汽车保险杠改性聚丙烯低温冲击开裂").delete()

    _seed("--reset")

    assert not User.objects.filter(username="stray").exists()
    assert User.objects.filter(username="demo_staff").exists()
    assert Need.objects.filter(title="汽车保险杠改性聚丙烯低温冲击开裂").exists()
    assert "跳过" in _seed()
