"""Bulk actions from the list page and POST /api/tickets/bulk/: each ticket through its service
and its own permission check, a result per ticket, at most 500, a bad request changes nothing."""

from __future__ import annotations

import pytest

from accounts.models import Vendor
from tickets.models import Ticket, TicketEvent
from tickets.services import Actor, ticket_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(make_ticket, raipur, bastar):
    return [make_ticket(district=raipur), make_ticket(district=raipur), make_ticket(district=bastar)]


def _post(api, body):
    return api.post("/api/tickets/bulk/", body, format="json")


def test_bulk_assign_priority_status_incident(api, supervisor, agent, tickets):
    from live.models import Incident

    api.force_login(supervisor)
    numbers = [t.number for t in tickets]
    r = _post(api, {"action": "assign", "tickets": numbers, "assignee": agent.pk})
    assert r.status_code == 200 and r.json()["ok"] == 3 and r.json()["refused"] == 0
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {agent.pk}
    assert TicketEvent.objects.filter(kind="assigned").count() == 3
    assert _post(api, {"action": "priority", "tickets": numbers, "priority": "P1"}).json()["ok"] == 3
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"P1"}
    incident = Incident.objects.create(title="OTP outage", severity="major")
    assert _post(api, {"action": "incident", "tickets": numbers, "incident": incident.pk}).json()["ok"] == 3
    assert Ticket.objects.filter(incident=incident).count() == 3
    assert _post(api, {"action": "assign", "tickets": numbers, "assignee": None}).json()["ok"] == 3
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


def test_each_ticket_gets_its_own_result(api, agent, tickets):
    api.force_login(agent)
    closed = tickets[2]
    for step in ("resolved", "closed"):
        ticket_transition(ticket_id=closed.pk, to=step, actor=Actor.of(agent))
    r = _post(api, {"action": "status", "tickets": [tickets[0].number, closed.number, "ZZZZZZZZ"], "to": "in_progress"})
    assert r.status_code == 200
    results = {x["number"]: x for x in r.json()["results"]}
    assert results[tickets[0].number]["ok"] is True
    assert results[closed.number] == {"number": closed.number, "ok": False, "code": "invalid_transition",
                                      "detail": results[closed.number]["detail"]}
    assert "Closed" in results[closed.number]["detail"]  # the status in words, not its code
    assert results["ZZZZZZZZ"]["code"] == "not_found"
    assert Ticket.objects.get(pk=tickets[0].pk).status == "in_progress"
    assert Ticket.objects.get(pk=closed.pk).status == "closed"


def test_awaiting_vendor_in_bulk_names_the_vendor(api, agent, tickets):
    vendor = Vendor.objects.get_or_create(code="state-it", defaults={"name": "State IT agency"})[0]
    api.force_login(agent)
    r = _post(api, {"action": "status", "tickets": [tickets[0].number], "to": "awaiting_vendor"})
    assert r.json()["results"][0]["code"] == "vendor_required"
    r = _post(api, {"action": "status", "tickets": [tickets[0].number], "to": "awaiting_vendor", "vendor": vendor.pk})
    assert r.json()["ok"] == 1 and Ticket.objects.get(pk=tickets[0].pk).vendor_id == vendor.pk


def test_merge_in_bulk_is_for_supervisors(api, agent, supervisor, tickets):
    body = {"action": "merge", "tickets": [t.number for t in tickets], "survivor": tickets[0].number}
    api.force_login(agent)
    assert _post(api, body).status_code == 403
    assert not Ticket.objects.filter(status="merged").exists()
    api.force_login(supervisor)
    results = {x["number"]: x for x in _post(api, body).json()["results"]}
    assert results[tickets[0].number]["ok"] is False and results[tickets[0].number]["code"] == "survivor"
    assert results[tickets[1].number]["ok"] and results[tickets[2].number]["ok"]
    assert set(Ticket.objects.filter(status="merged").values_list("merged_into_id", flat=True)) == {tickets[0].pk}


def test_district_officials_and_vendors_cannot_bulk_and_scope_is_checked(api, make_user, tickets, bastar):
    for role in ("district_official", "vendor_engineer"):
        api.force_login(make_user(role))
        r = _post(api, {"action": "priority", "tickets": [tickets[0].number], "priority": "P1"})
        assert r.status_code == 403 and r.json()["detail"]
    assert not Ticket.objects.filter(priority="P1").exists()
    assert api.post("/api/tickets/bulk/", {}, format="json").status_code == 403  # refused before the body is read


BAD = [
    ({"action": "explode", "tickets": ["AAAAAAAA"]}, "invalid_action"),
    ({"action": "priority", "tickets": ["AAAAAAAA"], "priority": "P7"}, "invalid_priority"),
    ({"action": "status", "tickets": ["AAAAAAAA"], "to": "merged"}, "invalid_to"),
    ({"action": "assign", "tickets": ["AAAAAAAA"], "assignee": True}, "invalid_assignee"),
    ({"action": "assign", "tickets": ["AAAAAAAA"], "assignee": 999999}, "invalid_assignee"),
    ({"action": "incident", "tickets": ["AAAAAAAA"], "incident": 999999}, "invalid_incident"),
    ({"action": "merge", "tickets": ["AAAAAAAA"], "survivor": "%"}, "invalid_survivor"),
    ({"action": "priority", "tickets": [], "priority": "P1"}, "invalid_tickets"),
    ({"action": "priority", "tickets": "AAAAAAAA", "priority": "P1"}, "invalid_tickets"),
    ({"action": "priority", "tickets": ["<script>"], "priority": "P1"}, "invalid_tickets"),
    ({"action": "priority", "tickets": [12345678], "priority": "P1"}, "invalid_tickets"),
    ({"action": "priority", "tickets": ["AAAAAAAA"] * 501, "priority": "P1"}, "too_many_tickets"),
    ({"action": "priority", "tickets": ["AAAAAAAA"], "priority": "P1", "extra": 1}, "unknown_fields"),
]


@pytest.mark.parametrize("body, code", BAD)
def test_bad_bulk_requests_change_nothing(api, supervisor, tickets, body, code):
    api.force_login(supervisor)
    body = {**body, "tickets": [tickets[0].number if t == "AAAAAAAA" else t for t in body["tickets"]]} \
        if isinstance(body.get("tickets"), list) else body
    before = TicketEvent.objects.count()
    r = _post(api, body)
    assert r.status_code == 400, r.json()
    assert r.json()["code"] == code and r.json()["detail"]
    assert TicketEvent.objects.count() == before


def test_500_is_the_limit_not_501(api, supervisor, make_ticket):
    api.force_login(supervisor)
    made = [make_ticket() for _ in range(3)]
    numbers = [t.number for t in made] + [f"{i:08d}".translate(str.maketrans("0123456789", "234679ACDE")) for i in range(497)]
    r = _post(api, {"action": "priority", "tickets": numbers, "priority": "P2"})
    assert r.status_code == 200 and r.json()["ok"] == 3 and r.json()["refused"] == 497


def test_page_bulk_assign_shows_a_result_per_ticket(client, supervisor, agent, tickets):
    client.force_login(supervisor)
    numbers = [tickets[0].number, tickets[1].number, "ZZZZZZZZ"]
    r = client.post("/tickets/bulk/", {"action": "assign", "tickets": numbers, "assignee": agent.pk,
                                       "back": "view=unassigned"})
    html = r.content.decode()
    assert r.status_code == 200 and 'id="bulk-results"' in html
    assert f'data-result="{tickets[0].number}"' in html and "Ticket not found." in html
    assert Ticket.objects.filter(assignee=agent).count() == 2
    # the list shown again is the one the bulk started from (the assigned ones left "unassigned")
    assert {t.number for t in r.context["page"].rows} == {tickets[2].number}


def test_page_bulk_over_the_limit_is_a_400_page_and_changes_nothing(client, supervisor, tickets):
    client.force_login(supervisor)
    r = client.post("/tickets/bulk/", {"action": "priority", "priority": "P1", "tickets": [tickets[0].number] * 501,
                                       "back": "view=open"})
    assert r.status_code == 400 and "At most 500" in r.content.decode()
    assert not Ticket.objects.filter(priority="P1").exists()


def test_page_bulk_in_hindi(client, supervisor, tickets):
    client.force_login(supervisor)
    client.cookies["django_language"] = "hi"
    r = client.post("/tickets/bulk/", {"action": "priority", "priority": "P2", "tickets": [tickets[0].number, "ZZZZZZZZ"],
                                       "back": ""})
    html = r.content.decode()
    assert "हो गया" in html and "टिकट नहीं मिला।" in html and "Ticket not found." not in html


def test_bulk_api_is_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    assert "/api/tickets/bulk/" in schema["paths"] and "/api/tickets/views/" in schema["paths"]
    listing = {p["name"] for p in schema["paths"]["/api/tickets/"]["get"]["parameters"]}
    assert {"view", "status", "priority", "district", "category", "assignee", "unassigned", "channel", "created_after",
            "created_before", "q", "sort", "page", "page_size"} <= listing
