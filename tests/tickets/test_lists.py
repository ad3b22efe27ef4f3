"""The ticket list (page, API, export): saved views, filters, sort, search, pagination, team
views, and the permission scope of each role on all of them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.models import Vendor
from tickets.models import Comment, TeamView, Ticket
from tickets.services import Actor, ticket_assign, ticket_comment, ticket_transition

pytestmark = pytest.mark.django_db


def numbers(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return {t["number"] for t in response.json()["results"]}


def page_numbers(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return set(response.context["page"].rows and [t.number for t in response.context["page"].rows])


@pytest.fixture
def world(make_ticket, raipur, bastar, agent, make_user):
    """Tickets in two districts: assigned, unassigned, awaiting vendor/citizen, reopened, closed."""
    vendor = Vendor.objects.get_or_create(code="state-it", defaults={"name": "State IT agency"})[0]
    desk = Actor.of(agent)
    t = {
        "mine": make_ticket(district=raipur, description="ओटीपी नहीं आ रहा है, पंजीकरण अटका", requester_name="Ramesh Kumar"),
        "free": make_ticket(district=raipur, description="Portal shows 502 since morning", requester_name="Sita Sahu"),
        "vendor": make_ticket(district=bastar, description="Slots missing at the Jagdalpur centre"),
        "citizen": make_ticket(district=bastar, description="Certificate has a wrong date of birth"),
        "reopened": make_ticket(district=raipur, description="Booking shows the wrong centre"),
        "closed": make_ticket(district=bastar, description="Captcha never loads on the portal"),
    }
    ticket_assign(ticket_id=t["mine"].pk, assignee=agent, actor=desk)
    ticket_transition(ticket_id=t["vendor"].pk, to="awaiting_vendor", actor=desk, vendor=vendor)
    ticket_transition(ticket_id=t["citizen"].pk, to="awaiting_citizen", actor=desk, note="asked for the reference")
    for step in ("resolved", "reopened"):
        ticket_transition(ticket_id=t["reopened"].pk, to=step, actor=desk)
    for step in ("resolved", "closed"):
        ticket_transition(ticket_id=t["closed"].pk, to=step, actor=desk)
    ticket_comment(ticket_id=t["free"].pk, body="Caller says the केंद्र was closed", actor=desk, is_public=False)
    return {k: Ticket.objects.get(pk=v.pk) for k, v in t.items()}


def test_saved_views(api, agent, world):
    api.force_login(agent)
    n = {k: v.number for k, v in world.items()}
    open_ = {n["mine"], n["free"], n["vendor"], n["citizen"], n["reopened"]}
    assert numbers(api, "/api/tickets/") == open_
    assert numbers(api, "/api/tickets/?view=mine") == {n["mine"]}
    assert numbers(api, "/api/tickets/?view=unassigned") == open_ - {n["mine"]}
    assert numbers(api, "/api/tickets/?view=awaiting_vendor") == {n["vendor"]}
    assert numbers(api, "/api/tickets/?view=awaiting_citizen") == {n["citizen"]}
    assert numbers(api, "/api/tickets/?view=reopened") == {n["reopened"]}
    assert numbers(api, f"/api/tickets/?view=by_district&district={world['vendor'].district_id}") == {n["vendor"], n["citizen"]}
    assert numbers(api, "/api/tickets/?view=all") == open_ | {n["closed"]}


def _clock(ticket, *, due_in: dt.timedelta, goal: int = 30, breached: bool = False, state: str = "running"):
    from escalation.models import Clock, TicketSLA

    now = timezone.now()
    sla, _ = TicketSLA.objects.get_or_create(ticket=ticket, defaults={"snapshot": {"calendar": {"always_open": True}}})
    Clock.objects.filter(ticket=ticket).delete()
    return Clock.objects.create(sla=sla, ticket=ticket, kind="resolution", state=state, goal_minutes=goal,
                                business=False, started_at=now - dt.timedelta(hours=1), resumed_at=now - dt.timedelta(hours=1),
                                due_at=now + due_in, breached_at=now if breached else None,
                                stopped_at=now if state == "stopped" else None)


def test_sla_views_follow_the_clocks(api, supervisor, world):
    api.force_login(supervisor)
    _clock(world["mine"], due_in=dt.timedelta(minutes=10))                   # at risk: within 15 min
    _clock(world["free"], due_in=dt.timedelta(hours=5), goal=24 * 60)        # at risk: within 25% of 24 h
    _clock(world["vendor"], due_in=dt.timedelta(hours=3))                    # comfortable
    _clock(world["citizen"], due_in=-dt.timedelta(minutes=5))                # running past due: breached
    _clock(world["reopened"], due_in=dt.timedelta(minutes=30), breached=True)  # stamped by the sweep
    _clock(world["closed"], due_in=-dt.timedelta(hours=1), breached=True)    # closed: not in either view
    n = {k: v.number for k, v in world.items()}
    assert numbers(api, "/api/tickets/?view=sla_at_risk") == {n["mine"], n["free"]}
    assert numbers(api, "/api/tickets/?view=breached") == {n["citizen"], n["reopened"]}


def test_filters_on_every_column(api, agent, world, raipur):
    api.force_login(agent)
    n = {k: v.number for k, v in world.items()}
    assert numbers(api, f"/api/tickets/?view=all&district={raipur.pk}") == {n["mine"], n["free"], n["reopened"]}
    assert numbers(api, "/api/tickets/?view=all&status=closed,reopened") == {n["closed"], n["reopened"]}
    assert numbers(api, "/api/tickets/?view=all&status=closed&status=reopened") == {n["closed"], n["reopened"]}
    assert numbers(api, f"/api/tickets/?view=all&assignee={agent.pk}") == {n["mine"]}
    assert numbers(api, "/api/tickets/?view=all&unassigned=false") == {n["mine"]}
    assert numbers(api, "/api/tickets/?view=all&category=portal-down") == set()
    assert numbers(api, "/api/tickets/?view=all&channel=web") == set(n.values())
    assert numbers(api, "/api/tickets/?view=all&priority=P1") == set()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert numbers(api, f"/api/tickets/?view=all&created_before={tomorrow}") == set(n.values())
    assert numbers(api, f"/api/tickets/?view=all&created_after={tomorrow}") == set()


def test_sort_is_whitelisted_and_stable(api, agent, world):
    api.force_login(agent)
    rows = api.get("/api/tickets/?view=all&sort=number").json()["results"]
    assert [r["number"] for r in rows] == sorted(r["number"] for r in rows)
    rows = api.get("/api/tickets/?view=all&sort=-number").json()["results"]
    assert [r["number"] for r in rows] == sorted((r["number"] for r in rows), reverse=True)
    rows = api.get("/api/tickets/?view=all&sort=status").json()["results"]
    assert [r["status"] for r in rows] == sorted(r["status"] for r in rows)
    first = api.get("/api/tickets/?view=all&sort=created&page_size=3").json()
    second = api.get("/api/tickets/?view=all&sort=created&page_size=3&page=2").json()
    seen = [r["number"] for r in first["results"] + second["results"]]
    assert len(set(seen)) == 6 and first["count"] == 6 and first["next"] and second["previous"]


SEARCHES = [
    ("ओटीपी", "mine"),          # a Hindi word
    ("पंजी", "mine"),           # the start of a Hindi word
    ("Ramesh Kumar", "mine"),   # the requester's name
    ("502", "free"),            # a number in the description
    ("केंद्र", "free"),          # a word in a comment
    ("Jagdalpur", "vendor"),
    ("captcha", "closed"),       # case-insensitive
]


@pytest.mark.parametrize("q, key", SEARCHES)
def test_search_finds_words_in_both_scripts(api, agent, world, q, key):
    api.force_login(agent)
    assert world[key].number in numbers(api, "/api/tickets/?view=all&q=" + q)


def test_search_by_number_mobile_reference_and_partial_digits(api, agent, world):
    api.force_login(agent)
    t = world["free"]
    Ticket.objects.filter(pk=t.pk).update(registration_reference="12345678901234")
    assert numbers(api, f"/api/tickets/?view=all&q={t.display_number.lower()}") == {t.number}
    assert numbers(api, f"/api/tickets/?view=all&q=%2B91 {t.requester_mobile}") == {t.number}
    assert numbers(api, "/api/tickets/?view=all&q=12345678901234") == {t.number}
    assert t.number in numbers(api, f"/api/tickets/?view=all&q={t.requester_mobile[-5:]}")
    assert t.number in numbers(api, "/api/tickets/?view=all&q=56789012")
    assert numbers(api, "/api/tickets/?view=all&q=zzzzqqq") == set()


@pytest.mark.postgres
def test_postgres_search_uses_its_indexes(world):
    from django.db import connection

    from tickets.listing.search import candidates

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = candidates("पंजीकरण 502").explain()
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "ticket_search_doc" in plan and "comment_search_doc" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["portal", "centre", "ओटीपी", "502"])
def test_common_and_rare_terms_find_the_same_tickets(api, agent, world, monkeypatch, q):
    from tickets.listing import search

    api.force_login(agent)
    rare = numbers(api, "/api/tickets/?view=all&q=" + q)
    monkeypatch.setattr(search, "CANDIDATES", 0)  # every term is "common" now
    assert numbers(api, "/api/tickets/?view=all&q=" + q) == rare and rare


# --- the permission scope of every role, on the page, the API, the search and the export ------

def _visible(role_client, url_api: str) -> set[str]:
    return numbers(role_client, url_api)


@pytest.mark.parametrize("role", ["agent", "supervisor", "district_official", "vendor_engineer"])
def test_each_role_sees_only_its_scope_everywhere(api, client, make_user, world, role):
    user = make_user(role)
    if role == "vendor_engineer":
        user.vendor = world["vendor"].vendor
        user.save()
    api.force_login(user)
    client.force_login(user)
    everything = {t.number for t in world.values()}
    scope = {
        "agent": everything, "supervisor": everything,
        "district_official": {t.number for t in world.values() if t.district.code == "raipur"},
        "vendor_engineer": {world["vendor"].number},
    }[role]
    assert numbers(api, "/api/tickets/?view=all") == scope
    # search never reaches outside the scope: these words are in tickets of both districts
    for q in ("portal", "centre", "ओटीपी", "Jagdalpur"):
        found = numbers(api, "/api/tickets/?view=all&q=" + q)
        assert found <= scope, (role, q)
    page = client.get("/tickets/?view=all")
    assert page.status_code == 200
    assert {t.number for t in page.context["page"].rows} == scope
    csv = b"".join(client.get("/tickets/export.csv?view=all").streaming_content).decode("utf-8-sig")
    assert {line.split(",")[0].replace("-", "") for line in csv.splitlines()[1:]} == scope
    if role in ("district_official", "vendor_engineer"):
        assert api.get("/api/tickets/?view=mine").status_code == 400  # a desk view: not theirs


# --- bad input -------------------------------------------------------------------------------

BAD = [
    ("view=bogus", "invalid_view"),
    ("view=team-999", "invalid_view"),
    ("status=bogus", "invalid_status"),
    ("priority=P9", "invalid_priority"),
    ("district=abc", "invalid_district"),
    ("district=99999", "invalid_district"),
    ("category=nope", "invalid_category"),
    ("assignee=-1", "invalid_assignee"),
    ("unassigned=maybe", "invalid_unassigned"),
    ("channel=fax", "invalid_channel"),
    ("created_after=31-02-2026", "invalid_created_after"),
    ("created_after=2026-02-31", "invalid_created_after"),
    ("created_before=9999-01-01T00:00:00%2B00:00", "invalid_created_before"),
    ("sort=password", "invalid_sort"),
    ("sort=--created", "invalid_sort"),
    ("q=" + "x" * 201, "invalid_q"),
    ("q=abc%00def", "invalid_characters"),  # the one input check (helpdesk/inputs.py)
    ("q=%25%25", "invalid_q"),
    ("q=a&q=b", "invalid_q"),
    ("page=0", "invalid_page"),
    ("page_size=500", "invalid_page_size"),
    ("colour=red", "unknown_parameters"),
]


@pytest.mark.parametrize("query, code", BAD)
def test_bad_list_input_is_a_clear_400_on_page_api_and_export(api, client, agent, world, query, code):
    api.force_login(agent)
    client.force_login(agent)
    response = api.get("/api/tickets/?" + query)
    assert response.status_code == 400, query
    assert response.json()["code"] == code and response.json()["detail"]
    page = client.get("/tickets/?" + query)
    # A control character in an address is refused before any view (helpdesk/inputs.py): the
    # error page, with its message; anything else comes back on the list page itself.
    marker = 'id="error-page"' if code == "invalid_characters" else 'id="list-error"'
    assert page.status_code == 400 and marker in page.content.decode()
    assert client.get("/tickets/export.csv?" + query).status_code == 400


def test_bad_input_messages_are_in_hindi_on_a_hindi_page(client, agent, world):
    client.force_login(agent)
    client.cookies["django_language"] = "hi"
    page = client.get("/tickets/?sort=password").content.decode()
    assert "अज्ञात" in page and "Unknown sort key" not in page


def test_a_page_past_the_end_is_404(api, agent, world):
    api.force_login(agent)
    assert api.get("/api/tickets/?view=all&page=99").status_code == 404


# --- team views --------------------------------------------------------------------------------

def test_supervisor_defines_a_team_view_the_desk_uses(api, client, supervisor, agent, world, raipur):
    client.force_login(supervisor)
    response = client.post("/tickets/views/", {"name_en": "Raipur open", "name_hi": "रायपुर खुले",
                                              "back": f"view=open&district={raipur.pk}&sort=-number"})
    view = TeamView.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/?view=team-{view.pk}"
    assert view.base_view == "open" and view.filters == {"district": raipur.pk, "sort": "-number"}
    api.force_login(agent)
    found = api.get(f"/api/tickets/?view=team-{view.pk}").json()
    assert {r["number"] for r in found["results"]} == {world["mine"].number, world["free"].number, world["reopened"].number}
    assert found["sort"] == "-number"
    labels = {v["key"]: v["label"] for v in api.get("/api/tickets/views/").json()["results"]}
    assert labels[f"team-{view.pk}"] == "Raipur open"
    client.cookies["django_language"] = "hi"
    assert "रायपुर खुले" in client.get("/tickets/").content.decode()


def test_team_views_refuse_agents_bad_filters_and_duplicates(api, agent, supervisor, world):
    api.force_login(agent)
    assert api.post("/api/tickets/views/", {"name_en": "Mine"}, format="json").status_code == 403
    api.force_login(supervisor)
    bad = api.post("/api/tickets/views/", {"name_en": "Bad", "params": {"sort": "evil"}}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_sort"
    assert api.post("/api/tickets/views/", {"name_en": "P1", "params": {"priority": ["P1"]}}, format="json").status_code == 201
    again = api.post("/api/tickets/views/", {"name_en": "P1", "params": {}}, format="json")
    assert again.status_code == 409
    assert TeamView.objects.count() == 1


# --- query budgets -------------------------------------------------------------------------------

@pytest.mark.parametrize("url, budget", [
    ("/tickets/", 8),                     # session, user, team views, rows, + bulk choices: users, vendors, incidents,
                                          # + the header bell's unread count
    ("/tickets/?view=all&q=OTP&page_size=5", 10),  # + the count, + the search candidates (PostgreSQL)
    ("/api/tickets/?view=all", 4),        # session, user, team views, rows
    ("/api/tickets/?view=all&page_size=5", 5),    # + the count
])
def test_list_query_budgets_do_not_grow_with_the_page(client, agent, make_ticket, django_assert_max_num_queries,
                                                      url, budget):
    for i in range(30):
        t = make_ticket(attach_to_open=False)
        if i % 2:
            ticket_assign(ticket_id=t.pk, assignee=agent, actor=Actor.of(agent))
    client.force_login(agent)
    client.get("/tickets/")
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


def test_list_page_in_hindi_has_no_english_labels(client, agent, world):
    client.force_login(agent)
    client.cookies["django_language"] = "hi"
    html = client.get("/tickets/").content.decode()
    for english in ("Saved views", "Search", "Assigned to", "Unassigned", "Apply to chosen tickets", "Download CSV",
                    "Page 1 of 1", "Awaiting vendor"):
        assert english not in html, english
    assert "टिकट" in html


def test_live_rows_fragment_keeps_the_query(client, agent, world):
    client.force_login(agent)
    html = client.get("/tickets/?view=awaiting_vendor").content.decode()
    assert 'data-src="?view=awaiting_vendor&amp;partial=1"' in html and 'data-ws="/ws/console/"' in html
    fragment = client.get("/tickets/?view=awaiting_vendor&partial=1").content.decode()
    assert world["vendor"].number in fragment and world["mine"].number not in fragment
    assert "<html" not in fragment
    # The count and pager travel with the rows (a live refresh must not leave them stale).
    total = client.get("/tickets/?view=awaiting_vendor").context["page"].total
    assert f"<td data-count>Tickets found: {total}</td>" in fragment and "Page 1 of 1" in fragment
    assert "data-list-meta" not in html


def test_comment_search_is_scoped_too(api, make_user, world, bastar):
    official = make_user("district_official", district=bastar)
    api.force_login(official)
    assert Comment.objects.filter(body__contains="केंद्र").exists()
    assert numbers(api, "/api/tickets/?view=all&q=केंद्र") == set()  # the comment is on a Raipur ticket
    assert json.dumps(api.get("/api/tickets/?view=all").json())  # serialisable
