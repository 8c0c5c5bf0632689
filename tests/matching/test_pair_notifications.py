"""Both sides of an approved pair are told, each with text that names the other side, and
each can open what the notice links to."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Membership, Notification, User
from matching.models import PairKind
from matching.pairs import services as pairs
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import ExpertFactory, MatchFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def university() -> object:
    return OrganizationFactory(name="齐鲁大学", org_type="university", region_code="370100")


def test_the_expert_of_an_approved_pair_is_told_and_can_open_the_pair(
    alice: User, staff: User, university: object
) -> None:
    expert_user = member("prof_zhang", university, Membership.Role.EXPERT)
    expert = ExpertFactory(organization=university, user=expert_user, name="张教授")
    need = NeedFactory(organization=alice.organization, title="锂电池极片涂布缺陷检测")
    pair = MatchFactory(kind=PairKind.NEED_EXPERT, need=need, result=None, expert=expert)

    pairs.match_approve(match_id=pair.pk, user=staff)

    to_expert = Notification.objects.get(user=expert_user)
    assert "锂电池极片涂布缺陷检测" in to_expert.subject
    assert "您的技术需求" not in to_expert.subject
    to_owner = Notification.objects.get(user=alice)
    assert "您的技术需求“锂电池极片涂布缺陷检测”" in to_owner.subject
    assert "张教授" in to_owner.body
    for user, notice in ((expert_user, to_expert), (alice, to_owner)):
        client = Client()
        client.force_login(user)
        assert client.get(notice.url).status_code == 200


def test_a_result_side_notice_names_the_enterprise_and_goes_to_its_research_team_only(
    alice: User, staff: User, university: object
) -> None:
    researcher = member("li_team", university, Membership.Role.RESEARCHER)
    colleague_expert = member("wang_expert", university, Membership.Role.EXPERT)
    result = ResultFactory(organization=university, title="高精度视觉检测算法")
    need = NeedFactory(organization=alice.organization, title="极片缺陷在线检测")
    pair = MatchFactory(need=need, result=result)

    pairs.match_approve(match_id=pair.pk, user=staff)

    notice = Notification.objects.get(user=researcher)
    assert "您的“高精度视觉检测算法”与技术需求“极片缺陷在线检测”" in notice.subject
    assert alice.organization.name in notice.body
    assert not Notification.objects.filter(user=colleague_expert).exists()
