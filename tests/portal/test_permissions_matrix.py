"""Who gets what on every register route, browser and API, generated from the URL config.

Every named route of portal.register_urls and portal.register_api_urls must have a rule
below: a new route without one fails test_every_register_route_has_a_rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from accounts.models import Membership, User
from portal import register_api_urls, register_urls
from portal.models import Need, PostingStatus
from portal.services.attachments import attachment_add, attachment_bytes_for_tests
from tests.accounts.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.portal.factories import ExpertFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db

# staff_x: staff of Qingdao (3702), outside the Jinan postings below; admin: the
# superuser (the project's administrator, jurisdiction everywhere), a member of the same
# Qingdao bureau so that only the admin role, not the region, lets them in.
PERSONAS = ("anonymous", "ent_a", "ent_b", "researcher", "expert", "staff", "staff_x", "admin")


def S(*codes: int) -> dict[str, int]:
    assert len(codes) == len(PERSONAS)
    return dict(zip(PERSONAS, codes, strict=True))


ALL_200 = S(200, 200, 200, 200, 200, 200, 200, 200)
LOGIN_200 = S(302, 200, 200, 200, 200, 200, 200, 200)
STAFF_ONLY_GET = S(302, 403, 403, 403, 403, 200, 200, 200)
STAFF_ONLY_POST = S(302, 403, 403, 403, 403, 302, 302, 302)


@dataclass
class Case:
    target: str | None  # key in the world dict giving the pk, or None
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    # persona -> {field: visible?}; API: JSON key not null; browser: sentinel text in page.
    visible: dict[str, dict[str, bool]] = field(default_factory=dict)
    json: bool = False
    # world key of a need, and who changed its status (everyone else left it as it was):
    # for a write whose status code does not tell (bulk approve redirects whatever it did)
    watch: str | None = None
    changed: dict[str, bool] = field(default_factory=dict)


def _names(patterns: list[Any], namespace: str) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}")
    return names


# Who owns what in the world below: org A (ent_a) owns the needs, the university (researcher
# and expert) owns the results, the expert owns their published profile, and the staff keep
# a ledger draft of another expert. Staff of Jinan (3701) review all of it; staff of Qingdao
# (staff_x) may see only what is published, without its contacts or confidential budget,
# and may neither change nor review it; the admin may do all the Jinan staff may.
OWNER_A = {"need": "ent_a", "result": "researcher", "expert": "expert"}


def _browser_cases(kind: str) -> dict[str, list[Case]]:
    p = f"registers:{kind}"
    create = {
        "need": S(302, 200, 200, 403, 403, 200, 200, 200),
        "result": S(302, 403, 403, 200, 200, 200, 200, 200),
        "expert": S(302, 403, 403, 200, 200, 200, 200, 200),
    }[kind]
    # Seeing the draft: the owning organisation (and, for the ledger expert, staff only).
    see_draft = {
        "need": S(404, 200, 404, 404, 404, 200, 404, 200),
        "result": S(404, 404, 404, 200, 200, 200, 404, 200),
        "expert": S(404, 404, 404, 404, 404, 200, 404, 200),
    }[kind]
    edit_published = {
        "need": S(302, 200, 403, 403, 403, 200, 403, 200),
        "result": S(302, 403, 403, 200, 200, 200, 403, 200),
        "expert": S(302, 403, 403, 403, 200, 200, 403, 200),
    }[kind]
    edit_draft = {k: (302 if v == 200 else v) for k, v in see_draft.items()}
    edit_draft["anonymous"] = 302
    act_published = {k: (302 if v == 200 else v) for k, v in edit_published.items()}
    edit_draft_get = {**see_draft, "anonymous": 302}
    # Reviewing a submitted posting: staff; the owner sees it but may not review (403).
    review = {
        "need": S(302, 403, 404, 404, 404, 302, 404, 302),
        "result": S(302, 404, 404, 403, 403, 302, 404, 302),
        "expert": S(302, 404, 404, 403, 403, 302, 404, 302),
    }[kind]
    review_get = {k: (200 if v == 302 else v) for k, v in review.items()}
    review_get["anonymous"] = 302
    owner = OWNER_A[kind]
    contact_visible = {persona: persona in (owner, "staff", "admin") for persona in PERSONAS}
    if kind in ("result", "expert"):  # the university's members own both
        contact_visible["researcher"] = contact_visible["expert"] = True
    visible = {persona: {"13905310001": seen} for persona, seen in contact_visible.items()}
    if kind == "need":  # the published need keeps its budget confidential
        for persona in PERSONAS:
            visible[persona]["88.00"] = contact_visible[persona]
    return {
        f"{p}-list": [Case(None, statuses=ALL_200)],
        f"{p}-create": [Case(None, statuses=create)],
        f"{p}-mine": [Case(None, statuses=LOGIN_200)],
        f"{p}-export": [Case(None, statuses=STAFF_ONLY_GET)],
        f"{p}-import": [Case(None, statuses=STAFF_ONLY_GET)],
        f"{p}-import-template": [Case(None, statuses=STAFF_ONLY_GET)],
        f"{p}-detail": [
            Case(f"{kind}_pub", statuses=ALL_200, visible=visible),
            Case(f"{kind}_draft", statuses=see_draft),
        ],
        f"{p}-edit": [
            Case(f"{kind}_pub", statuses=edit_published),
            Case(f"{kind}_draft", statuses=edit_draft_get),
        ],
        f"{p}-submit": [Case(f"{kind}_draft", "post", statuses=edit_draft)],
        f"{p}-close": [Case(f"{kind}_pub", "post", statuses=act_published)],
        f"{p}-confirm": [Case(f"{kind}_pub", "post", statuses=act_published)],
        f"{p}-approve": [Case(f"{kind}_sub", "post", statuses=review)],
        f"{p}-reject": [
            Case(f"{kind}_sub", "get", statuses=review_get),
            Case(f"{kind}_sub", "post", {"reason": "信息不完整"}, statuses=review),
        ],
    }


def _api_cases(kind: str) -> dict[str, list[Case]]:
    p = f"api:{kind}"
    payload = {
        "need": {
            "title": "新能源汽车电池包轻量化",
            "description": "需要把电池包壳体减重百分之二十。",
            "fields": ["0403"],
            "region_code": "370100",
        },
        "result": {
            "title": "碳纤维复合材料电池包壳体",
            "summary": "比铝合金壳体减重百分之三十。",
            "fields": ["0403"],
            "region_code": "370100",
        },
        "expert": {
            "name": "赵教授",
            "title": "professor",
            "fields": ["0403"],
            "region_code": "370100",
        },
    }[kind]
    create = {
        "need": S(403, 201, 201, 403, 403, 201, 201, 201),
        "result": S(403, 403, 403, 201, 201, 201, 201, 201),
        # the expert already has a profile (one per account): a field error
        "expert": S(403, 403, 403, 201, 400, 201, 201, 201),
    }[kind]
    see_draft = {
        "need": S(404, 200, 404, 404, 404, 200, 404, 200),
        "result": S(404, 404, 404, 200, 200, 200, 404, 200),
        "expert": S(404, 404, 404, 404, 404, 200, 404, 200),
    }[kind]
    write_published = {
        "need": S(403, 200, 403, 403, 403, 200, 403, 200),
        "result": S(403, 403, 403, 200, 200, 200, 403, 200),
        "expert": S(403, 403, 403, 403, 200, 200, 403, 200),
    }[kind]
    submit_draft = {**see_draft, "anonymous": 403}
    review = {
        "need": S(403, 403, 404, 404, 404, 200, 404, 200),
        "result": S(403, 404, 404, 403, 403, 200, 404, 200),
        "expert": S(403, 404, 404, 403, 403, 200, 404, 200),
    }[kind]
    owner = OWNER_A[kind]
    seen = {persona: persona in (owner, "staff", "admin") for persona in PERSONAS}
    if kind in ("result", "expert"):
        seen["researcher"] = seen["expert"] = True
    visible = {persona: {"contact_phone": s} for persona, s in seen.items()}
    if kind == "need":
        for persona in PERSONAS:
            visible[persona]["budget_max"] = seen[persona]
            visible[persona]["description"] = True
    return {
        f"{p}-list": [
            Case(None, statuses=ALL_200, json=True),
            Case(None, "post", payload, create, json=True),
        ],
        f"{p}-detail": [
            Case(f"{kind}_pub", statuses=ALL_200, visible=visible, json=True),
            Case(f"{kind}_draft", statuses=see_draft, json=True),
            Case(f"{kind}_pub", "patch", {"contact_name": "新联系人"}, write_published, json=True),
        ],
        f"{p}-submit": [Case(f"{kind}_draft", "post", statuses=submit_draft, json=True)],
        f"{p}-approve": [Case(f"{kind}_sub", "post", statuses=review, json=True)],
        f"{p}-reject": [Case(f"{kind}_sub", "post", {"reason": "请补充"}, review, json=True)],
        f"{p}-close": [Case(f"{kind}_pub", "post", statuses=write_published, json=True)],
        f"{p}-confirm": [Case(f"{kind}_pub", "post", statuses=write_published, json=True)],
    }


PENDING_TITLE = "待审核的电池包壳体减重需求"
RULES: dict[str, list[Case]] = {
    # the submitted need of Jinan is in the queue of its staff and the admin, not Qingdao's
    "registers:review-queue": [
        Case(
            None,
            statuses=STAFF_ONLY_GET,
            visible={p: {PENDING_TITLE: p != "staff_x"} for p in ("staff", "staff_x", "admin")},
        )
    ],
    "registers:review-bulk-approve": [
        Case(
            None,
            "post",
            {"kind": "need", "ids": "need_sub"},
            statuses=STAFF_ONLY_POST,
            watch="need_sub",
            changed={p: p in ("staff", "admin") for p in PERSONAS},
        )
    ],
    "registers:review-counts": [Case(None, statuses=STAFF_ONLY_GET)],
    "registers:search-suggest": [Case(None, data={"q": "材料"}, statuses=ALL_200)],
    "registers:region-tree": [Case(None, statuses=ALL_200)],
    # the completeness panel of the need form: any signed-in user may preview their text
    "registers:need-completeness": [
        Case(None, data={"title": "注塑缩痕"}, statuses=LOGIN_200),
        Case(None, "post", {"title": "注塑缩痕"}, statuses=LOGIN_200),
    ],
    "registers:attachment-download": [
        Case("att_pub", statuses=ALL_200),
        Case("att_draft", statuses=S(404, 200, 404, 404, 404, 200, 404, 200)),
    ],
    "registers:attachment-delete": [
        Case("att_pub", "post", statuses=S(302, 302, 403, 403, 403, 302, 403, 302))
    ],
    "api:organization-list": [Case(None, statuses=ALL_200, json=True)],
    "api:organization-detail": [Case("org_a", statuses=ALL_200, json=True)],
    "api:field-list": [Case(None, statuses=ALL_200, json=True)],
    "api:region-list": [Case(None, statuses=ALL_200, json=True)],
}
for _kind in ("need", "result", "expert"):
    RULES.update(_browser_cases(_kind))
    RULES.update(_api_cases(_kind))

ROUTES = _names(register_urls.urlpatterns, "registers") | {
    f"api:{name.split(':', 1)[1]}" for name in _names(register_api_urls.urlpatterns, "api")
}


def test_every_register_route_has_a_rule() -> None:
    assert set(RULES) == ROUTES, (
        f"routes without a rule: {sorted(ROUTES - set(RULES))}; "
        f"rules without a route: {sorted(set(RULES) - ROUTES)}"
    )


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    org_a = OrganizationFactory(name="甲企业有限公司", org_type="enterprise", region_code="370100")
    org_b = OrganizationFactory(name="乙企业有限公司", org_type="enterprise", region_code="370200")
    uni = OrganizationFactory(name="丙大学", org_type="university", region_code="370100")
    bureau = OrganizationFactory(name="济南市科学技术局", org_type="bureau", region_code="370100")
    qingdao = OrganizationFactory(name="青岛市科学技术局", org_type="bureau", region_code="370200")
    users: dict[str, User | None] = {"anonymous": None}
    for persona, org, role in (
        ("ent_a", org_a, Membership.Role.ENTERPRISE),
        ("ent_b", org_b, Membership.Role.ENTERPRISE),
        ("researcher", uni, Membership.Role.RESEARCHER),
        ("expert", uni, Membership.Role.EXPERT),
        ("staff", bureau, Membership.Role.STAFF),
        ("staff_x", qingdao, Membership.Role.STAFF),
        ("admin", qingdao, Membership.Role.ADMIN),
    ):
        admin = role == Membership.Role.ADMIN
        user = UserFactory(username=persona, is_staff=admin, is_superuser=admin)
        MembershipFactory(user=user, organization=org, role=role)
        users[persona] = user
    draft, sub = PostingStatus.DRAFT, PostingStatus.SUBMITTED
    w: dict[str, Any] = {"users": users, "org_a": org_a.pk}
    need_pub = NeedFactory(
        organization=org_a, created_by=users["ent_a"], budget_max=88, confidential_fields=["budget"]
    )
    w["need_pub"] = need_pub.pk
    w["need_draft"] = NeedFactory(organization=org_a, status=draft, published_at=None).pk
    w["need_sub"] = NeedFactory(
        organization=org_a, status=sub, published_at=None, title=PENDING_TITLE
    ).pk
    w["result_pub"] = ResultFactory(organization=uni, created_by=users["researcher"]).pk
    w["result_draft"] = ResultFactory(organization=uni, status=draft, published_at=None).pk
    w["result_sub"] = ResultFactory(organization=uni, status=sub, published_at=None).pk
    w["expert_pub"] = ExpertFactory(organization=uni, user=users["expert"]).pk
    w["expert_draft"] = ExpertFactory(created_by=users["staff"], status=draft, published_at=None).pk
    w["expert_sub"] = ExpertFactory(organization=uni, status=sub, published_at=None).pk
    for key, pk in (("att_pub", w["need_pub"]), ("att_draft", w["need_draft"])):
        upload = SimpleUploadedFile("方案.pdf", attachment_bytes_for_tests("pdf"))
        w[key] = attachment_add(
            posting=Need.objects.get(pk=pk), by=users["staff"], upload=upload
        ).pk
    return w


CASES = [
    pytest.param(name, index, id=f"{name}-{case.method}-{case.target or 'none'}")
    for name, cases in sorted(RULES.items())
    for index, case in enumerate(cases)
]


@pytest.mark.parametrize(("name", "index"), CASES)
def test_status_codes_and_visible_fields(world: dict[str, Any], name: str, index: int) -> None:
    case = RULES[name][index]
    kwargs = {"pk": world[case.target]} if case.target else {}
    url = reverse(name, kwargs=kwargs)
    data = {k: world.get(v, v) if isinstance(v, str) else v for k, v in case.data.items()}
    got: dict[str, int] = {}
    seen: dict[str, dict[str, bool]] = {}
    changed: dict[str, bool] = {}
    watched = Need.objects.filter(pk=world[case.watch]) if case.watch else None
    status_before = watched.values_list("status", flat=True).get() if watched else None
    for persona in PERSONAS:
        sid = transaction.savepoint()
        client = Client()
        if world["users"][persona] is not None:
            client.force_login(world["users"][persona])
        if case.json and case.method != "get":
            response = getattr(client, case.method)(
                url, json.dumps(data), content_type="application/json"
            )
        else:
            response = getattr(client, case.method)(url, data)
        got[persona] = response.status_code
        if case.visible and response.status_code == 200:
            if case.json:
                body = response.json()
                seen[persona] = {f: body.get(f) is not None for f in case.visible[persona]}
            else:
                html = response.content.decode()
                seen[persona] = {f: f in html for f in case.visible[persona]}
        if watched is not None:
            changed[persona] = watched.values_list("status", flat=True).get() != status_before
        transaction.savepoint_rollback(sid)
    assert got == case.statuses
    if case.visible:
        assert seen == case.visible
    assert changed == case.changed
