"""The inbound SMS webhook."""

import pytest

from tickets.models import Comment
from tickets.services import Actor, ticket_transition

pytestmark = pytest.mark.django_db
URL = "/api/sms/inbound/"


def sms(api, sender, text, **headers):
    return api.post(URL, {"sender": sender, "text": text}, format="json", **headers)


def test_status_request_answers_in_the_senders_language(api, make_ticket, sent_sms):
    ticket = make_ticket(mobile="9876504321", requester_language="hi")
    r = sms(api, "+919876504321", f"status {ticket.display_number}")
    assert r.status_code == 200 and r.json()["action"] == "status_sent"
    to, body, _ = sent_sms()[-1]
    assert to == "9876504321" and ticket.display_number in body and "नया" in body


def test_status_request_from_another_mobile_reveals_nothing(api, make_ticket, sent_sms):
    ticket = make_ticket(mobile="9876504321")
    sms(api, "9876500000", f"STATUS {ticket.number}")
    to, body, _ = sent_sms()[-1]
    assert to == "9876500000" and ticket.display_number not in body and ticket.number not in body


def test_other_text_becomes_a_public_comment(api, make_ticket):
    ticket = make_ticket(mobile="9876504321")
    r = sms(api, "9876504321", "still no OTP <b>today</b>")
    assert r.json()["action"] == "comment_added"
    comment = Comment.objects.get(ticket=ticket, channel="sms")
    assert comment.is_public and comment.author_kind == "citizen" and comment.body == "still no OTP <b>today</b>"


def test_sms_reply_reopens_a_resolved_ticket(api, make_ticket, agent):
    ticket = make_ticket(mobile="9876504321")
    ticket_transition(ticket_id=ticket.pk, to="resolved", actor=Actor.of(agent))
    sms(api, "9876504321", "not fixed")
    ticket.refresh_from_db()
    assert ticket.status == "reopened"


def test_unknown_mobile_gets_instructions_and_no_ticket(api, sent_sms):
    from tickets.models import Ticket

    r = sms(api, "9876504321", "help me")
    assert r.json()["action"] == "instructions_sent"
    assert Ticket.objects.count() == 0
    assert "/complaint/" in sent_sms()[-1][1]


def test_gateway_key_is_required_when_configured(api, settings, make_ticket):
    settings.SMS_INBOUND_KEY = "s3cret"
    assert sms(api, "9876504321", "hello").status_code == 403
    assert sms(api, "9876504321", "hello", HTTP_X_GATEWAY_KEY="wrong").status_code == 403
    assert sms(api, "9876504321", "hello", HTTP_X_GATEWAY_KEY="s3cret").status_code == 200


@pytest.mark.parametrize("body", [{"sender": "123", "text": "x"}, {"sender": "9876504321"},
                                  {"sender": "9876504321", "text": 5}, {"sender": "9876504321", "text": "x", "y": 1},
                                  {"sender": "9876504321", "text": "x" * 1601}, [1]])
def test_bad_webhook_bodies_are_400(api, body):
    assert api.post(URL, body, format="json").status_code == 400


def test_webhook_throttled_per_sender(api, settings):
    settings.SMS_INBOUND_KEY = "k"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_mobile": "2/min", "anon_ip": "1/min"}}
    for _ in range(2):  # the IP limit does not apply to an authenticated gateway
        assert sms(api, "9876504321", "hi", HTTP_X_GATEWAY_KEY="k").status_code == 200
    r = sms(api, "9876504321", "hi", HTTP_X_GATEWAY_KEY="k")
    assert r.status_code == 429 and r["Retry-After"]
    assert sms(api, "9876504322", "hi", HTTP_X_GATEWAY_KEY="k").status_code == 200


def test_status_asked_twice_is_answered_twice_but_a_gateway_retry_once(api, make_ticket, sent_sms):
    ticket = make_ticket(mobile="9876504321")
    before = len(sent_sms())
    sms(api, "9876504321", f"STATUS {ticket.number}")
    sms(api, "9876504321", f"STATUS {ticket.number}")
    assert len(sent_sms()) == before + 2
    for _ in range(2):
        api.post(URL, {"sender": "9876504321", "text": f"STATUS {ticket.number}", "id": "gw-1"}, format="json")
    assert len(sent_sms()) == before + 3


def test_the_same_sms_posted_twice_makes_one_comment(api, make_ticket):
    from tickets.models import Comment, InboundSms

    ticket = make_ticket(mobile="9876504321")
    body = {"sender": "9876504321", "text": "Still no OTP", "id": "gw-77"}
    first = api.post(URL, body, format="json")
    again = api.post(URL, body, format="json")
    assert first.json() == again.json() == {"action": "comment_added"}
    assert Comment.objects.filter(ticket=ticket, body="Still no OTP").count() == 1
    assert InboundSms.objects.get(gateway_id="gw-77").action == "comment_added"
    # Another message with the same text is another comment.
    api.post(URL, {**body, "id": "gw-78"}, format="json")
    assert Comment.objects.filter(ticket=ticket, body="Still no OTP").count() == 2


def test_commands_are_read_in_one_place():
    from tickets.sms import Command, parse_command

    assert parse_command("STATUS K7M4QX2P") == Command("status", "K7M4QX2P")
    assert parse_command("स्थिति K7M4QX2P") == Command("status", "K7M4QX2P")
    assert parse_command("status of my complaint please") == Command("text", "status of my complaint please")
