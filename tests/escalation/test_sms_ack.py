"""Acknowledging by SMS reply through the inbound SMS endpoint: "ACK <code>" from the person's
own mobile acknowledges (channel "sms"), like the link; wrong mobile, unknown code and a second
ACK are answered clearly and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from escalation import ackcodes, engine
from escalation.models import Clock, EscalationNotice, EscalationRecord
from notifications.models import OutboxMessage
from tests.escalation.conftest import T0
from tickets import services as ts
from tickets.models import Comment, TicketEvent

pytestmark = pytest.mark.django_db
URL = "/api/sms/inbound/"


@pytest.fixture
def escalated(policy, people, make_ticket, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                             vendor=people["vendor"])
        tm.shift(dt.timedelta(minutes=61))
        with django_capture_on_commit_callbacks(execute=True):
            engine.sweep()
    return ticket


def notice_of(ticket):
    return EscalationNotice.objects.filter(record__ticket=ticket, record__level=1, user__username="eng1").first()


def sms(sender, text, message_id):
    return APIClient().post(URL, {"sender": sender, "text": text, "id": message_id}, format="json")


def replies(to):
    return list(OutboxMessage.objects.filter(recipient=to, idempotency_key__startswith="sms-in:")
                .order_by("id").values_list("body", flat=True))


def test_codes_round_trip_and_refuse_typos():
    for notice_id in (1, 30, 31, 961, 123456, 10**9):
        code = ackcodes.ack_code(notice_id)
        assert ackcodes.read_ack_code(code) == notice_id
        assert ackcodes.read_ack_code(code.lower()) == notice_id
        typo = code[:-1] + ("2" if code[-1] != "2" else "3")
        assert ackcodes.read_ack_code(typo) is None
    for junk in ("", "A", "0O1IL", "७२३", "1' OR 1=1", "Z" * 40, None):
        assert ackcodes.read_ack_code(junk) is None


def test_escalation_sms_carries_the_code(escalated):
    notice = notice_of(escalated)
    body = OutboxMessage.objects.get(notice=notice, channel="sms").body
    assert f"ACK {ackcodes.ack_code(notice.pk)}" in body


def test_ack_from_own_mobile_acknowledges_via_sms(escalated, people):
    notice = notice_of(escalated)
    with time_machine.travel(T0 + dt.timedelta(minutes=65), tick=False):
        response = sms("+91 9100000001", f"ack {ackcodes.ack_code(notice.pk).lower()}", "gw-1")
    assert response.status_code == 200 and response.json()["action"] == "ack_done"
    notice.refresh_from_db()
    assert notice.ack_via == "sms" and notice.ack_seconds == 4 * 60
    assert EscalationRecord.objects.filter(ticket=escalated, acknowledged_at__isnull=True).count() == 0
    assert Clock.objects.filter(ticket=escalated, kind="eta", state="running").exists()
    event = TicketEvent.objects.get(ticket=escalated, kind="escalation_acknowledged")
    assert event.payload["via"] == "sms" and event.actor_id == people["eng1"].pk
    assert "Acknowledged ticket" in replies("9100000001")[-1]
    assert not Comment.objects.filter(ticket=escalated).exists()  # a command, not a reply to the ticket


def test_second_ack_and_gateway_retry_are_idempotent(escalated):
    code = ackcodes.ack_code(notice_of(escalated).pk)
    assert sms("9100000001", f"ACK {code}", "gw-1").json()["action"] == "ack_done"
    # The gateway retries the same message: no second answer.
    sms("9100000001", f"ACK {code}", "gw-1")
    assert len(replies("9100000001")) == 1
    # A new ACK: told it was already acknowledged, nothing changes.
    events = TicketEvent.objects.filter(ticket=escalated).count()
    assert sms("9100000001", f"ACK {code}", "gw-2").json()["action"] == "ack_already"
    assert "already acknowledged" in replies("9100000001")[-1]
    assert TicketEvent.objects.filter(ticket=escalated).count() == events


def test_wrong_mobile_changes_nothing(escalated):
    code = ackcodes.ack_code(notice_of(escalated).pk)
    assert sms("9100000002", f"ACK {code}", "gw-3").json()["action"] == "ack_wrong_mobile"
    assert "another mobile" in replies("9100000002")[-1]
    assert not Clock.objects.filter(ticket=escalated, acknowledged_at__isnull=False).exists()
    assert not EscalationNotice.objects.filter(acknowledged_at__isnull=False).exists()


@pytest.mark.parametrize("text", ["ACK", "ACK 22", "ACK ZZZZZZ", "ack <script>", "ACK ２３４"])
def test_unknown_code_answered_and_changes_nothing(escalated, text):
    assert sms("9100000001", text, f"gw-{hash(text)}").json()["action"] == "ack_unknown_code"
    assert "ACK not understood" in replies("9100000001")[-1]
    assert not Clock.objects.filter(ticket=escalated, acknowledged_at__isnull=False).exists()


def test_ack_in_hindi_for_a_hindi_speaker(escalated, people):
    people["eng1"].preferred_language = "hi"
    people["eng1"].save()
    code = ackcodes.ack_code(notice_of(escalated).pk)
    sms("9100000001", f"ACK {code}", "gw-4")
    body = replies("9100000001")[-1]
    assert "स्वीकार" in body and "Acknowledged" not in body


def test_closed_ticket(escalated, people):
    ts.ticket_transition(ticket_id=escalated.pk, to="resolved", actor=ts.Actor.of(people["dept"]))
    code = ackcodes.ack_code(notice_of(escalated).pk)
    assert sms("9100000001", f"ACK {code}", "gw-5").json()["action"] == "ack_closed"


def test_a_citizens_longer_ack_text_stays_a_reply(escalated):
    escalated.requester_mobile = "9876504321"
    type(escalated).objects.filter(pk=escalated.pk).update(requester_mobile="9876504321")
    assert sms("9876504321", "Ack, thanks for the help", "gw-6").json()["action"] == "comment_added"
