"""Journey: a P1 "portal down" complaint escalates on its own (the server's timer sweeps); the
on-call vendor engineer gets an SMS with a signed link and, on a phone, without logging in,
acknowledges from it. Opening the link (as SMS apps prefetch it) changes nothing."""

import re
import time
import uuid

import httpx
import pytest

from .conftest import PHONE, assert_routed, chromium_missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]

MAKE_DUE = """
import datetime as dt
from django.db.models import F
from django.utils import timezone
from escalation.models import Clock, TicketSLA
from tickets.models import Ticket
ticket = Ticket.objects.get(number="{number}")
shift = dt.timedelta(hours=1)
Clock.objects.filter(ticket=ticket).exclude(state="stopped").update(
    started_at=F("started_at") - shift, resumed_at=F("resumed_at") - shift, due_at=F("due_at") - shift)
TicketSLA.objects.filter(ticket=ticket).update(next_action_at=timezone.now())
result = ticket.pk
"""


def test_vendor_engineer_acknowledges_from_the_signed_link_on_a_phone(app_server, new_page):
    assert_routed(app_server, "/vendor/", "vendor queue and acknowledgement links (escalation)")
    complaint = httpx.post(app_server.url("/api/public/tickets/"), json={
        "name": "Kiran Sahu", "mobile": "9834567812", "district": 1, "category": "portal-down",
        "description": "Portal shows 502 since morning"}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
    assert complaint.status_code == 201, complaint.text
    number, display = complaint.json()["number"], complaint.json()["display_number"]
    ticket_id = app_server.django(MAKE_DUE.format(number=number))

    # The timer fires the ladder; level 1 goes to the engineer on call (a demo engineer's mobile).
    deadline = time.monotonic() + 60
    rows = []
    while time.monotonic() < deadline and not rows:
        rows = app_server.sql(
            "SELECT recipient, body FROM escalation_outboxmessage WHERE channel = 'sms' AND body LIKE ? "
            "AND body LIKE '%/ack/%' ORDER BY id", (f"%{display}%",))
        time.sleep(0.5)
    assert rows, f"no escalation SMS with an acknowledgement link for {display}: {app_server.log()[-1500:]}"
    recipient, body = rows[0]
    assert recipient in ("9000000007", "9000000008"), f"level 1 went to {recipient}, not the engineer on call"
    link = re.search(r"https?://\S+/ack/\S+?/", body).group(0).replace("http://127.0.0.1:8000", app_server.base)
    notice_id = app_server.django(
        "from escalation.links import read_ack_token\n"
        f"result = read_ack_token({link.rstrip('/').rsplit('/', 1)[1]!r})")

    def acknowledged():
        return app_server.sql("SELECT acknowledged_at, ack_via FROM escalation_escalationnotice WHERE id = ?",
                              (notice_id,))[0]

    page = new_page(**PHONE)
    page.goto(link)
    assert display in page.inner_text("h1")
    assert acknowledged() == (None, ""), "opening the link (a GET) acknowledged the escalation"
    # Usable on the phone: no sideways scrolling, the button within the screen's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    button = page.locator("#ack-button")
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    button.tap()
    page.wait_for_selector("#ack-done")
    at, via = acknowledged()
    assert at is not None and via == "link"
    events = app_server.sql("SELECT kind FROM tickets_ticketevent WHERE ticket_id = ? AND kind = ?",
                            (ticket_id, "escalation_acknowledged"))
    assert events, "no escalation_acknowledged event on the ticket"

    # The same link again (a second tap, a retry): idempotent.
    page.goto(link)
    if page.locator("#ack-button").count():
        page.locator("#ack-button").tap()
        page.wait_for_selector("#ack-done")
        assert re.search(r"[Aa]lready|पहले", page.inner_text("#ack-done"))
    assert acknowledged()[0] == at

    # A forged link: not valid, nothing revealed.
    page.goto(link.rstrip("/")[:-3] + "xyz/")
    assert page.locator("#ack-button").count() == 0
