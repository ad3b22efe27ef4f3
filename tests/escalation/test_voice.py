"""Escalation by phone call: a `voice` level makes the outbox ask the telephony gateway to call;
the gateway's signed callback "pressed 1" acknowledges (channel "voice"); an unanswered or
failed call acknowledges nothing and the ladder goes on; bad signatures and callbacks for
unknown or finished calls are refused and change nothing. The HTTP gateway is driven through
httpx.MockTransport, the callback as the gateway would send it."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
import time_machine
from rest_framework.test import APIClient

from escalation import engine
from escalation.models import Clock, EscalationNotice, EscalationRecord, LadderLevel
from escalation.services import escalation_acknowledge
from escalation.voice_callback import callback_signature
from notifications import voice
from notifications.models import OutboxMessage, VoiceCall
from notifications.outbox import deliver
from tests.escalation.conftest import T0
from tickets import services as ts
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db
URL = "/api/voice/callback/"
SECRET = "voice-callback-secret"


@pytest.fixture(autouse=True)
def _voice_settings(settings):
    settings.VOICE_CALLBACK_SECRET = SECRET
    voice.ConsoleVoice.calls.clear()
    yield
    voice.ConsoleVoice.calls.clear()


@pytest.fixture
def voice_ladder(ladder):
    LadderLevel.objects.filter(ladder=ladder, level=1).update(channels=["voice"])
    return ladder


@pytest.fixture
def escalated(voice_ladder, policy, people, make_ticket, django_capture_on_commit_callbacks):
    """A P1 handed to the vendor; its resolution breached and level 1 (voice) fired."""
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                             vendor=people["vendor"])
        tm.shift(dt.timedelta(minutes=61))
        with django_capture_on_commit_callbacks(execute=True):
            engine.sweep()
    return ticket


def callback(payload: dict, *, secret: str = SECRET, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return APIClient().generic("POST", URL, body, content_type="application/json",
                               HTTP_X_VOICE_SIGNATURE=callback_signature(body, secret))


def resolution_call(ticket) -> VoiceCall:
    return VoiceCall.objects.get(notice__record__ticket=ticket, notice__record__clock__kind="resolution")


def test_voice_level_places_a_call_through_the_outbox(escalated, people):
    message = OutboxMessage.objects.get(ticket=escalated, channel="voice", notice__record__clock__kind="resolution")
    assert message.status == "sent" and message.recipient == "9100000001"
    assert "Press 1 to acknowledge" in message.body and "http" not in message.body
    call = VoiceCall.objects.get(message=message)
    assert call.status == "requested" and call.notice == message.notice
    assert (call.to, call.provider_call_id) in [(to, cid) for to, _t, cid in voice.ConsoleVoice.calls]
    assert not OutboxMessage.objects.filter(notice=message.notice, channel="sms").exists()


def test_pressed_1_acknowledges_via_voice(escalated, people):
    call = resolution_call(escalated)
    with time_machine.travel(T0 + dt.timedelta(minutes=63), tick=False):
        response = callback({"call_id": call.provider_call_id, "status": "completed", "digits": "1"})
    assert response.status_code == 200, response.content
    assert response.json() == {"call_id": call.provider_call_id, "status": "acknowledged", "acknowledged": True}
    call.refresh_from_db()
    assert call.status == "acknowledged" and call.finished_at is not None
    notice = call.notice
    notice.refresh_from_db()
    assert notice.ack_via == "voice" and notice.ack_seconds == 120
    assert not EscalationRecord.objects.filter(ticket=escalated, acknowledged_at__isnull=True).exists()
    event = TicketEvent.objects.get(ticket=escalated, kind="escalation_acknowledged")
    assert event.payload["via"] == "voice" and event.actor_id == people["eng1"].pk


@pytest.mark.parametrize(("status", "digits", "final"), [
    ("no_answer", "", "no_answer"), ("busy", "", "busy"), ("failed", "", "failed"),
    ("completed", "", "answered"), ("answered", "2", "answered"), ("no_answer", "1", "no_answer"),
])
def test_unanswered_call_acknowledges_nothing_and_the_ladder_goes_on(escalated, status, digits, final,
                                                                   django_capture_on_commit_callbacks):
    call = resolution_call(escalated)
    response = callback({"call_id": call.provider_call_id, "status": status, "digits": digits})
    assert response.status_code == 200 and response.json()["acknowledged"] is False
    call.refresh_from_db()
    assert call.status == final
    assert not Clock.objects.filter(ticket=escalated, acknowledged_at__isnull=False).exists()
    with time_machine.travel(T0 + dt.timedelta(minutes=77), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        engine.sweep()
    assert EscalationRecord.objects.filter(ticket=escalated, clock__kind="resolution", level=2).exists()


def test_bad_signature_and_bad_input_change_nothing(escalated, settings):
    call = resolution_call(escalated)
    good = {"call_id": call.provider_call_id, "status": "completed", "digits": "1"}
    assert callback(good, secret="wrong").status_code == 403
    body = json.dumps(good).encode()
    unsigned = APIClient().generic("POST", URL, body, content_type="application/json")
    assert unsigned.status_code == 403 and unsigned.json()["code"] == "bad_signature"
    for bad in ({"call_id": call.provider_call_id, "status": "pressed"},
                {"call_id": call.provider_call_id, "status": "completed", "digits": "1; DROP"},
                {"call_id": call.provider_call_id, "status": "completed", "extra": 1},
                {"status": "completed"}, [1, 2]):
        response = callback(bad)
        assert response.status_code == 400, bad
        assert response.json()["code"]
    assert callback({}, raw=b"\xff\xfe not json").status_code == 400
    settings.VOICE_CALLBACK_SECRET = ""
    assert callback(good, secret="").status_code == 403
    call.refresh_from_db()
    assert call.status == "requested"
    assert not Clock.objects.filter(ticket=escalated, acknowledged_at__isnull=False).exists()


def test_unknown_or_finished_call_is_refused(escalated):
    assert callback({"call_id": "no-such-call", "status": "completed", "digits": "1"}).status_code == 404
    call = resolution_call(escalated)
    assert callback({"call_id": call.provider_call_id, "status": "no_answer"}).status_code == 200
    again = callback({"call_id": call.provider_call_id, "status": "completed", "digits": "1"})
    assert again.status_code == 409 and again.json()["code"] == "call_finished"
    call.refresh_from_db()
    assert call.status == "no_answer"
    assert not Clock.objects.filter(ticket=escalated, acknowledged_at__isnull=False).exists()


def test_pending_call_is_cancelled_after_an_acknowledgement(voice_ladder, policy, people, make_ticket):
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                             vendor=people["vendor"])
        tm.shift(dt.timedelta(minutes=61))
        engine.sweep()  # outbox rows written; delivery not run (no on-commit callbacks here)
        escalation_acknowledge(ticket_id=ticket.pk, user=people["eng1"], via=EscalationNotice.Via.APP)
    message = OutboxMessage.objects.filter(ticket=ticket, channel="voice").first()
    assert message.status == "cancelled"
    assert deliver(message.pk) == "skipped"  # a late delivery task calls nobody
    assert not VoiceCall.objects.exists()


# --- The HTTP gateway, against a fake transport -------------------------------------------------
@pytest.fixture
def http_gateway(settings, monkeypatch):
    settings.VOICE_BACKEND = "http"
    settings.VOICE_GATEWAY_URL = "https://voice.example.in/v1/calls"
    settings.VOICE_GATEWAY_KEY = "k-123"
    seen: list[httpx.Request] = []
    answers: list = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0) if answers else httpx.Response(200, json={"call_id": f"c-{len(seen)}"})
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(voice.HttpVoiceGateway, "transport", httpx.MockTransport(handler))
    return seen, answers


def test_http_gateway_request_shape(http_gateway, escalated):
    seen, _answers = http_gateway
    assert seen, "the gateway was called"
    request = seen[0]
    assert request.url == "https://voice.example.in/v1/calls"
    assert request.headers["Authorization"] == "Bearer k-123"
    body = json.loads(request.content)
    assert body["to"] == "+919100000001" and body["acknowledge_digit"] == "1"
    assert body["callback_url"].endswith("/api/voice/callback/") and "Press 1" in body["message"]
    assert request.headers["Idempotency-Key"] == body["reference"]
    assert VoiceCall.objects.filter(provider_call_id="c-1").exists()


@pytest.mark.parametrize("answer", [
    httpx.Response(500, text="down"), httpx.Response(200, json={"no": "id"}), httpx.Response(200, text="<html>"),
    httpx.ConnectError("refused"),
], ids=["500", "no call id", "not json", "unreachable"])
def test_http_gateway_failure_is_retried(http_gateway, answer, voice_ladder, policy, people, make_ticket,
                                         django_capture_on_commit_callbacks):
    _seen, answers = http_gateway
    answers.extend([answer] * 10)
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                             vendor=people["vendor"])
        tm.shift(dt.timedelta(minutes=61))
        with django_capture_on_commit_callbacks(execute=True):
            engine.sweep()
    message = OutboxMessage.objects.filter(ticket=ticket, channel="voice").first()
    assert message.status == "pending" and message.attempts == 1 and message.last_error
    assert not VoiceCall.objects.exists()
