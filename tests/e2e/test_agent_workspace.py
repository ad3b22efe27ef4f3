"""An agent's call, end to end: the telephony webhook pops the caller on the answering agent's
console (live), the agent opens the caller's earlier ticket, replies with a canned response,
attaches a screenshot and resolves it in one submit; the citizen gets the SMS; the call ends in
the call log with its duration. Screenshots of the console and the ticket page (desktop and
phone, English and Hindi) go to docs/screenshots/."""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest

from .conftest import CTI_SECRET, PHONE, ROOT, assert_routed, chromium_missing, wait_live

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]
SHOTS = ROOT / "docs" / "screenshots"


def _cti(app_server, payload: dict) -> httpx.Response:
    from desk.calls import sign

    body = json.dumps(payload).encode()
    ts = int(time.time())
    return httpx.post(app_server.url("/api/cti/"), content=body, timeout=20, headers={
        "Content-Type": "application/json", "X-CTI-Timestamp": str(ts), "X-CTI-Signature": sign(body, ts, CTI_SECRET)})


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 500), (245, 245, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 860, 120), fill=(179, 38, 30))
    draw.text((60, 70), "OTP could not be sent. Try again later.", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_agent_takes_a_popped_call_replies_with_a_canned_response_attaches_and_resolves(app_server, new_page, login,
                                                                                        tmp_path: Path):
    assert_routed(app_server, "/desk/calls/", "calls (desk)")
    mobile = "9823456799"
    earlier = httpx.post(app_server.url("/api/public/tickets/"), json={
        "name": "Sunita Sahu", "mobile": mobile, "district": 1, "category": "otp-not-received", "language": "hi",
        "description": "ओटीपी नहीं आ रहा"}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
    assert earlier.status_code == 201, earlier.text
    number, display = earlier.json()["number"], earlier.json()["display_number"]
    app_server.django(
        "from accounts.models import User\nfrom tickets.canned import canned_create\n"
        "canned_create(title='OTP gateway delay', actor=User.objects.get(username='supervisor'),\n"
        "    body_en='Ticket {number}: OTP messages are delayed in {district}. Please try again after {eta}.',\n"
        "    body_hi='टिकट {number}: {district} में OTP संदेश देर से आ रहे हैं। कृपया {eta} के बाद फिर कोशिश करें।')\n")

    agent = new_page(viewport={"width": 1280, "height": 900})
    login(agent, "agent", next_path="/console/")
    agent.goto(app_server.url("/console/"))
    wait_live(agent)

    # The phone rings and the agent picks up: the provider tells us, and the console pops the caller.
    call_id = f"e2e-{uuid.uuid4().hex[:8]}"
    assert _cti(app_server, {"event": "newCall", "callId": call_id, "from": f"+91{mobile}", "to": "1800233",
                             "direction": "in"}).status_code == 200
    assert _cti(app_server, {"event": "answer", "callId": call_id, "user": "agent"}).status_code == 200
    agent.wait_for_selector(".call-pop", timeout=15_000)
    pop = agent.inner_text("#call-pop")
    assert display in pop and "******6799" in pop and "Caller's tickets" in pop
    SHOTS.mkdir(parents=True, exist_ok=True)
    agent.screenshot(path=str(SHOTS / "console-call-pop-desktop.png"), full_page=False)

    # The caller's earlier ticket, from the pop.
    agent.locator(f"#call-pop a[href='/tickets/{number}/']").click()
    agent.wait_for_url(re.compile(rf"/tickets/{number}/$"))
    assert agent.locator("#reply-form").is_visible()
    # Only the moves allowed from "New" are offered, in words.
    offered = agent.locator("#status-to option").all_inner_texts()
    assert offered[0].startswith("Keep: New") and "Closed" not in offered and "Resolved" in offered

    agent.select_option("#canned-picker", label="OTP gateway delay")
    agent.fill("#canned-eta", "6 pm")
    agent.dispatch_event("#canned-eta", "change")
    text = agent.input_value("#reply-body")
    assert text.startswith(f"टिकट {display}:") and "6 pm" in text and "{" not in text  # the citizen's language
    assert agent.is_checked("input[name=public][value=on]")
    shot = tmp_path / "otp-error.png"
    shot.write_bytes(_png())
    agent.set_input_files("#reply-form input[type=file]", str(shot))
    agent.select_option("#status-to", "resolved")
    assert agent.locator("#status-note textarea").evaluate("el => el.required")  # resolving needs the note
    agent.fill("#status-note textarea", "OTP route switched to the backup gateway")
    agent.screenshot(path=str(SHOTS / "ticket-page-desktop.png"), full_page=True)
    agent.locator("#send-update").click()
    agent.wait_for_url(re.compile(rf"/tickets/{number}/$"))
    agent.wait_for_selector(".messages li")
    assert "message sent" in agent.inner_text(".messages") and "status changed" in agent.inner_text(".messages")
    assert agent.inner_text("#ticket-status") == "Resolved"
    timeline = agent.inner_text("#timeline")
    assert "Public reply by" in timeline and "attached an image" in timeline
    assert "Status changed from New to Resolved by" in timeline and "clock_" not in timeline
    thumb = agent.locator("#comments .files img")
    assert thumb.count() == 1
    thumb.scroll_into_view_if_needed()  # lazy-loaded: it loads once on screen
    agent.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())  # served
    app_server.wait_outbox(mobile, r"OTP संदेश देर से आ रहे हैं")

    # The call ends: the log shows it with its duration and the ticket.
    time.sleep(1.2)
    assert _cti(app_server, {"event": "hangup", "callId": call_id, "cause": "normalClearing"}).status_code == 200
    agent.goto(app_server.url("/desk/calls/"))
    row = agent.locator("#call-log tbody tr").first.inner_text()
    assert "******6799" in row and re.search(r"\b\d+ s\b", row)

    # A missed call waits on the call-back list until the agent clears it.
    missed = f"e2e-{uuid.uuid4().hex[:8]}"
    _cti(app_server, {"event": "newCall", "callId": missed, "from": "9823456700", "direction": "in"})
    _cti(app_server, {"event": "hangup", "callId": missed, "cause": "noAnswer"})
    agent.goto(app_server.url("/console/"))
    agent.wait_for_selector("#callbacks-list li:has-text('******6700')")
    agent.locator("#callbacks-list li:has-text('******6700') button").click()
    agent.wait_for_load_state()
    agent.goto(app_server.url("/console/"))
    agent.wait_for_selector("#callbacks-list")
    assert "******6700" not in agent.inner_text("#callbacks-list")


def test_workspace_screenshots_on_a_phone_and_in_hindi(app_server, new_page, login):
    """The ticket page and the console phone-sized and in Hindi: no English labels on the form."""
    assert_routed(app_server, "/desk/calls/", "calls (desk)")
    created = httpx.post(app_server.url("/api/public/tickets/"), json={
        "name": "Mohan Lal", "mobile": "9823456711", "district": 1, "category": "portal-down",
        "description": "Portal shows error 502"}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
    number = created.json()["number"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = new_page(**PHONE)
    login(phone, "agent", next_path="/console/")
    phone.goto(app_server.url(f"/tickets/{number}/"))
    phone.screenshot(path=str(SHOTS / "ticket-page-phone.png"), full_page=True)
    phone.goto(app_server.url("/console/"))
    phone.screenshot(path=str(SHOTS / "console-phone.png"), full_page=False)
    # Hindi
    phone.locator("label.nav-toggle-label").click()  # the staff menu is folded on a phone
    phone.locator("form.lang button").first.click()
    phone.wait_for_load_state()
    phone.goto(app_server.url(f"/tickets/{number}/"))
    # Names are data (the vendor's, a canned response's title); every label must be Hindi.
    form = phone.evaluate("""() => { const f = document.querySelector('#reply-form').cloneNode(true);
      f.querySelectorAll('select[name=vendor] option, #canned-picker option').forEach(o => o.remove());
      return f.innerText; }""")
    assert "भेजें" in form and "स्थिति" in form
    english = set(re.findall(r"[A-Za-z]{4,}", form)) - {"English", "username"}
    assert not english, english
    phone.screenshot(path=str(SHOTS / "ticket-page-phone-hi.png"), full_page=True)


def test_an_assignment_rings_the_agents_bell_live(app_server, new_page, login):
    """A supervisor assigns a ticket to the agent: the agent's open console counts it at once."""
    assert_routed(app_server, "/desk/notifications/", "agent notifications (desk)")
    created = httpx.post(app_server.url("/api/public/tickets/"), json={
        "name": "Kamla Bai", "mobile": "9823456722", "district": 1, "category": "certificate",
        "description": "Certificate shows the wrong date"}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
    number = created.json()["number"]
    agent = new_page(viewport={"width": 1280, "height": 900})
    login(agent, "agent2", next_path="/console/")
    agent.goto(app_server.url("/console/"))
    wait_live(agent)
    before = int(agent.inner_text("#bell-count"))
    agent.evaluate("window.__e2eNoReload = true")

    supervisor = new_page(viewport={"width": 1280, "height": 900})
    login(supervisor, "supervisor", next_path=f"/tickets/{number}/")
    supervisor.goto(app_server.url(f"/tickets/{number}/"))
    supervisor.select_option("select[name=assignee]", label="Kavita Yadav")  # agent2
    supervisor.locator("form:has(select[name=assignee]) button").click()
    supervisor.wait_for_load_state()

    agent.wait_for_function(f"() => Number(document.getElementById('bell-count').textContent) === {before + 1}",
                            timeout=15_000)
    assert agent.evaluate("window.__e2eNoReload === true")
    agent.locator("#bell").click()
    agent.wait_for_url(re.compile(r"/desk/notifications/$"))
    assert f"assigned ticket {created.json()['display_number']} to you" in agent.inner_text("#notification-list")
