"""Journeys of the accountability loop, phone-sized where the person is on a phone: the on-call
engineer works a P1 from the SMS link alone (acknowledge, a public ETA, restored on our side);
the desk resolves; the citizen gets the ETA and resolution SMS and rates with a tap; an officer
reassigns from their view; a Hindi citizen reads the resolution in Hindi."""

from __future__ import annotations

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
ENGINEERS = ("9000000007", "9000000008")


def _complaint(app_server, mobile: str, *, language: str = "en", category: str = "portal-down") -> tuple[str, str]:
    response = httpx.post(app_server.url("/api/public/tickets/"), json={
        "name": "Kiran Sahu", "mobile": mobile, "district": 1, "category": category, "language": language,
        "description": "Portal shows 502 since morning"}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
    assert response.status_code == 201, response.text
    return response.json()["number"], response.json()["display_number"]


def _escalation_link(app_server, display: str, recipients=ENGINEERS) -> tuple[str, str]:
    """The first escalation SMS with a link for the ticket, to one of `recipients`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = app_server.sql(
            "SELECT recipient, body FROM escalation_outboxmessage WHERE channel = 'sms' AND body LIKE ? "
            "AND body LIKE '%/ack/%' ORDER BY id", (f"%{display}%",))
        rows = [r for r in rows if r[0] in recipients]
        if rows:
            recipient, body = rows[0]
            link = re.search(r"https?://\S+/ack/\S+?/", body).group(0)
            return recipient, link.replace("http://127.0.0.1:8000", app_server.base)
        time.sleep(0.5)
    raise AssertionError(f"no escalation SMS for {display}: {app_server.log()[-1500:]}")


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_engineer_works_the_ticket_from_the_sms_link_and_the_citizen_rates(app_server, new_page, login, tmp_path):
    assert_routed(app_server, "/vendor/", "the vendor workspace")
    citizen = "9834567001"
    number, display = _complaint(app_server, citizen)
    app_server.django(MAKE_DUE.format(number=number))
    _recipient, link = _escalation_link(app_server, display)

    phone = new_page(**PHONE)
    phone.goto(link)
    assert display in phone.inner_text("h1")
    assert not phone.locator("#progress-button").count(), "offered progress before the acknowledgement"
    _fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "1-link.png"), full_page=True)
    phone.locator("#ack-button").tap()
    phone.wait_for_selector("#ack-done")
    assert not phone.locator("#ack-button").count()

    # A public ETA "in 30 minutes": the citizen's SMS carries the note and the time.
    phone.fill("input[name=eta_in]", "30")
    phone.select_option("select[name=eta_unit]", "minutes")
    phone.fill("#progress textarea[name=note]", "Switching the database to the standby server")
    phone.check("input[name=public][value='1']")
    phone.locator("#progress-button").tap()
    phone.wait_for_selector("#action-done")
    assert "ETA" in phone.inner_text("#eta-state")
    app_server.wait_outbox(citizen, r"Switching the database.*Expected by \d\d-\d\d \d\d:\d\d")
    _fits_the_phone(phone)
    phone.screenshot(path=str(tmp_path / "2-eta.png"), full_page=True)

    phone.fill("#restore textarea[name=note]", "Standby is serving")
    phone.locator("#restore-button").tap()
    phone.wait_for_selector("#finished")
    assert not phone.locator("#restore-button").count() and not phone.locator("#progress-button").count()
    assert "restored" in phone.inner_text("#timeline").lower()
    phone.screenshot(path=str(tmp_path / "3-restored.png"), full_page=True)
    status = app_server.sql("SELECT status FROM tickets_ticket WHERE number = ?", (number,))[0][0]
    assert status == "in_progress", "restored should hand the ticket back to the desk"

    # The desk confirms with the citizen and resolves with a note.
    desk = new_page()
    login(desk, "agent", next_path=f"/tickets/{number}/")
    desk.fill("#reply-body", "Registration works again; please retry")
    desk.check("input[name=public][value=on]")
    desk.select_option("#status-to", "resolved")
    desk.fill("#status-note textarea", "Portal database restored")
    desk.click("#send-update")
    desk.wait_for_load_state()
    app_server.wait_outbox(citizen, r"Registration works again")  # the public reply
    rate = app_server.wait_outbox(citizen, r"is resolved: Portal database restored.*?(https?://\S+/rate/\S+?/)")
    rate_link = rate.group(1).replace("http://127.0.0.1:8000", app_server.base)

    # The citizen taps the rating link and a star.
    citizen_phone = new_page(**PHONE)
    citizen_phone.goto(rate_link)
    assert "Resolved" in citizen_phone.inner_text("#timeline")
    _fits_the_phone(citizen_phone)
    citizen_phone.locator(".rating-button", has_text="5").tap()
    citizen_phone.wait_for_selector("#rating-done")
    citizen_phone.screenshot(path=str(tmp_path / "4-rated.png"), full_page=True)
    rows = app_server.sql("SELECT r.score, r.via FROM tickets_rating r JOIN tickets_ticket t ON t.id = r.ticket_id "
                          "WHERE t.number = ?", (number,))
    assert rows == [(5, "link")]


def test_officer_reassigns_from_their_view(app_server, new_page, login):
    assert_routed(app_server, "/vendor/team/", "the officers' view")
    number, display = _complaint(app_server, "9834567002")
    app_server.django(MAKE_DUE.format(number=number))
    recipient, _link = _escalation_link(app_server, display)
    other = ENGINEERS[1] if recipient == ENGINEERS[0] else ENGINEERS[0]
    other_name = "Neha Dewangan" if other == "9000000008" else "Vikas Singh"

    page = new_page(**PHONE)
    login(page, "officer", next_path="/vendor/team/")
    row = page.locator(".team-row", has_text=display).first
    row.wait_for()
    assert "not acknowledged" in row.inner_text()
    row.locator("select[name=to_user]").select_option(label=other_name)
    row.locator(".reassign-button").tap()
    page.wait_for_selector("#action-done")
    _fits_the_phone(page)
    app_server.wait_outbox(other, rf"{display}.*handed to you by Rajesh Tiwari.*/ack/")


def test_a_hindi_citizen_reads_the_resolution_in_hindi(app_server, new_page):
    assert_routed(app_server, "/vendor/", "the vendor workspace")
    citizen = "9834567003"
    number, _display = _complaint(app_server, citizen, language="hi", category="certificate")
    app_server.django(
        "from accounts.models import User\nfrom tickets.models import Ticket\n"
        "from tickets.services import Actor, ticket_transition\n"
        f"ticket = Ticket.objects.get(number={number!r})\n"
        "ticket_transition(ticket_id=ticket.pk, to='resolved', actor=Actor.of(User.objects.get(username='agent')),"
        " note='Certificate regenerated')\nresult = ticket.pk")
    sms = app_server.wait_outbox(citizen, r"हल हो गई: Certificate regenerated.*?(https?://\S+/rate/\S+?/)")
    page = new_page(**PHONE, locale="en-IN")  # an English phone: the page still follows the ticket
    page.goto(sms.group(1).replace("http://127.0.0.1:8000", app_server.base))
    assert page.get_attribute("html", "lang") == "hi"
    text = page.inner_text("main")
    assert "समाधान: Certificate regenerated" in text and "हमारी मदद कैसी रही?" in text
    assert not re.search(r"\b(Resolved|Status|How was)\b", text), "English on the Hindi page"
