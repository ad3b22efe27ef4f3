"""The API: CSV equals JSON, permissions, bad input, query budgets, the OpenAPI schema."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.models import District

pytestmark = pytest.mark.django_db

TABLES = ["open", "intake", "backlog", "sla", "response-times", "districts", "categories", "incidents",
          "tickets", "shift-opened", "shift-closed", "shift-notes", "shift-pending", "shift-breaches", "vendor"]


@pytest.fixture
def desk(client, make_user):
    client.force_login(make_user("supervisor"))
    return client


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def as_cells(data) -> list[list[str]]:
    def text(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return [[c["label"] for c in data["columns"]]] + [[text(row[c["key"]]) for c in data["columns"]] for row in data["rows"]]


@pytest.mark.parametrize("name", TABLES)
def test_csv_has_exactly_the_rows_of_the_json(clocks, desk, name):
    query = "?from=2026-01-01&to=2026-03-10" if name in ("tickets", "districts", "categories", "response-times") else ""
    data = desk.get(f"/api/reports/{name}/{query}").json()
    response = desk.get(f"/api/reports/{name}.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert read_csv(response) == as_cells(data)


def test_ticket_export_applies_the_filters(known, desk):
    rows = read_csv(desk.get("/api/reports/tickets.csv?from=2026-01-01&to=2026-03-10&priority=P1,P2&status=new,reopened"))
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [known[8].number, known[1].number, known[10].number]
    district = read_csv(desk.get("/api/reports/tickets.csv?from=2026-03-01&to=2026-03-10&district=bastar"))
    assert [row[0] for row in district[1:]] == [known[6].number, known[3].number]
    category = desk.get("/api/reports/tickets/?from=2026-03-01&category=portal-down").json()
    assert [row["number"] for row in category["rows"]] == [known[3].number]


def test_ticket_json_is_cursor_paginated(known, desk):
    from rest_framework.pagination import CursorPagination  # noqa: F401

    from reports.api.export import TicketCursor

    TicketCursor.page_size = 4
    try:
        first = desk.get("/api/reports/tickets/?from=2026-01-01&to=2026-03-10").json()
        assert len(first["rows"]) == 4 and first["next"]
        second = desk.get(first["next"]).json()
        numbers = [r["number"] for r in first["rows"] + second["rows"]]
        assert len(numbers) == len(set(numbers)) == 8
        assert second["next"] is None or len(second["rows"]) == 4
    finally:
        TicketCursor.page_size = 100


# --- permissions ---------------------------------------------------------------------------------

ALL_PATHS = [f"/api/reports/{name}/" for name in TABLES if name != "position"] + ["/api/reports/shift/"]


@pytest.mark.parametrize("path", ALL_PATHS + ["/api/reports/open.csv", "/api/reports/tickets.csv"])
def test_anonymous_and_vendor_staff_are_refused(db, client, make_user, path):
    assert client.get(path).status_code == 403
    client.force_login(make_user("vendor_engineer"))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/api/reports/open/", "/api/reports/backlog.csv", "/api/reports/districts/",
                                  "/api/reports/position/", "/api/reports/tickets.csv", "/api/reports/sla/"])
def test_district_official_gets_404_for_another_district(known, client, make_user, path):
    client.force_login(make_user("district_official", district=District.objects.get(code="raipur")))
    assert client.get(f"{path}?district=bastar").status_code == 404
    assert client.get(f"{path}?district=no-such-district").status_code == 404
    assert client.get(f"{path}?district=raipur").status_code == 200


def test_district_official_export_holds_only_their_tickets(known, client, make_user):
    client.force_login(make_user("district_official", district=District.objects.get(code="bastar")))
    rows = read_csv(client.get("/api/reports/tickets.csv?from=2026-01-01&to=2026-03-10"))
    assert sorted(row[0] for row in rows[1:]) == sorted([known[3].number, known[6].number])


@pytest.mark.parametrize("path", ["/api/reports/shift/", "/api/reports/shift-opened/", "/api/reports/shift-notes.csv"])
def test_shift_handover_is_for_the_desk(known, client, make_user, path):
    client.force_login(make_user("district_official", district=District.objects.get(code="raipur")))
    assert client.get(path).status_code == 403
    client.force_login(make_user("agent"))
    assert client.get(path).status_code == 200


# --- bad input -----------------------------------------------------------------------------------

BAD_QUERIES = [
    ("/api/reports/districts/", "from=2026-02-31", "invalid_date"),
    ("/api/reports/districts/", "from=2026-3-1", "invalid_date"),
    ("/api/reports/districts/", "from=०१-०३-२०२६", "invalid_date"),
    ("/api/reports/districts/", "from=2026-03-05&to=2026-03-01", "invalid_period"),
    ("/api/reports/districts/", "from=2024-01-01&to=2026-03-10", "invalid_period"),
    ("/api/reports/districts/", "to=2027-01-01", "invalid_period"),
    ("/api/reports/districts/", "from=2026-03-01&from=2026-03-02", "duplicate_parameter"),
    ("/api/reports/districts/", "order=name;DROP", "invalid_order"),
    ("/api/reports/districts/", "district=raipur&district=bastar", "duplicate_parameter"),
    ("/api/reports/tickets/", "status=bogus", "invalid_status"),
    ("/api/reports/tickets/", "priority=P5", "invalid_priority"),
    ("/api/reports/tickets/", "category=%25", "invalid_category"),
    ("/api/reports/tickets/", "status=new&status=closed", "duplicate_parameter"),
    ("/api/reports/shift/", "hours=0", "invalid_hours"),
    ("/api/reports/shift/", "hours=25", "invalid_hours"),
    ("/api/reports/shift/", "hours=8.5", "invalid_hours"),
    ("/api/reports/shift/", "hours=-1", "invalid_hours"),
    ("/api/reports/shift/", "hours=%E0%A5%AE", "invalid_hours"),  # Devanagari 8
    ("/api/reports/shift/", "end=2026-03-10", "invalid_time"),
    ("/api/reports/shift/", "end=2026-03-32T10:00", "invalid_time"),
    ("/api/reports/shift/", "end=2026-03-11T10:00", "invalid_time"),  # in the future
    ("/api/reports/position/", "", "district_required"),
]


@pytest.mark.parametrize(("path", "query", "code"), BAD_QUERIES)
def test_bad_input_is_a_clear_400(known, desk, path, query, code):
    response = desk.get(f"{path}?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code


def test_unknown_district_is_404_for_the_desk_too(known, desk):
    response = desk.get("/api/reports/open/?district=atlantis")
    assert response.status_code == 404


# --- handover notes API --------------------------------------------------------------------------

def test_handover_note_api_with_idempotency(known, client, make_user):
    from reports.models import HandoverNote

    client.force_login(make_user("agent"))
    headers = {"HTTP_IDEMPOTENCY_KEY": "note-1"}
    first = client.post("/api/reports/handover-notes/", {"body": "OTP slow"}, content_type="application/json", **headers)
    again = client.post("/api/reports/handover-notes/", {"body": "OTP slow"}, content_type="application/json", **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert HandoverNote.objects.count() == 1
    other = client.post("/api/reports/handover-notes/", {"body": "changed"}, content_type="application/json", **headers)
    assert other.status_code == 422


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   "}, {"body": "x" * 2001}, {"body": 12},
                                  {"body": ["a"]}, {"body": "ok", "extra": 1}, {"body": "ok", "ticket": "ZZZZ-ZZZZ"},
                                  {}, ["body"]])
def test_handover_note_bad_bodies(db, client, make_user, body):
    client.force_login(make_user("agent"))
    response = client.post("/api/reports/handover-notes/", body, content_type="application/json")
    assert response.status_code == 400


def test_district_official_cannot_write_handover_notes(db, client, make_user):
    client.force_login(make_user("district_official"))
    assert client.post("/api/reports/handover-notes/", {"body": "x"}, content_type="application/json").status_code == 403


# --- query budgets -------------------------------------------------------------------------------

# (PostgreSQL, SQLite): on SQLite each percentile is a count plus one ordered read; on PostgreSQL
# the clock queries run in their own transaction with SET LOCAL (a savepoint here, inside the
# test's transaction: three statements). Constant in the number of tickets: every figure is one
# grouped query.
BUDGETS = {
    "open": (4, 4), "intake": (5, 5), "backlog": (4, 4), "sla": (8, 5), "response-times": (8, 15),
    "districts": (10, 7), "position": (12, 31), "categories": (5, 5), "incidents": (5, 5), "tickets": (5, 5),
    "shift-opened": (4, 4), "shift-closed": (4, 4), "shift-notes": (4, 4), "shift-pending": (4, 4),
    "shift-breaches": (4, 4), "vendor": (13, 13),
}


@pytest.mark.parametrize(("name", "budgets"), BUDGETS.items())
def test_query_budget(clocks, client, make_user, django_assert_max_num_queries, name, budgets):
    from django.db import connection

    client.force_login(make_user("district_official", district=District.objects.get(code="raipur")))
    if name.startswith("shift"):
        client.force_login(make_user("agent"))
    with django_assert_max_num_queries(budgets[0] if connection.vendor == "postgresql" else budgets[1]):
        assert client.get(f"/api/reports/{name}/").status_code == 200


def test_every_endpoint_is_in_the_openapi_schema(db, desk):
    schema = desk.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for name in [*TABLES, "position"]:
        assert f"/api/reports/{name}/" in schema["paths"], name
        assert f"/api/reports/{name}.csv" in schema["paths"], name
    assert "/api/reports/handover-notes/" in schema["paths"]


def test_ticket_export_is_streamed_from_a_database_iterator(known, desk, monkeypatch):
    """The CSV is a StreamingHttpResponse over QuerySet.iterator(): rows are fetched in chunks
    while the response is written, never loaded all at once."""
    from django.db.models.query import QuerySet

    chunk_sizes = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    response = desk.get("/api/reports/tickets.csv?from=2026-01-01&to=2026-03-10")
    assert response.streaming
    rows = read_csv(response)
    assert chunk_sizes == [2000] and len(rows) == 1 + 12
