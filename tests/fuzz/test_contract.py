"""The OpenAPI contract as generated from the code (helpdesk/openapi.py): one error body declared
once, every operation's error statuses, JSON-only request bodies, the input layer's rules."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

MULTIPART_OPERATIONS = {("post", "/api/bookings/imports/")}  # the portal export upload


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator(patterns=None).get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def test_the_error_body_is_declared_once_and_used_by_every_error_response(schema):
    components = schema["components"]["schemas"]
    assert set(components["Error"]["required"]) == {"code", "detail"}
    assert set(components["CowinError"]["required"]) == {"errorCode", "error"}
    wrong = []
    for method, path, operation in _operations(schema):
        expected = "#/components/schemas/" + ("CowinError" if path.startswith("/api/v2/") else "Error")
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                refs = [media.get("schema", {}).get("$ref") for media in response.get("content", {}).values()]
                if not refs or set(refs) != {expected}:
                    wrong.append(f"{method} {path} {status}: {refs}")
    assert not wrong, wrong[:20]


def test_every_operation_documents_its_error_statuses(schema):
    missing = []
    for method, path, operation in _operations(schema):
        codes = set(operation["responses"])
        need = {"400", "503"}
        if "{" in path:
            need.add("404")
        if method in ("post", "put", "patch"):
            need |= {"413", "415"}
        if operation.get("security") and {} not in operation["security"]:
            need.add("401" if any("citizenToken" in s for s in operation["security"]) else "403")
        if need - codes:
            missing.append(f"{method} {path}: {sorted(need - codes)}")
    assert not missing, missing[:20]


def test_request_bodies_are_json_only(schema):
    other = []
    for method, path, operation in _operations(schema):
        types = set(operation.get("requestBody", {}).get("content", {}))
        allowed = {"multipart/form-data"} if (method, path) in MULTIPART_OPERATIONS else {"application/json"}
        if types - allowed:
            other.append(f"{method} {path}: {sorted(types)}")
    assert not other, other


def test_a_form_body_is_refused(django_user_model):
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_user("form-agent", password="pw", role="agent")
    api = APIClient()
    api.force_authenticate(user)
    body = {"category": "otp-not-received", "description": "x"}
    response = api.post("/api/tickets/", body, format=None, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_media_type"
    # multipart: the input guard has read the form to check its strings, so DRF finds no JSON
    # body and the view answers 400 (missing fields); refused either way, never taken as a form.
    response = api.post("/api/tickets/", body, format="multipart")
    assert response.status_code in (400, 415), response.content
    assert response.json()["code"] in ("unsupported_media_type", "missing_fields", "invalid_district")


def test_the_input_rules_are_in_the_schema(schema):
    create = schema["paths"]["/api/tickets/"]["post"]
    key = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert re.fullmatch(key["schema"]["pattern"], "abc-123:x.y") and not re.fullmatch(key["schema"]["pattern"], "a b")
    number = next(p for p in schema["paths"]["/api/tickets/{number}/"]["get"]["parameters"] if p["name"] == "number")
    assert re.fullmatch(number["schema"]["pattern"], "K7M4-QX2P") and not re.fullmatch(number["schema"]["pattern"], "R2D2C3PO")
    body = schema["components"]["schemas"]["StatusLookupRequest"]
    assert body["additionalProperties"] is False
    assert not re.fullmatch(body["properties"]["number"]["pattern"], "K7M4\x00QX2P")
    assert re.fullmatch(body["properties"]["mobile"]["pattern"], "+919876543210")


def test_the_tickets_api_answers_are_typed(schema):
    def ref(path, method, status):
        content = schema["paths"][path][method]["responses"][status]["content"]["application/json"]
        return content["schema"].get("$ref", "").rsplit("/", 1)[-1]

    assert ref("/api/tickets/{number}/", "get", "200") == "TicketOut"
    assert ref("/api/tickets/", "get", "200") == "TicketPage"
    assert ref("/api/tickets/{number}/transition/", "post", "200") == "TicketOut"
    assert ref("/api/public/tickets/status/", "post", "200") == "PublicTicketOut"
    ticket = schema["components"]["schemas"]["TicketOut"]
    assert {"number", "status", "version", "district"} <= set(ticket["required"])


def _free_form(schema, media_schema) -> bool:
    components = schema["components"]["schemas"]
    while "$ref" in media_schema:
        media_schema = components[media_schema["$ref"].rsplit("/", 1)[-1]]
    return (media_schema.get("type") == "object" and not media_schema.get("properties")
            and not media_schema.get("additionalProperties") and not any(
                media_schema.get(k) for k in ("allOf", "oneOf", "anyOf")))


def test_every_success_body_is_typed(schema):
    """No success body is a bare object: schemathesis checks every answer against its shape."""
    free = set()
    for method, path, operation in _operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                for media in (response.get("content") or {}).values():
                    if _free_form(schema, media.get("schema") or {}):
                        free.add((method, path))
    assert not free, sorted(free)
