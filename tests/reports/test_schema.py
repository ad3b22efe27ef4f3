"""The reports API's declarations in the OpenAPI schema agree with the views: every JSON answer has
exactly the keys and types its response component declares (nullable only where declared), and
the parameters' and the handover note's patterns accept exactly what the views accept."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import District
from helpdesk import inputs
from helpdesk.exceptions import InvalidInput
from live.models import Incident
from reports.api.base import DAY, SHIFT_END
from reports.api.schemas import NOT_BLANK_TEXT
from reports.scope import EARLIEST_DAY
from tickets.models import Rating, Ticket

pytestmark = pytest.mark.django_db

TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator(patterns=None).get_schema(request=None, public=True)


def mismatches(value, declared: dict, components: dict, where: str = "$") -> list[str]:
    """Where `value` departs from the declared (OpenAPI 3.0) schema: a missing or undeclared key,
    a wrong type, a null where none is declared."""
    while "$ref" in declared or declared.get("allOf"):
        nullable = declared.get("nullable", False)
        declared = components[(declared.get("$ref") or declared["allOf"][0]["$ref"]).rsplit("/", 1)[-1]]
        declared = {**declared, "nullable": nullable or declared.get("nullable", False)}
    if value is None:
        return [] if declared.get("nullable") else [f"{where}: null"]
    expected = TYPES[declared["type"]]
    if not isinstance(value, expected) or (declared["type"] in ("integer", "number") and isinstance(value, bool)):
        return [f"{where}: {value!r} is not {declared['type']}"]
    found = []
    if declared["type"] == "object" and "properties" in declared:
        keys, properties = set(value), declared["properties"]
        found += [f"{where}: undeclared {key}" for key in sorted(keys - set(properties))]
        found += [f"{where}: missing {key}" for key in sorted(set(declared.get("required", ())) - keys)]
        for key in keys & set(properties):
            found += mismatches(value[key], properties[key], components, f"{where}.{key}")
    if declared["type"] == "array":
        for index, item in enumerate(value):
            found += mismatches(item, declared["items"], components, f"{where}[{index}]")
    return found


def check(response, schema, path: str, method: str = "get", status: str = "200") -> dict:
    assert response.status_code == int(status), response.content
    declared = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    data = response.json()
    assert mismatches(data, declared, schema["components"]["schemas"]) == []
    return data


@pytest.fixture
def more_rows(clocks):
    """A rating and an open incident besides the known tickets and clocks, so no table is empty."""
    ticket = Ticket.objects.filter(resolved_at__isnull=False).first()
    Rating.objects.create(ticket=ticket, resolution=0, score=4, via="sms")
    Incident.objects.create(title="OTP gateway down", status="identified")


JSON_TABLES = ["open", "intake", "backlog", "sla", "response-times", "districts", "categories", "vendor", "ratings",
               "incidents", "tickets", "shift-opened", "shift-closed", "shift-pending", "shift-breaches",
               "shift-notes"]


@pytest.mark.parametrize("name", JSON_TABLES)
@pytest.mark.parametrize("cache_seconds", [60, 0])
def test_every_table_answers_its_declared_shape(more_rows, client, make_user, schema, settings, name,
                                                cache_seconds):
    settings.REPORTS_CACHE_SECONDS = cache_seconds  # cached answers carry computed_at
    client.force_login(make_user("supervisor"))
    client.post("/api/reports/handover-notes/", {"body": "OTP slow", "ticket": Ticket.objects.first().number},
                content_type="application/json")
    query = "?from=2026-01-01&to=2026-03-10" if name not in ("intake", "open", "backlog") else ""
    if name.startswith("shift"):
        query = "?hours=24"
    data = check(client.get(f"/api/reports/{name}/{query}"), schema, f"/api/reports/{name}/")
    assert data["rows"] or name in ("shift-pending", "shift-breaches"), name


def test_a_district_officials_answers_and_the_position_table(more_rows, client, make_user, schema):
    client.force_login(make_user("district_official", district=District.objects.get(code="raipur")))
    for name in ("open", "districts", "position", "tickets"):
        data = check(client.get(f"/api/reports/{name}/?from=2026-01-01"), schema, f"/api/reports/{name}/")
        assert data["scope"]["district"]["code"] == "raipur"


def test_the_shift_summary_and_a_handover_note(known, client, make_user, schema):
    client.force_login(make_user("agent"))
    check(client.get("/api/reports/shift/?end=2026-03-10T14:00"), schema, "/api/reports/shift/")
    for body in ({"body": "OTP slow"}, {"body": "Call back", "ticket": known[1].number}, {"body": "x", "ticket": None}):
        response = client.post("/api/reports/handover-notes/", body, content_type="application/json")
        check(response, schema, "/api/reports/handover-notes/", "post", "201")


# --- the request rules as the schema states them -------------------------------------------------


def _day_ok(text: str) -> bool:
    day, empty = DAY["anyOf"]
    return text == "" or bool(re.fullmatch(day["pattern"], text))


def test_the_days_start_where_the_reports_do():
    assert _day_ok(EARLIEST_DAY.isoformat()) and _day_ok("9999-12-31") and _day_ok("")
    for early in ("2020-12-31", "2000-06-01", "1999-01-01", "0001-01-03"):
        assert not _day_ok(early)
    assert re.fullmatch(SHIFT_END["pattern"], "2021-01-01T00:00")
    assert not re.fullmatch(SHIFT_END["pattern"], "2020-12-31T23:59")


@pytest.mark.parametrize("query", ["to=0001-01-03", "from=2020-12-31", "to=2020-12-31"])
def test_days_before_the_reports_are_refused(known, client, make_user, query):
    client.force_login(make_user("supervisor"))
    response = client.get(f"/api/reports/sla/?{query}")
    assert response.status_code == 400 and response.json()["code"] == "invalid_date"


@pytest.mark.parametrize("end", ["0001-01-01T05:00", "2020-12-31T23:00"])
def test_shift_ends_before_the_reports_are_refused(known, client, make_user, end):
    client.force_login(make_user("agent"))
    response = client.get(f"/api/reports/shift/?end={end}")
    assert response.status_code == 400 and response.json()["code"] == "invalid_time"


def _note_taken(text: str) -> bool:
    try:
        inputs.note(text, required=True, field="body", strip=False)
    except InvalidInput:
        return False
    return True


@pytest.mark.parametrize("text", ["x", " x ", "\tline\n", "\u00a0\u3000", " ", "\n\t", "a\x00", "\u200b", "\ufeff"])
def test_the_note_pattern_is_the_note_rule(text):
    assert bool(re.fullmatch(NOT_BLANK_TEXT, text)) == _note_taken(text), repr(text)


@given(st.text(max_size=40))
def test_the_note_pattern_is_the_note_rule_for_any_text(text):
    assert bool(re.fullmatch(NOT_BLANK_TEXT, text)) == _note_taken(text), repr(text)
