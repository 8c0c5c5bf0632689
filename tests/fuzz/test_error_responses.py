"""Every operation of the served schema documents the errors it can answer (portal/openapi.py),
with the shared ErrorDetail / ValidationError bodies, and the API's real error bodies match them.

The fuzzing (test_api_fuzz.py) fails on an undocumented status; this fails first, and names
the operation, when a new view would reach the schema without its error responses.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from jsonschema.validators import Draft202012Validator
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

UNSAFE = {"post", "put", "patch", "delete"}
SHARED = {
    "400": "#/components/schemas/ValidationError",
    "403": "#/components/schemas/ErrorDetail",
    "404": "#/components/schemas/ErrorDetail",
    "409": "#/components/schemas/ValidationError",
    "413": "#/components/schemas/ErrorDetail",
    "415": "#/components/schemas/ErrorDetail",
    "429": "#/components/schemas/ErrorDetail",
}


@pytest.fixture(scope="module")
def schema(django_db_setup: None, django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def expected_errors(method: str, operation: dict[str, Any]) -> set[str]:
    """Stated again here, not imported from portal/openapi.py, so a change of the rules there
    has to be a change of this test too."""
    where = {p["in"] for p in operation.get("parameters", [])}
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    body = "requestBody" in operation
    expected = {"403", "429"}  # any token can be invalid; throttling covers every view
    if body or "query" in where or method in UNSAFE:
        expected.add("400")
    if "path" in where or "page" in names:
        expected.add("404")
    if method in UNSAFE:
        expected.add("409")
    if body:
        expected |= {"413", "415"}
    return expected


def refs(schema: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        return {schema["$ref"]}
    return {ref for alternative in schema.get("anyOf", []) for ref in refs(alternative)}


def test_every_operation_documents_its_error_responses(schema: dict[str, Any]) -> None:
    missing = {
        f"{method.upper()} {path}": sorted(expected_errors(method, op) - set(op["responses"]))
        for method, path, op in operations(schema)
    }
    assert {label: codes for label, codes in missing.items() if codes} == {}


def test_error_responses_use_the_shared_bodies(schema: dict[str, Any]) -> None:
    wrong = []
    for method, path, op in operations(schema):
        for code, response in op["responses"].items():
            if code not in SHARED:
                continue
            media = response.get("content", {}).get("application/json", {})
            if SHARED[code] not in refs(media.get("schema", {})):
                wrong.append(f"{method.upper()} {path} {code}")
    assert wrong == []
    assert len(operations(schema)) >= 100


def test_401_and_405_are_not_documented(schema: dict[str, Any]) -> None:
    """The API never answers 401 (see portal/openapi.py), nor 405 to a method it lists."""
    codes = {code for _, _, op in operations(schema) for code in op["responses"]}
    assert not codes & {"401", "405"}


# ---------------------------------------------------------------- the real bodies match


def validate(schema: dict[str, Any], component: str, body: Any) -> None:
    document = {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
    Draft202012Validator(document).validate(body)


@pytest.mark.parametrize(
    ("request_kw", "status", "component"),
    [
        ({"path": "/api/needs/", "data": {"budget_min": "abc"}}, 400, "ValidationError"),
        ({"path": "/api/needs/", "data": {"page": "999"}}, 404, "ErrorDetail"),
        ({"path": "/api/needs/999999/"}, 404, "ErrorDetail"),
        ({"path": "/api/me/"}, 403, "ErrorDetail"),
        ({"path": "/api/needs/", "HTTP_AUTHORIZATION": "Token nope"}, 403, "ErrorDetail"),
        ({"path": "/api/needs/", "data": {"q": "\x00"}}, 400, "ValidationError"),
    ],
)
def test_real_error_bodies_match_the_components(
    schema: dict[str, Any], request_kw: dict[str, Any], status: int, component: str
) -> None:
    response = APIClient().get(**request_kw)

    assert response.status_code == status, response.content
    validate(schema, component, response.json())


def test_field_errors_parse_errors_and_415_match(schema: dict[str, Any], alice: User) -> None:
    client = APIClient()
    client.force_authenticate(alice)
    invalid = client.post("/api/needs/", {"title": ""}, format="json")
    malformed = client.post("/api/needs/", "{", content_type="application/json")
    unsupported = client.post("/api/needs/", "x", content_type="text/csv")

    assert (invalid.status_code, malformed.status_code, unsupported.status_code) == (400, 400, 415)
    assert all(isinstance(v, list) for v in invalid.json().values()), invalid.json()
    validate(schema, "ValidationError", invalid.json())
    validate(schema, "ValidationError", malformed.json())
    validate(schema, "ErrorDetail", unsupported.json())


@override_settings(REQUEST_MAX_BYTES=10)
def test_a_body_over_the_limit_gets_the_documented_413(schema: dict[str, Any]) -> None:
    response = APIClient().post("/api/needs/", {"title": "x" * 100}, format="json")

    assert response.status_code == 413
    validate(schema, "ErrorDetail", response.json())
