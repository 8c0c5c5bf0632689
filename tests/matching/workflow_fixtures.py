"""Fixtures of the workflow tests: a Jinan need of org A (alice), a Jinan university result
(rita), an expert with an account (eddie), suggested pairs that the engine's lists show, and
a Qingdao bureau's staff.

Import the fixtures into a test module with ``from tests.matching.workflow_fixtures import *``.
"""

from __future__ import annotations

import pytest

from accounts.models import Membership, Organization, User
from matching.models import Match, MatchStatus, PairKind
from portal.models import Expert, Need, Result
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import ExpertFactory, NeedFactory, ResultFactory, listed

__all__ = [
    "admin_user",
    "eddie",
    "expert",
    "expert_match",
    "match",
    "need",
    "qd_bureau",
    "qd_match",
    "qd_need",
    "qd_result",
    "qd_staff",
    "result",
    "rita",
    "university",
]


@pytest.fixture
def university(db: None) -> Organization:
    return OrganizationFactory(name="济南理工大学", org_type="university", region_code="370100")


@pytest.fixture
def rita(university: Organization) -> User:
    return member("rita", university, Membership.Role.RESEARCHER, phone="13800000002")


@pytest.fixture
def eddie(university: Organization) -> User:
    return member("eddie", university, Membership.Role.EXPERT)


@pytest.fixture
def need(org_a: Organization, alice: User) -> Need:
    return NeedFactory(
        organization=org_a,
        created_by=alice,
        title="注塑件表面缩痕问题",
        region_code="370100",
        contact_name="王经理",
        contact_phone="13900000001",
        contact_email="need@example.cn",
    )


@pytest.fixture
def result(university: Organization, rita: User) -> Result:
    return ResultFactory(
        organization=university,
        created_by=rita,
        title="高分子材料注塑成型优化技术",
        region_code="370100",
        contact_name="李老师",
        contact_phone="13800000002",
        contact_email="result@example.cn",
    )


@pytest.fixture
def expert(university: Organization, eddie: User) -> Expert:
    return ExpertFactory(
        organization=university,
        user=eddie,
        name="赵教授",
        region_code="370100",
        contact_phone="13800000003",
    )


@pytest.fixture
def match(need: Need, result: Result) -> Match:
    pair = Match.objects.create(
        kind=PairKind.NEED_RESULT,
        need=need,
        result=result,
        score=0.8,
        explanation={"terms": [{"term": "注塑", "contribution": 0.3}]},
        status=MatchStatus.SUGGESTED,
    )
    return listed(pair)


@pytest.fixture
def expert_match(need: Need, expert: Expert) -> Match:
    pair = Match.objects.create(kind=PairKind.NEED_EXPERT, need=need, expert=expert, score=0.6)
    return listed(pair)


@pytest.fixture
def qd_bureau(db: None) -> Organization:
    return OrganizationFactory(name="青岛市科学技术局", org_type="bureau", region_code="370200")


@pytest.fixture
def qd_staff(qd_bureau: Organization) -> User:
    return member("qd_staff", qd_bureau, Membership.Role.STAFF)


@pytest.fixture
def qd_need(org_b: Organization, charlie: User) -> Need:
    return NeedFactory(
        organization=org_b, created_by=charlie, title="海水淡化膜污染控制", region_code="370200"
    )


@pytest.fixture
def qd_result(db: None) -> Result:
    org = OrganizationFactory(name="青岛海洋研究所", org_type="institute", region_code="370200")
    return ResultFactory(organization=org, title="抗污染反渗透膜", region_code="370200")


@pytest.fixture
def qd_match(qd_need: Need, qd_result: Result) -> Match:
    pair = Match.objects.create(
        kind=PairKind.NEED_RESULT, need=qd_need, result=qd_result, score=0.7
    )
    return listed(pair)


@pytest.fixture
def admin_user(bureau: Organization) -> User:
    return member("boss", bureau, Membership.Role.ADMIN)
