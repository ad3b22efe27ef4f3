"""Staff journeys through the pages: the console, the ticket page, district filing."""

import re

import pytest

from tickets.models import Comment, Ticket, TicketEvent
from tickets.services import Actor, ticket_set_priority

pytestmark = pytest.mark.django_db


def test_console_finds_caller_and_opens_a_ticket_in_a_few_keystrokes(client, agent, raipur, make_ticket):
    earlier = make_ticket(mobile="9876504321", category=None)
    client.force_login(agent)
    page = client.get("/console/?q=98765 04321")
    assert page.status_code == 200
    assert earlier.display_number.encode() in page.content
    assert b'id="live" data-ws="/ws/console/"' in page.content and b"js/live.js" in page.content
    assert f'data-ticket-id="{earlier.pk}"'.encode() in page.content
    # the form is prefilled from the caller's last ticket: only category + description to type
    r = client.post("/console/", {"mobile": "9876504321", "name": "Ramesh", "district": str(raipur.pk),
                                  "category": "certificate", "description": "Certificate shows wrong name",
                                  "notes": "caller upset", "priority": "", "language": "en"})
    assert r.status_code == 302
    ticket = Ticket.objects.exclude(pk=earlier.pk).get()
    assert r["Location"] == f"/tickets/{ticket.number}/"
    assert ticket.channel == "phone" and ticket.requester_kind == "agent" and ticket.created_by == agent
    assert Comment.objects.get(ticket=ticket).body == "caller upset"


def test_console_repeat_caller_is_attached_unless_separate(client, agent, raipur, make_ticket):
    earlier = make_ticket(mobile="9876504321")
    client.force_login(agent)
    form = {"mobile": "9876504321", "district": str(raipur.pk), "category": earlier.category.code,
            "description": "calling again"}
    r = client.post("/console/", form)
    assert r["Location"] == f"/tickets/{earlier.number}/"
    earlier.refresh_from_db()
    assert earlier.chased_count == 1 and Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(ticket=earlier, kind="chased").count() == 1
    r = client.post("/console/", {**form, "separate": "on"})
    assert Ticket.objects.count() == 2


def test_console_bad_search_and_bad_form(client, agent, raipur):
    client.force_login(agent)
    assert client.get("/console/?q=%25%25").status_code == 400
    r = client.post("/console/", {"district": "999", "category": "other", "description": "x"})
    assert r.status_code == 400 and b'id="form-error"' in r.content


def test_ticket_page_actions_and_timeline(client, supervisor, make_ticket, agent):
    ticket = make_ticket(mobile="9876504321")
    dup = make_ticket(mobile="9876504322")
    client.force_login(supervisor)
    page = client.get(f"/tickets/{ticket.number}/")
    assert page.status_code == 200
    assert f'data-ws="/ws/tickets/{ticket.pk}/"'.encode() in page.content
    assert b'id="presence"' in page.content and b"data-typing" in page.content and b'id="thread"' in page.content
    url = f"/tickets/{ticket.number}/act/"

    def act(**data):
        current = Ticket.objects.get(pk=ticket.pk)
        data.setdefault("expected_version", str(current.version))
        return client.post(url, data)

    assert act(action="comment", body="We are on it", public="on").status_code == 302
    assert act(action="status", to="in_progress").status_code == 302
    assert act(action="priority", priority="P1").status_code == 302
    assert act(action="category", category="portal-down").status_code == 302
    assert act(action="assign", assignee=str(agent.pk)).status_code == 302
    assert act(action="contacted", note="rang").status_code == 302
    assert act(action="registration", reference_id="12345678901234").status_code == 302
    assert act(action="merge", tickets=dup.display_number).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.category.code, ticket.assignee, ticket.registration_reference) == (
        "in_progress", "P1", "portal-down", agent, "12345678901234")
    assert Ticket.objects.get(pk=dup.pk).merged_into == ticket
    page = client.get(f"/tickets/{ticket.number}/")
    text = page.content.decode()
    for sentence in ("Ticket opened by", "Public reply by", "Status changed from New to In progress by",
                     "Priority changed from", "Assigned to", "was merged into this one by"):
        assert sentence in text
    assert "<code>" not in text
    # illegal move: 409 shown on the page
    r = act(action="status", to="new")
    assert r.status_code == 409 and b'id="form-error"' in r.content


def test_stale_reply_is_refused_with_the_changes_shown(client, agent, make_ticket, supervisor):
    ticket = make_ticket()
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.number}/")
    version = re.search(rb'name="expected_version" value="(\d+)"', page.content).group(1).decode()
    seen = re.search(rb'name="seen_event" value="(\d+)"', page.content).group(1).decode()
    ticket_set_priority(ticket_id=ticket.pk, priority="P1", actor=Actor.of(supervisor))  # meanwhile
    r = client.post(f"/tickets/{ticket.number}/act/", {"action": "comment", "body": "my reply", "public": "on",
                                                        "expected_version": version, "seen_event": seen})
    assert r.status_code == 409
    assert b'id="changes-since"' in r.content and b"Priority changed from" in r.content
    assert b"my reply" in r.content  # the draft is kept
    assert not Comment.objects.filter(body="my reply").exists()


def test_district_official_files_and_follows_own_district(client, make_user, raipur, bastar, make_ticket):
    official = make_user("district_official", district=raipur)
    theirs = make_ticket(district=bastar)
    client.force_login(official)
    assert client.get("/tickets/new/").status_code == 200
    r = client.post("/tickets/new/", {"category": "portal-down", "description": "Portal down at CHC Arang",
                                      "subject": "Portal down"})
    assert r.status_code == 302
    ticket = Ticket.objects.get(requester_kind="district_official")
    assert ticket.district == raipur and ticket.created_by == official
    listing = client.get("/tickets/")
    assert ticket.display_number.encode() in listing.content and theirs.display_number.encode() not in listing.content
    r = client.post(f"/tickets/{ticket.number}/act/", {"action": "comment", "body": "any update?"})
    assert r.status_code == 302
    assert not Comment.objects.get(body="any update?").is_public  # only the desk replies publicly
    r = client.post(f"/tickets/{ticket.number}/act/", {"action": "status", "to": "resolved"})
    assert r.status_code == 403
    assert client.post(f"/tickets/{theirs.number}/act/", {"action": "comment", "body": "x"}).status_code == 404


def test_home_links(client, agent, make_user):
    page = client.get("/")
    assert b'href="/complaint/"' in page.content and b'href="/status/ticket/"' in page.content
    client.force_login(agent)
    assert b'href="/console/"' in client.get("/").content
    client.force_login(make_user("district_official"))
    assert b'href="/tickets/new/"' in client.get("/").content


def test_queue_fragment_lists_open_tickets(client, agent, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)
    r = client.get("/console/queue/")
    assert f'data-ticket-id="{ticket.pk}"'.encode() in r.content


def test_pages_in_hindi(client, raipur):
    client.cookies["django_language"] = "hi"
    page = client.get("/complaint/")
    assert "शिकायत".encode() in page.content


def test_hand_to_vendor_and_link_incident_from_the_page(client, agent, make_ticket):
    from accounts.models import Vendor
    from live.models import Incident

    vendor = Vendor.objects.create(code="v1", name="Portal vendor")
    incident = Incident.objects.create(title="OTP outage")
    ticket = make_ticket()
    client.force_login(agent)
    r = client.post(f"/tickets/{ticket.number}/act/", {"action": "status", "to": "awaiting_vendor",
                                                       "vendor": str(vendor.pk)})
    assert r.status_code == 302
    r = client.post(f"/tickets/{ticket.number}/act/", {"action": "incident", "incident": str(incident.pk)})
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.vendor, ticket.incident) == ("awaiting_vendor", vendor, incident)
    assert client.post(f"/tickets/{ticket.number}/act/", {"action": "incident", "incident": "99999"}).status_code == 400


def test_citizen_reply_on_a_merged_ticket_goes_to_the_survivor(client, make_ticket, supervisor, sent_sms):
    from tickets.services import Actor, ticket_merge

    survivor = make_ticket(mobile="9876504001")
    merged = make_ticket(mobile="9876504002")
    body = [b for _, b, k in sent_sms() if k == f"ticket:{merged.pk}:created"][0]
    link = re.search(r"(/t/[A-Z0-9]+/[A-Za-z0-9_\-]+/)", body).group(1)
    ticket_merge(survivor_id=survivor.pk, merged_ids=[merged.pk], actor=Actor.of(supervisor))
    r = client.post(link, {"body": "me too"})
    assert r.status_code == 302
    assert Comment.objects.get(body="me too").ticket_id == survivor.pk


@pytest.mark.parametrize("url, budget", [("/console/queue/", 4), ("/tickets/", 8),  # list: + team views, bulk choices (3), bell
                                          ("/console/?q=9876500777", 7),
                                          ("/tickets/{n}/", 17), ("/tickets/{n}/thread/", 10)])
# detail: + SLA clocks (2), incident banner (1), tags, canned responses, attachments, the bell's count;
# thread: + attachments
def test_page_query_budgets(client, agent, make_ticket, django_assert_max_num_queries, url, budget):
    from tickets.services import ticket_assign, ticket_comment

    tickets = [make_ticket(mobile="9876500777", attach_to_open=False) for _ in range(15)]
    for t in tickets[:8]:
        ticket_assign(ticket_id=t.pk, assignee=agent, actor=Actor.of(agent))
        ticket_comment(ticket_id=tickets[0].pk, body="note", actor=Actor.of(agent), is_public=False)
    client.force_login(agent)
    client.get("/tickets/")  # warm the session
    with django_assert_max_num_queries(budget):
        r = client.get(url.format(n=tickets[0].number))
    assert r.status_code == 200
