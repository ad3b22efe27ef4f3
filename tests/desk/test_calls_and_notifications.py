"""The telephony webhook (signed, generic CTI shape), the call pop, call log and call-back list;
agent notifications (assigned, mentioned, citizen replied, breach within 15 minutes)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from desk.calls import call_event, sign
from desk.models import AgentNotification, Call
from tests.factories import UserFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import Actor, ticket_assign, ticket_comment, ticket_record_event

SECRET = "cti-test-secret"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CTI_WEBHOOK_SECRET = SECRET


def post(client, payload, *, secret=SECRET, timestamp=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    return client.post("/api/cti/", body, content_type="application/json",
                       HTTP_X_CTI_TIMESTAMP=str(ts), HTTP_X_CTI_SIGNATURE=sign(body, ts, secret))


def test_a_call_rings_is_answered_and_hangs_up_with_a_duration(client, agent, make_ticket):
    earlier = make_ticket(mobile="9876543210")
    assert post(client, {"event": "newCall", "callId": "c-1", "from": "+919876543210", "to": "1800", "direction": "in"}).status_code == 200
    call = Call.objects.get(call_id="c-1")
    assert (call.state, call.caller_mobile) == ("ringing", "9876543210")
    assert post(client, {"event": "answer", "callId": "c-1", "user": agent.username}).status_code == 200
    Call.objects.filter(pk=call.pk).update(answered_at=timezone.now() - dt.timedelta(seconds=95))
    assert post(client, {"event": "hangup", "callId": "c-1", "cause": "normalClearing"}).status_code == 200
    call.refresh_from_db()
    assert call.state == "ended" and call.agent == agent and not call.missed and 94 <= call.duration_seconds <= 96
    # the pop for the answering agent: the caller's tickets (registrations are looked up and logged)
    client.force_login(agent)
    pop = client.get(f"/desk/calls/{call.pk}/pop/").content.decode()
    assert earlier.display_number in pop and "******3210" in pop
    from bookings.models import LookupLog

    assert LookupLog.objects.filter(actor=agent, reason="caller_request", query_value="9876543210").exists()
    log = client.get("/desk/calls/").content.decode()
    assert "******3210" in log and ("95 " in log or "94 " in log or "96 " in log)


def test_bad_signature_old_signature_and_unknown_agent_store_nothing(client):
    payload = {"event": "newCall", "callId": "c-2", "from": "9876543210"}
    assert post(client, payload, secret="wrong").status_code == 403
    assert post(client, payload, timestamp=int(time.time()) - 3600).status_code == 403
    r = client.post("/api/cti/", json.dumps(payload), content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "bad_signature"
    r = post(client, {"event": "answer", "callId": "c-2", "from": "9876543210", "user": "nobody"})
    assert r.status_code == 400 and r.json()["code"] == "unknown_agent"
    vendor = UserFactory(role="vendor_engineer")
    assert post(client, {"event": "answer", "callId": "c-2", "user": vendor.username}).status_code == 400
    assert not Call.objects.exists()


@pytest.mark.parametrize("raw", [b"not json", b"[]", json.dumps({"event": "explode", "callId": "x"}).encode(),
                                 json.dumps({"event": "newCall", "callId": "x", "extra": "1"}).encode(),
                                 json.dumps({"event": "newCall", "callId": "x", "from": "abc"}).encode(),
                                 json.dumps({"event": "newCall", "callId": "x" * 200}).encode(),
                                 json.dumps({"event": "newCall", "callId": 5}).encode()])
def test_malformed_bodies_are_400(client, raw):
    assert post(client, None, raw=raw).status_code == 400
    assert not Call.objects.exists()


def test_unconfigured_webhook_is_refused(client, settings):
    settings.CTI_WEBHOOK_SECRET = ""
    assert post(client, {"event": "newCall", "callId": "c"}, secret="").status_code == 403


def test_missed_call_goes_on_the_call_back_list_until_cleared(client, agent):
    post(client, {"event": "newCall", "callId": "m-1", "from": "09876543219"})
    post(client, {"event": "hangup", "callId": "m-1", "cause": "noAnswer"})
    call = Call.objects.get(call_id="m-1")
    assert call.missed and call.hangup_cause == "noAnswer"
    client.force_login(agent)
    fragment = client.get("/desk/calls/callbacks/").content.decode()
    assert "******3219" in fragment
    assert client.post(f"/desk/calls/{call.pk}/called-back/").status_code == 302
    assert "******3219" not in client.get("/desk/calls/callbacks/").content.decode()
    call.refresh_from_db()
    assert call.callback_cleared_by == agent


def test_retried_events_are_idempotent(agent):
    data = {"event": "newCall", "callId": "r-1", "from": "9876543210"}
    call_event(data=data)
    call_event(data=data)
    call_event(data={"event": "answer", "callId": "r-1", "user": agent.username})
    call_event(data={"event": "answer", "callId": "r-1", "user": agent.username})
    assert Call.objects.count() == 1 and Call.objects.get().state == "answered"


def test_a_ticket_opened_during_the_call_links_to_it(client, agent, raipur):
    post(client, {"event": "newCall", "callId": "t-1", "from": "9876543210"})
    post(client, {"event": "answer", "callId": "t-1", "user": agent.username})
    call = Call.objects.get()
    client.force_login(agent)
    console = client.get(f"/console/?q=9876543210&call={call.pk}").content.decode()
    assert f'name="call" value="{call.pk}"' in console
    r = client.post("/console/", {"mobile": "9876543210", "district": str(raipur.pk), "category": "otp-not-received",
                                  "description": "caller says OTP missing", "call": str(call.pk)})
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert list(call.tickets.all()) == [ticket]
    assert TicketEvent.objects.filter(ticket=ticket, kind="call_linked").exists()


def test_a_ticket_cannot_be_linked_to_someone_elses_call(client, agent, make_user, raipur):
    other = make_user("agent")
    post(client, {"event": "newCall", "callId": "t-2", "from": "9876543210"})
    post(client, {"event": "answer", "callId": "t-2", "user": other.username})
    call = Call.objects.get()
    client.force_login(agent)
    r = client.post("/console/", {"mobile": "9876543210", "district": str(raipur.pk), "category": "otp-not-received",
                                  "description": "x", "call": str(call.pk)})
    assert r.status_code == 400 and not Ticket.objects.exists()
    assert client.get(f"/desk/calls/{call.pk}/pop/").status_code == 404


# --- notifications ------------------------------------------------------------------------------

def test_assignment_and_citizen_reply_notify_the_assignee(client, agent, supervisor, make_ticket):
    ticket = make_ticket()
    ticket_assign(ticket_id=ticket.pk, assignee=agent, actor=Actor.of(supervisor))
    ticket_assign(ticket_id=ticket.pk, assignee=agent, actor=Actor.of(agent))  # self: nothing more
    ticket_comment(ticket_id=ticket.pk, body="still no OTP", actor=Actor(label="citizen"), is_public=True)
    assert list(AgentNotification.objects.filter(user=agent).order_by("id").values_list("kind", flat=True)) == [
        "assigned", "citizen_replied"]
    client.force_login(agent)
    page = client.get("/desk/notifications/").content.decode()
    assert f"assigned ticket {ticket.display_number} to you" in page and "The citizen replied" in page
    assert 'id="bell-count">2<' in page
    latest = client.get("/desk/notifications/latest/").json()
    assert latest["unread"] == 2 and latest["latest"]["url"] == f"/tickets/{ticket.number}/"
    assert client.post("/desk/notifications/").status_code == 302
    assert client.get("/desk/notifications/latest/").json() == {"unread": 0, "latest": None}


def test_breach_warning_within_15_minutes_notifies_the_assignee(agent, supervisor, make_ticket):
    ticket = make_ticket()
    ticket_assign(ticket_id=ticket.pk, assignee=agent, actor=Actor.of(supervisor))
    far = (timezone.now() + dt.timedelta(minutes=40)).isoformat()
    near = (timezone.now() + dt.timedelta(minutes=14)).isoformat()
    ticket_record_event(ticket_id=ticket.pk, kind="sla_warning", actor=Actor(label="system"),
                        payload={"clock": "resolution", "due_at": far})
    assert not AgentNotification.objects.filter(kind="breach_soon").exists()
    ticket_record_event(ticket_id=ticket.pk, kind="sla_warning", actor=Actor(label="system"),
                        payload={"clock": "resolution", "due_at": near})
    assert AgentNotification.objects.filter(user=agent, kind="breach_soon").count() == 1


def test_notifications_are_private(client, agent, make_user, supervisor, make_ticket):
    ticket = make_ticket()
    ticket_assign(ticket_id=ticket.pk, assignee=agent, actor=Actor.of(supervisor))
    other = make_user("agent")
    client.force_login(other)
    row = AgentNotification.objects.get()
    client.post("/desk/notifications/", {"id": str(row.pk)})
    row.refresh_from_db()
    assert row.read_at is None and client.get("/desk/notifications/latest/").json()["unread"] == 0
    client.logout()
    assert client.get("/desk/notifications/latest/").status_code == 302
