"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis).

The schema is read from ``/api/schema/`` through the WSGI application (no server), and every
operation it lists is called with generated inputs as each kind of user: anonymous, enterprise,
researcher, expert, staff of one region and admin, unsafe methods included (the test database
is rolled back). No response may be a 5xx, and each status, content type and body must be
the documented ones (the error responses come from portal/openapi.py). Half the examples of
an operation on ``/api/<collection>/{id}/…`` use an id the collection's list shows, so they
reach the view's logic rather than its 404.

``FUZZ_EXAMPLES`` bounds the examples per operation and role (small in ``make test``; ``make
fuzz`` runs many more and sets ``FUZZ_RANDOM=1`` so each run explores new inputs instead of
replaying the same derandomized ones).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from accounts.models import User

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"

# One demo login per role (portal/demo): the staff login belongs to the Jinan bureau only.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "enterprise": "demo_enterprise",
    "researcher": "demo_researcher",
    "expert": "demo_expert",
    "staff": "demo_staff",
    "admin": "demo_admin",
}

# portal/openapi.py documents each operation's error responses (400/403/404/409/413/415/429),
# so an undocumented status, content type or error body is a failure like a 5xx.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
OPERATIONS = {
    result.ok().label: result.ok()
    for result in SCHEMA.get_all_operations()
    if isinstance(result, Ok)  # an Err is an operation the schema could not describe
}


@pytest.fixture(scope="module")
def tokens(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """Seed the demo once for the module inside an outer transaction that is rolled back at
    the end, so each test's own transaction (a savepoint) starts from the same data and later
    modules still find an empty database. As in Django's test client, a request must not
    close the connection (it is inside a transaction, so PostgreSQL would drop the test's)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", verbosity=0)
            yield {
                role: Token.objects.get_or_create(user=User.objects.get(username=username))[0].key
                for role, username in ROLES.items()
                if username
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def known_ids(tokens: dict[str, str]) -> dict[str, list[int]]:
    """The ids each collection's list shows any of the roles (first page), so that half the
    examples of an operation on ``/api/<collection>/{id}/…`` reach a real object instead of
    a 404 (the demo data is the same in every test of the module)."""
    ids: dict[str, set[int]] = {}
    collections = {label.split()[1].split("/")[2] for label in OPERATIONS if "{id}" in label}
    for collection in sorted(collections):
        for role in ROLES:
            client = APIClient()
            if role in tokens:
                client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[role]}")
            response = client.get(f"/api/{collection}/", {"page_size": 20})
            if response.status_code != 200:
                continue
            body = response.json()
            rows = body["results"] if isinstance(body, dict) else body
            ids.setdefault(collection, set()).update(row["id"] for row in rows if "id" in row)
    # Django's test client connects close_old_connections again after each request: take it
    # off once more, or the fuzzed requests would close PostgreSQL's connection (see tokens).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    return {collection: sorted(found) for collection, found in ids.items() if found}


def strategy(operation: Any, known_ids: dict[str, list[int]]) -> Any:
    """The operation's generated cases; with ``{id}`` in the path, half of them on a known id."""
    generated = operation.as_strategy()
    known = known_ids.get(operation.path.split("/")[2])
    if "{id}" not in operation.path or not known:
        return generated
    real = st.sampled_from(known).flatmap(
        lambda pk: operation.as_strategy(path_parameters={"id": pk})
    )
    return st.one_of(real, generated)


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(OPERATIONS))
@pytest.mark.parametrize("role", list(ROLES))
def test_operation_never_fails_and_matches_its_schema(
    role: str, label: str, tokens: dict[str, str], known_ids: dict[str, list[int]]
) -> None:
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Token {tokens[role]}"} if role in tokens else {}

    @given(case=strategy(operation, known_ids))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_every_operation_is_fuzzed() -> None:
    """The schema lists the API, so an operation left out of it is left out of the fuzzing."""
    assert len(OPERATIONS) >= 30
