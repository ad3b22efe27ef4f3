"""The citizen's journey (no account) through the pages and the public API."""

import re

import pytest

from tickets.models import Comment, Ticket

pytestmark = pytest.mark.django_db


def complaint_form(raipur, **extra):
    return {"name": "Sita Sahu", "mobile": "+91 98765 04321", "district": str(raipur.pk),
            "category": "otp-not-received", "description": "OTP nahi aa raha", "reference_id": "",
            "language": "hi", **extra}


def link_from(sent_sms):
    [(to, body, key)] = [m for m in sent_sms() if m[2].endswith(":created")]
    match = re.search(r"(/t/[A-Z0-9]+/[A-Za-z0-9_\-]+/)", body)
    return to, body, match.group(1)


def test_citizen_complaint_status_and_reply(client, raipur, sent_sms, agent):
    page = client.get("/complaint/")
    assert page.status_code == 200 and b'name="mobile"' in page.content
    r = client.post("/complaint/", complaint_form(raipur), follow=True)
    assert r.redirect_chain[0][1] == 303 and r.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.display_number.encode() in r.content
    assert ticket.requester_mobile == "9876504321" and ticket.channel == "web"
    assert ticket.requester_kind == "citizen" and ticket.requester_language == "hi"
    to, body, link = link_from(sent_sms)
    assert to == "9876504321" and "शिकायत" in body

    # status by number + mobile
    r = client.post("/status/ticket/", {"number": ticket.display_number.lower(), "mobile": "09876504321"})
    assert r.status_code == 200 and b'id="ticket-status"' in r.content

    # the secret link shows the thread; an agent's public reply appears, an internal note does not
    from tickets.services import Actor, ticket_comment, ticket_transition

    ticket_comment(ticket_id=ticket.pk, body="Please try again now", actor=Actor.of(agent), is_public=True)
    ticket_comment(ticket_id=ticket.pk, body="SECRET internal note", actor=Actor.of(agent), is_public=False)
    r = client.get(link)
    assert r.status_code == 200
    assert b"Please try again now" in r.content and b"SECRET internal note" not in r.content

    # the citizen replies on a resolved ticket: it reopens
    ticket_transition(ticket_id=ticket.pk, to="resolved", actor=Actor.of(agent))
    r = client.post(link, {"body": "Still no OTP"})
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "reopened" and ticket.reopened_count == 1
    assert Comment.objects.filter(ticket=ticket, author_kind="citizen", is_public=True, body="Still no OTP").exists()


def test_citizen_reply_resumes_awaiting_citizen(client, make_ticket, sent_sms, agent):
    from tickets.services import Actor, ticket_transition

    ticket = make_ticket(mobile="9876504300")
    _, _, link = link_from(sent_sms)
    ticket_transition(ticket_id=ticket.pk, to="awaiting_citizen", actor=Actor.of(agent))
    client.post(link, {"body": "Here is my reference"})
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_repeat_complaint_is_attached_without_revealing_the_number(client, raipur, sent_sms):
    client.post("/complaint/", complaint_form(raipur))
    r = client.post("/complaint/", complaint_form(raipur, description="again"), follow=True)
    assert r.status_code == 200 and b'id="attached"' in r.content
    ticket = Ticket.objects.get()
    assert ticket.chased_count == 1
    assert ticket.display_number.encode() not in r.content
    assert any(key.startswith(f"ticket:{ticket.pk}:chased:") for _, _, key in sent_sms())


@pytest.mark.parametrize("number, mobile", [
    ("{n}", "9999999999"),        # someone else's mobile
    ("ZZZZZZZZ", "{m}"),          # unknown ticket
    ("{n}", "12345"),             # malformed mobile
    ("<script>", "{m}"),          # malformed number
    ("", ""),                     # nothing
    ("{n}' OR 1=1 --", "{m}"),    # SQL fragment
])
def test_status_lookup_not_found_is_identical(client, make_ticket, number, mobile):
    ticket = make_ticket(mobile="9876504399")
    reference = client.post("/status/ticket/", {"number": "ZZZZZZZZ", "mobile": "9876504399"})
    r = client.post("/status/ticket/", {"number": number.format(n=ticket.number),
                                        "mobile": mobile.format(m="9876504399")})
    assert r.status_code == reference.status_code == 404
    strip = re.compile(rb'name="(csrfmiddlewaretoken|number|mobile)" value="[^"]*"')
    assert strip.sub(b"", r.content) == strip.sub(b"", reference.content)


def test_wrong_secret_is_404(client, make_ticket):
    ticket = make_ticket()
    assert client.get(f"/t/{ticket.number}/not-the-right-secret-xx/").status_code == 404
    other = make_ticket()
    assert client.get(f"/t/{other.number}/x/").status_code == 404


@pytest.mark.parametrize("field, value", [
    ("mobile", "12345"), ("mobile", "५९८७६५४३२१०"), ("mobile", "5876504321"), ("mobile", "98765043210000000000"),
    ("district", "999"), ("district", "abc"), ("district", "१"), ("district", ""), ("category", "nope"),
    ("description", ""), ("description", "x" * 5001), ("name", ""), ("name", "n" * 121),
    ("reference_id", "1234567890123"), ("reference_id", "123456789012345"), ("reference_id", "१२३४५६७८९०१२३४"),
    ("reference_id", "1234567890123%"), ("reference_id", "1e13"), ("reference_id", "-1234567890123"),
    ("reference_id", "<b>1234567890</b>"), ("reference_id", "12345 678901234"), ("language", "fr"),
])
def test_complaint_form_bad_input(client, raipur, field, value):
    r = client.post("/complaint/", complaint_form(raipur, **{field: value}))
    assert r.status_code == 400
    assert b'id="form-error"' in r.content
    assert Ticket.objects.count() == 0


def test_complaint_form_refuses_duplicate_parameters(client, raipur):
    data = complaint_form(raipur)
    data["reference_id"] = ["12345678901234", "43210987654321"]
    assert client.post("/complaint/", data).status_code == 400


def test_html_in_complaint_is_escaped_when_shown(client, raipur, sent_sms, agent):
    script = "<script>alert(1)</script>"
    client.post("/complaint/", complaint_form(raipur, description=script))
    ticket = Ticket.objects.get()
    assert ticket.description == script
    _, _, link = link_from(sent_sms)
    page = client.get(link)
    assert script.encode() not in page.content and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.number}/")
    assert script.encode() not in page.content and b"&lt;script&gt;" in page.content


def test_complaint_form_is_rate_limited_per_mobile(client, raipur, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_mobile": "2/min"}}
    for i in range(2):
        client.post("/complaint/", complaint_form(raipur, category=["otp-not-received", "certificate"][i]))
    r = client.post("/complaint/", complaint_form(raipur, category="other"))
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1
    # another mobile still gets through
    r = client.post("/complaint/", complaint_form(raipur, mobile="9876504322"))
    assert r.status_code == 303


def test_status_lookup_rate_limited_per_ip(client, make_ticket, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_ip": "3/min"}}
    for _ in range(3):
        assert client.post("/status/ticket/", {"number": "ZZZZZZZZ", "mobile": f"98765{_:05d}"}).status_code == 404
    r = client.post("/status/ticket/", {"number": "ZZZZZZZZ", "mobile": "9876500009"})
    assert r.status_code == 429 and r["Retry-After"]


# --- the public API -----------------------------------------------------------------------------

def api_body(raipur, **extra):
    return {"name": "Sita", "mobile": "9876504321", "district": raipur.pk, "category": "otp-not-received",
            "description": "OTP nahi aa raha", **extra}


def test_public_api_journey(api, raipur, sent_sms):
    r = api.post("/api/public/tickets/", api_body(raipur), format="json")
    assert r.status_code == 201
    number = r.json()["number"]
    assert "secret" not in str(r.json()) and "/t/" not in str(r.json())
    r = api.post("/api/public/tickets/status/", {"number": number, "mobile": "9876504321"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "new"
    _, _, link = link_from(sent_sms)
    _, _, num, secret, _ = link.split("/")
    r = api.get(f"/api/public/tickets/{num}/{secret}/")
    assert r.status_code == 200 and r.json()["number"] == number
    r = api.post(f"/api/public/tickets/{num}/{secret}/", {"body": "any news?"}, format="json")
    assert r.status_code == 201 and r.json()["comments"][-1]["body"] == "any news?"
    wrong = secret[:-1] + ("y" if secret[-1] != "y" else "z")
    assert api.get(f"/api/public/tickets/{num}/{wrong}/").status_code == 404


def test_public_api_idempotency(api, raipur):
    first = api.post("/api/public/tickets/", api_body(raipur), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/public/tickets/", api_body(raipur), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Ticket.objects.count() == 1
    other = api.post("/api/public/tickets/", api_body(raipur, description="different"), format="json",
                     HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422


@pytest.mark.parametrize("override", [
    {"reference_id": 12345678901234}, {"reference_id": ["12345678901234"]}, {"reference_id": "1234567890123"},
    {"reference_id": "１２３４５６７８９０１２３４"}, {"reference_id": "1.2345678901234e13"}, {"mobile": 9876504321},
    {"mobile": "+1 202 555 0100"}, {"district": "1x"}, {"district": "１"}, {"district": 1.5}, {"district": None}, {"category": None},
    {"description": {"a": 1}}, {"extra_field": "x"}, {"name": "x" * 121}, {"language": "xx"},
    {"description": "\x00"},
])
def test_public_api_bad_input_is_400(api, raipur, override):
    body = {**api_body(raipur), **override}
    r = api.post("/api/public/tickets/", body, format="json")
    assert r.status_code == 400, r.json()
    assert Ticket.objects.count() == 0


def test_public_api_status_not_found_is_identical(api, make_ticket):
    ticket = make_ticket(mobile="9876504398")
    answers = {api.post("/api/public/tickets/status/", body, format="json").content for body in [
        {"number": ticket.number, "mobile": "9999999999"}, {"number": "ZZZZZZZZ", "mobile": "9876504398"},
        {"number": ticket.number, "mobile": 9876504398}, {"number": ["x"], "mobile": "9876504398"},
        {"number": ticket.number, "mobile": "9876504398", "extra": 1}, {},
    ]}
    assert len(answers) == 1


def test_public_api_rate_limited(api, raipur, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_mobile": "1/min"}}
    assert api.post("/api/public/tickets/", api_body(raipur), format="json").status_code == 201
    r = api.post("/api/public/tickets/", api_body(raipur, category="other"), format="json")
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1 and r.json()["code"] == "throttled"


def test_oversized_form_is_400_not_500(client, raipur, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = client.post("/complaint/", complaint_form(raipur, description="x" * 20_000))
    assert r.status_code == 400
    assert Ticket.objects.count() == 0
    r = client.post("/api/public/tickets/", {"description": "x" * 20_000}, content_type="application/json")
    assert r.status_code == 413


def test_rate_limit_window_reopens(api, raipur, settings):
    import time_machine

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_ip": "2/min"}}
    body = {"number": "ZZZZZZZZ", "mobile": "9876504321"}
    with time_machine.travel("2026-05-03 10:00:00+05:30", tick=False) as clock:
        assert api.post("/api/public/tickets/status/", body, format="json").status_code == 404
        assert api.post("/api/public/tickets/status/", body, format="json").status_code == 404
        r = api.post("/api/public/tickets/status/", body, format="json")
        assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 60
        if settings.EMBEDDED:  # Redis expires keys on its own clock; locmem follows ours
            clock.shift(61)
            assert api.post("/api/public/tickets/status/", body, format="json").status_code == 404
