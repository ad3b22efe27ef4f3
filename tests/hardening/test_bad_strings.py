"""Every operation of the OpenAPI schema and every page, with a bad string in every parameter,
body field and header: a 4xx with a message, never a 5xx (helpdesk/inputs.py)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

# Raw (already percent-encoded) query/path values and the JSON/header value they stand for.
BAD_RAW = {
    "nul": "a%00b",
    "control": "a%01b%1Bc",
    "del": "a%7Fb",
    "invalid_utf8": "%FF%FEa",
    "overlong_utf8": "%C0%80",
    "lone_surrogate": "%ED%A0%80",
    "too_long": "x" * 2001,
}
BAD_JSON = {
    "nul": "a\x00b",
    "control": "a\x01b",
    "del": "a\x7fb",
    "lone_surrogate": "\ud800",
    "too_long": "x" * 100_001,
}
BAD_HEADER = {"nul": "a\x00b", "control": "a\x01b", "newline": "a\nb"}


def _assert_refused(response, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    body = response.content.decode("utf-8", "replace")
    if response["Content-Type"].startswith("application/json"):
        data = json.loads(body)
        message = data.get("detail") or data.get("error")
        assert message, f"{what}: no message in {data}"
    else:
        assert "<p class=\"error\" role=\"alert\">" in body or "error" in body.lower(), f"{what}: no message"


@pytest.fixture
def supervisor_client(db):
    client = Client(REMOTE_ADDR="127.0.0.1")
    client.force_login(UserFactory(role="supervisor", is_staff=True))
    return client


def _schema(client) -> dict:
    return json.loads(client.get("/api/schema/?format=json").content)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _body_fields(schema: dict, operation: dict) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if not body:
        return ["text"] if content else []
    props = _resolve(schema, body).get("properties", {})
    return sorted(props) or ["text"]


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "supervisor"])
def test_every_operation_refuses_bad_strings(role, supervisor_client):
    client = supervisor_client if role == "supervisor" else Client(REMOTE_ADDR="127.0.0.1")
    schema = _schema(supervisor_client)
    checked = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            call = getattr(client, method)
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] or ["q"]
            path_params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            kinds = BAD_RAW if role == "supervisor" else {"nul": BAD_RAW["nul"]}
            for kind, raw in kinds.items():
                for name in names if kind == "nul" else names[:1]:
                    url = f"{_fill(path, '1')}?{name}={raw}"
                    _assert_refused(call(url), f"{role} {method.upper()} {url[:120]} ({kind})")
                    checked += 1
                if path_params:
                    url = _fill(path, raw)
                    response = call(url)
                    assert response.status_code < 500, f"{role} {method.upper()} {url[:120]}: {response.status_code}"
                    checked += 1
            for header, value in BAD_HEADER.items():
                response = call(_fill(path, "1"), headers={"Idempotency-Key": value, "X-Anything": value})
                _assert_refused(response, f"{role} {method.upper()} {path} header ({header})")
                checked += 1
            if method in ("post", "put", "patch"):
                for field in _body_fields(schema, operation):
                    for kind, value in BAD_JSON.items():
                        documents = [{field: value}]
                        if kind == "nul":  # nested: in a list and in an object
                            documents += [{field: [value]}, {field: {"x": value}}]
                        for document in documents:
                            response = call(_fill(path, "1"), data=json.dumps(document),
                                            content_type="application/json")
                            _assert_refused(response, f"{role} {method.upper()} {path} {field} ({kind})")
                            checked += 1
    assert checked > 500


def _pages(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _pages(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _page_url(route: str, value: str) -> str:
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<(?:str|slug|path:)?[^>]*>", value, route)
    return "/" + route


HINDI = {"nul": "अनुमति नहीं", "control": "अनुमति नहीं", "del": "अनुमति नहीं", "invalid_utf8": "एन्कोड",
         "overlong_utf8": "एन्कोड", "lone_surrogate": "एन्कोड", "too_long": "लंबा"}
FORM_FIELDS = ["name", "mobile", "description", "body", "title", "title_hi", "body_en", "body_hi", "note", "notes",
               "reason", "numbers", "subject", "reference_id", "otp", "token", "username", "password"]
PAGE_PARAMS = ["district", "q", "status", "page", "from", "to", "month", "end", "number", "mobile", "lang"]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "language"), [("anonymous", "hi"), ("supervisor", "en")])
def test_every_page_refuses_bad_strings(role, language, supervisor_client):
    client = supervisor_client if role == "supervisor" else Client(REMOTE_ADDR="127.0.0.1")
    client.cookies["django_language"] = language
    routes = sorted({r for r in _pages(get_resolver().url_patterns) if not r.startswith("api/")})
    assert len(routes) > 20
    for route in routes:
        base = _page_url(route, "x")
        for kind, raw in BAD_RAW.items():
            for name in PAGE_PARAMS if kind == "nul" else PAGE_PARAMS[:1]:
                url = f"{base}?{name}={raw}"
                response = client.get(url)
                _assert_refused(response, f"{role} GET {url[:100]} ({kind})")
                if not response["Content-Type"].startswith("application/json") and language == "hi":
                    text = response.content.decode()
                    assert "Back to the home page" not in text and HINDI[kind] in text, f"{url[:100]}: not in Hindi"
            # Page forms check their own fields (the form comes back with the message): never a 5xx.
            form_raw = "x" * 100_001 if kind == "too_long" else raw
            form = "&".join(f"{name}={form_raw}" for name in FORM_FIELDS)
            response = client.post(base, data=form, content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, f"{role} POST {base} form ({kind}): {response.status_code}"
            response = client.get(_page_url(route, raw))
            assert response.status_code < 500, f"{role} GET {_page_url(route, raw)[:100]}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "language"), [
    ("/api/live/status/?district=a%00b", None),
    ("/status/?district=%00", "en"),
    ("/status/?district=%00", "hi"),
    ("/api/reports/open/?district=%00", None),
    ("/api/reports/districts/?district=%00", None),
])
def test_the_reported_nul_queries_are_400(url, language, supervisor_client):
    if language:
        supervisor_client.cookies["django_language"] = language
    response = supervisor_client.get(url)
    assert response.status_code == 400
    text = response.content.decode()
    if language == "hi":
        assert "अनुमति नहीं" in text
    elif language == "en":
        assert "not allowed" in text
    else:
        assert response.json()["field"] == "district"


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "document"), [
    ("/api/live/incidents/", {"title": "a\x00b", "severity": "major"}),
    ("/api/live/incidents/1/notes/", {"body": "a\x00b"}),
    ("/api/live/incidents/1/updates/", {"body_en": "a\x00b", "body_hi": "ठीक"}),
    ("/api/bookings/registrations/", {"name": "a\x00b"}),
])
def test_the_reported_nul_bodies_are_400(url, document, supervisor_client):
    response = supervisor_client.post(url, data=json.dumps(document), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    assert response.json()["field"] == next(iter(document))


def test_websocket_messages_pass_the_same_check():
    from helpdesk import inputs
    from helpdesk.exceptions import InvalidInput

    with pytest.raises(InvalidInput):
        inputs.check_json({"type": "typing\x00"})
    inputs.check_json({"type": "ping", "text": "line one\nline two\tतमाम"})
