"""The recommendation lists never show a non-member a members-first posting (the engine
still pairs it, and staff see it); members see it, and everyone once its date passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Organization, User
from matching.models import Match, MatchStatus, PairKind
from tests.alliances.conftest import MEMBERS_FIRST_DAYS, client_for
from tests.matching.factories import MatchFactory, listed
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairs(
    shared_result: Any, org_b: Organization, charlie: User, org_m: Organization, mia: User
) -> dict[str, Match]:
    """The members-first result, paired (and listed) with a need of charlie's organisation
    (not a member) and with one of mia's (a member)."""
    outsider_need = NeedFactory(
        title="风电叶片复合材料减重", organization=org_b, created_by=charlie
    )
    member_need = NeedFactory(title="汽车轻量化复合材料部件", organization=org_m, created_by=mia)
    return {
        "outsider": listed(
            MatchFactory(need=outsider_need, result=shared_result, kind=PairKind.NEED_RESULT)
        ),
        "member": listed(
            MatchFactory(need=member_need, result=shared_result, kind=PairKind.NEED_RESULT)
        ),
    }


def _counterparts(user: User, need_id: int) -> list[int]:
    response = client_for(user).get(f"/api/needs/{need_id}/recommendations/")
    assert response.status_code == 200
    return [row["counterpart"]["id"] for row in response.json()]


def test_a_non_members_raw_list_leaves_it_out(
    settings: Any, pairs: dict[str, Match], charlie: User, mia: User, shared_result: Any
) -> None:
    settings.MATCHING_SELF_SERVICE = True

    assert shared_result.pk not in _counterparts(charlie, pairs["outsider"].need_id)
    assert shared_result.pk in _counterparts(mia, pairs["member"].need_id)


def test_staff_see_the_pair_in_the_non_members_list(
    pairs: dict[str, Match], staff: User, shared_result: Any
) -> None:
    assert shared_result.pk in _counterparts(staff, pairs["outsider"].need_id)


def test_a_pair_staff_took_up_stays_out_of_the_non_members_list_until_the_date(
    pairs: dict[str, Match], charlie: User, shared_result: Any
) -> None:
    Match.objects.filter(pk=pairs["outsider"].pk).update(status=MatchStatus.APPROVED)
    page = f"/matching/recommendations/need/{pairs['outsider'].need_id}/"

    assert _counterparts(charlie, pairs["outsider"].need_id) == []
    assert shared_result.title not in client_for(charlie).get(page).content.decode()
    tz = timezone.get_current_timezone()
    after = timezone.localdate() + dt.timedelta(days=MEMBERS_FIRST_DAYS + 1)
    with time_machine.travel(dt.datetime.combine(after, dt.time(9, 0), tz), tick=False):
        assert _counterparts(charlie, pairs["outsider"].need_id) == [shared_result.pk]
        assert shared_result.title in client_for(charlie).get(page).content.decode()


def test_the_members_own_list_links_to_it(
    settings: Any, pairs: dict[str, Match], mia: User, shared_result: Any
) -> None:
    settings.MATCHING_SELF_SERVICE = True
    page = client_for(mia).get(f"/matching/recommendations/need/{pairs['member'].need_id}/")

    assert f'href="/results/{shared_result.pk}/"' in page.content.decode()
