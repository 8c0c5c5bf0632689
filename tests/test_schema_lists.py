"""Every GET operation of the API answers what the served OpenAPI schema declares.

The schema is fetched from /api/schema/ like a client generator would; each GET operation is
called on the demo data (path parameters filled with objects that have something to list),
and its JSON body is validated against the operation's 200 response schema. A list declared
as a bare array but answered as a page (count/next/previous/results), or the reverse, fails
here; so does a field that is null where the schema says it never is.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.http import Http404
from django.test import Client
from django.utils import timezone
from jsonschema.validators import Draft202012Validator, validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from accounts.models import User
from accounts.notifications import notify
from accounts.selectors import organization_list_visible_to
from matching.lists import selectors as lists
from matching.models import FollowUpChannel, Match, Recommendation
from matching.pairs import followups, parties
from matching.pairs import selectors as pairs
from matching.pairs import services as workflow
from portal.alliances.selectors import alliance_list_visible_to
from portal.events.selectors import event_list_visible_to
from tests.challenges.test_api import schema_programme
from tests.dispatch.test_api import schema_round

pytestmark = pytest.mark.django_db

SCHEMA_URI = "urn:duijie:openapi"
PARAMETER = re.compile(r"\{(\w+)\}")
# What a persona may not open at all: the answer it gets instead of a 200.
REFUSED = {("demo_enterprise", "/api/matches/{id}/followups/"): 403}


# ------------------------------------------------------------------------- the schema


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema 2020-12: ``nullable`` becomes a null type
    (or a null alternative), boolean exclusive bounds become numeric ones."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # OpenAPI 3.0 says "exclusiveMinimum: true" beside "minimum"; 2020-12 wants the number
        if isinstance(node.get(bound), bool) and node.pop(bound) and limit in node:
            node[bound] = node.pop(limit)
    if node.pop("nullable", False):
        if isinstance(node.get("type"), str) and "allOf" not in node and "oneOf" not in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


@pytest.fixture
def demo() -> None:
    call_command("seed_demo")


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _served_schema() -> dict[str, Any]:
    response = _client("demo_staff").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


# ------------------------------------------------------------------------- the data


def _posting_with_a_list(user: User, kind: str) -> int | None:
    """A posting the user may open whose recommendation lists show them something."""
    candidates = list(
        Recommendation.objects.filter(owner_kind=kind)
        .order_by("owner_id")
        .values_list("owner_id", flat=True)
        .distinct()
    )
    side = "need_id" if kind == "need" else f"{kind}_id"
    candidates += list(Match.objects.exclude(**{side: None}).values_list(side, flat=True))
    for pk in candidates:
        try:
            lists.posting_for_recommendations(user=user, kind=kind, pk=pk)
        except Http404:
            continue
        if any(lists.list_rows_for_document(user=user, kind=kind, pk=pk, limit=1).values()):
            return pk
    return None


def _pair_with_followups(user: User) -> int | None:
    """A pair the user sees; for staff an open one with three follow-ups at least (logged
    here if the demo pipeline left fewer), so the follow-up list has pages."""
    visible = pairs.match_list_visible_to(user=user).order_by("id")
    if not user.is_bureau_staff:
        first = visible.first()
        return first.pk if first else None
    for match in visible.filter(status__in=workflow.OPEN_STAGES):
        if parties.role_of(match, user) != parties.STAFF:
            continue
        for _ in range(3 - match.followups.count()):
            followups.followup_create(
                match_id=match.pk,
                user=user,
                date=timezone.localdate(),
                channel=FollowUpChannel.PHONE,
                summary="电话了解进展",
            )
        return match.pk
    return None


def _ids(user: User) -> dict[str, int | None]:
    """Objects to put in each collection's ``{id}``."""
    organization = organization_list_visible_to(user=user).order_by("id").first()
    alliance = alliance_list_visible_to(user=user).order_by("id").first()
    event = (
        event_list_visible_to(user=user)
        .filter(meeting_requests__isnull=False)
        .order_by("id")
        .first()
    )
    # a finished challenge list whose programme, stage and entry share one id (every {…} of a
    # path is filled with the same number), with a review, an objection and a milestone
    demo = {
        u.username: u for u in User.objects.filter(username__in=["demo_staff", "demo_enterprise"])
    }
    programme = schema_programme(staff=demo["demo_staff"], bidder=demo["demo_enterprise"])
    # a published round whose assignment shares its id, with a volunteer and a rated visit
    dispatch = schema_round(staff=demo["demo_staff"], enterprise=demo["demo_enterprise"])
    return {
        "needs": _posting_with_a_list(user, "need"),
        "results": _posting_with_a_list(user, "result"),
        "experts": _posting_with_a_list(user, "expert"),
        "matches": _pair_with_followups(user),
        "organizations": organization.pk if organization else None,
        "alliances": alliance.pk if alliance else None,
        "events": event.pk if event else None,
        "challenges": programme,
        "dispatch": dispatch,
    }


def _fill(path: str, ids: dict[str, int | None]) -> str:
    """The path with its parameter filled from the collection it names (/api/needs/{id}/)."""
    collection = path.split("/")[2]
    if not PARAMETER.search(path):
        return path
    assert collection in ids, f"no object to fill {path} with: add its collection to _ids"
    pk = ids[collection]
    assert pk is not None, f"the demo data has no {collection} to fill {path} with"
    return PARAMETER.sub(str(pk), path)


def _rows(body: Any) -> list[Any] | None:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return body["results"]  # type: ignore[no-any-return]
    return None


# ------------------------------------------------------------------------- the test


def _validator(registry: Registry, path: str) -> Any:
    """A validator of the 200 JSON body of GET ``path``, by reference into the document."""
    declared = _pointer(
        "paths", path, "get", "responses", "200", "content", "application/json", "schema"
    )
    schema = {"$ref": f"{SCHEMA_URI}#{declared}"}
    validator_class = validator_for(schema, default=Draft202012Validator)
    return validator_class(schema, registry=registry, format_checker=validator_class.FORMAT_CHECKER)


def _wanted(username: str, path: str) -> bool:
    """Staff call everything; an owner the lists without parameters, their pairs and their
    needs (detail and recommendations)."""
    if username == "demo_staff" or not PARAMETER.search(path):
        return True
    return path.split("/")[2] in ("needs", "matches")


@pytest.mark.parametrize("username", ["demo_staff", "demo_enterprise"])
def test_every_list_answers_what_the_served_schema_declares(demo: None, username: str) -> None:
    document = _json_schema(copy.deepcopy(_served_schema()))
    registry = Registry().with_resource(
        SCHEMA_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    user = User.objects.get(username=username)
    # the inbox has something to show whoever asks
    notify(user=user, event_key="schema-test", subject="测试通知", body="正文", url="/")
    ids = _ids(user)
    client = _client(username)

    checked: list[str] = []
    failures: list[str] = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None or not _wanted(username, path):
            continue
        url = _fill(path, ids)
        response = client.get(url)
        if (username, path) in REFUSED:
            assert response.status_code == REFUSED[(username, path)], url
            continue
        assert response.status_code == 200, (url, response.content[:300])
        bodies = [response.json()]
        rows = _rows(bodies[0])
        # an empty list would pass whatever its rows look like
        assert rows is None or rows, f"{url} lists nothing for {username}: nothing was checked"
        if isinstance(bodies[0], dict) and bodies[0].get("count", 0) >= 2:
            # a middle page: next and previous are links, not null
            middle = client.get(url, {"page": 2, "page_size": 1})
            assert middle.status_code == 200, (url, middle.content[:300])
            bodies.append(middle.json())
        validator = _validator(registry, path)
        for body in bodies:
            failures += [
                f"{url}: {error.json_path}: {error.message[:200]}"
                for error in validator.iter_errors(body)
            ]
        checked.append(url)

    assert failures == []
    assert len(checked) >= (15 if username == "demo_staff" else 8), checked
