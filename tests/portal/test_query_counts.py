"""Lists and detail pages of the registers run a fixed number of SQL queries.

Each case requests a list with a few rows, then with three times as many (or a detail with
one attachment, field and mode, then with four), and asserts that the number of queries did
not change and stays under a small ceiling: a query per row or per attachment shows as a
difference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from portal.models import (
    Attachment,
    CooperationMode,
    IPType,
    MaturityLevel,
    PostingStatus,
    TechField,
)
from tests.portal.conftest import client_for
from tests.portal.factories import ExpertFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db

KINDS = ("need", "result", "expert")
FEW = 4
MANY = 12
# User, membership, the page and its count, one query per prefetched relation, the filter
# form's choices and the unread-notification badge: 11 at most today.
CEILING = 12

FACTORIES = {"need": NeedFactory, "result": ResultFactory, "expert": ExpertFactory}


@dataclass(frozen=True)
class World:
    alice: User  # enterprise member of org A (Jinan)
    charlie: User  # enterprise member of org B (Qingdao)
    staff: User  # Jinan bureau: jurisdiction 3701


@pytest.fixture
def world(alice: User, charlie: User, staff: User) -> World:
    return World(alice=alice, charlie=charlie, staff=staff)


def _persona(world: World, name: str) -> User | None:
    return {
        "anonymous": None,
        "member": world.charlie,
        "owner": world.alice,
        "staff": world.staff,
    }[name]


def _attach(posting: Any, count: int) -> None:
    content_type = ContentType.objects.get_for_model(posting)
    for i in range(count):
        Attachment.objects.create(
            content_type=content_type,
            object_id=posting.pk,
            file=f"attachments/test/{posting.pk}-{i}.pdf",
            original_name=f"附件{i}.pdf",
            mime_type="application/pdf",
            size=1000 + i,
        )


def _posting(
    kind: str,
    *,
    owner: User,
    status: str = PostingStatus.PUBLISHED,
    extras: int = 2,
    confidential: bool = False,
) -> Any:
    """A posting of ``owner``'s organisation, in its region, with ``extras`` fields,
    cooperation modes, IP types and attachments, and every foreign key set: each relation a
    page may show has rows to show."""
    organization = owner.organization
    assert organization is not None
    overrides: dict[str, Any] = {
        "organization": organization,
        "created_by": owner,
        "region_code": organization.region_code,
        "status": status,
        "fields": list(TechField.objects.filter(parent__isnull=False)[:extras]),
    }
    if kind == "need":
        overrides["expected_maturity"] = MaturityLevel.objects.first()
        overrides["confidential_fields"] = ["description", "budget"] if confidential else []
    if kind == "result":
        overrides["maturity"] = MaturityLevel.objects.first()
    posting = FACTORIES[kind](**overrides)
    posting.cooperation_modes.set(CooperationMode.objects.all()[:extras])
    if kind == "result":
        posting.ip_types.set(IPType.objects.all()[:extras])
    _attach(posting, extras)
    return posting


def _rows(kind: str, world: World, count: int, *, status: str) -> None:
    """``count`` postings, alternately of org A (alice's, in the staff's jurisdiction) and
    org B (charlie's, outside it); every other pair of needs keeps its description and
    budget confidential."""
    for i in range(count):
        owner = world.alice if i % 2 == 0 else world.charlie
        _posting(kind, owner=owner, status=status, confidential=bool(i // 2 % 2))


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def _page(kind: str) -> str:
    return reverse(f"registers:{kind}-list")


def _search(kind: str) -> str:
    return f"{reverse(f'registers:{kind}-list')}?q=低温"


def _api(kind: str) -> str:
    return reverse(f"api:{kind}-list")


def _api_search(kind: str) -> str:
    return f"{reverse(f'api:{kind}-list')}?q=低温"


def _mine(kind: str) -> str:
    return reverse(f"registers:{kind}-mine")


def _review(kind: str) -> str:
    return f"{reverse('registers:review-queue')}?kind={kind}"


@dataclass(frozen=True)
class ListCase:
    url: Callable[[str], str]
    kind: str
    persona: str
    status: str = PostingStatus.PUBLISHED

    def __str__(self) -> str:
        return f"{self.url.__name__.lstrip('_')}-{self.kind}-{self.persona}"


def _list_case(case: ListCase) -> Any:
    return pytest.param(case, id=str(case))


LIST_CASES = [
    _list_case(case)
    for case in [
        *[
            ListCase(url, kind, persona)
            for url in (_page, _api)
            for kind in KINDS
            for persona in ("anonymous", "member", "staff")
        ],
        *[ListCase(url, "need", "anonymous") for url in (_search, _api_search)],
        *[ListCase(_mine, kind, "owner") for kind in KINDS],
        *[ListCase(_review, kind, "staff", PostingStatus.SUBMITTED) for kind in KINDS],
    ]
]


@pytest.mark.parametrize("case", LIST_CASES)
def test_a_list_runs_the_same_queries_for_few_and_many_rows(world: World, case: ListCase) -> None:
    client = client_for(_persona(world, case.persona))
    url = case.url(case.kind)
    _rows(case.kind, world, FEW, status=case.status)
    few = _count(client, url)
    _rows(case.kind, world, MANY - FEW, status=case.status)
    many = _count(client, url)

    assert many == few, f"{few} queries for {FEW} rows, {many} for {MANY}"
    assert few <= CEILING


@dataclass(frozen=True)
class DetailCase:
    api: bool
    kind: str
    persona: str

    def __str__(self) -> str:
        return f"{'api' if self.api else 'page'}-{self.kind}-{self.persona}"

    def url(self, pk: int) -> str:
        return reverse(f"{'api' if self.api else 'registers'}:{self.kind}-detail", args=[pk])


DETAIL_CASES = [
    pytest.param(DetailCase(api, kind, persona), id=str(DetailCase(api, kind, persona)))
    for api in (False, True)
    for kind in KINDS
    for persona in ("anonymous", "member", "owner", "staff")
]


@pytest.mark.parametrize("case", DETAIL_CASES)
def test_a_detail_runs_the_same_queries_for_one_or_many_attachments(
    world: World, case: DetailCase
) -> None:
    client = client_for(_persona(world, case.persona))
    one = _posting(case.kind, owner=world.alice, extras=1)
    four = _posting(case.kind, owner=world.alice, extras=4)
    few = _count(client, case.url(one.pk))
    many = _count(client, case.url(four.pk))

    assert many == few, f"{few} queries with one attachment, {many} with four"
    assert few <= CEILING
