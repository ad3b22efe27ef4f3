"""live.js notices a missed event and resyncs: on an agent's console, an event whose number skips
two in its group (or a pong ahead of the last event seen) is a gap; after the grace period the
page fires helpdesk:resync (reason "gap") and fetches the ticket events it missed from
/api/live/events/?since=<last event id>, replaying them."""

import json
import uuid

import httpx
import pytest

from .conftest import assert_routed, chromium_missing, wait_live

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]

RECORD = """() => {
  window.__resyncs = []; window.__events = [];
  document.addEventListener("helpdesk:resync", e => window.__resyncs.push(e.detail));
  document.addEventListener("helpdesk:event", e => window.__events.push(e.detail));
}"""


def _inject(page, message: dict) -> None:
    """A message as if the server had sent it, on the page's open live socket."""
    page.evaluate("(m) => { const s = window.__e2eSockets.find(s => s.readyState === 1); "
                  "s.onmessage({data: m}); }", json.dumps(message))


def _complaint(app_server) -> str:
    response = httpx.post(app_server.url("/api/public/tickets/"), json={
        "name": "Asha", "mobile": f"9{uuid.uuid4().int % 10**9:09d}", "district": 1, "category": "otp-not-received",
        "description": "OTP not received"}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
    assert response.status_code == 201, response.text
    return response.json()["number"]


def test_a_skipped_sequence_number_makes_the_console_resync_from_the_events_api(app_server, new_page, login):
    assert_routed(app_server, "/console/", "agents' console")
    page = new_page(viewport={"width": 1280, "height": 800})
    login(page, "agent", next_path="/console/")
    page.goto(app_server.url("/console/"))
    wait_live(page)
    page.evaluate(RECORD)
    number = _complaint(app_server)
    page.wait_for_function("(n) => window.__events.some(e => e.number === n && e.group === 'console')", arg=number)
    last = page.evaluate("(n) => window.__events.filter(e => e.number === n && e.group === 'console')"
                         ".map(e => e.seq).pop()", number)
    assert page.evaluate("window.__resyncs.length") == 0, "no gap yet, no resync"

    # Events of the console group never arrive; a later one does. The jump is wide because the
    # complaint's own follow-up events (its receipt, its SLA clock) may still be on their way and
    # would close a hole of two.
    with page.expect_request(lambda r: "/api/live/events/?since=" in r.url, timeout=10_000) as fetched:
        _inject(page, {"type": "ticket.comment_added", "group": "console", "seq": last + 1_000, "event_id": 1,
                       "ticket_id": 0, "number": "X"})
        page.wait_for_function("() => window.__resyncs.some(d => d.reason === 'gap')", timeout=5_000)
    assert page.evaluate("window.__resyncs")[0] == {"reason": "gap", "groups": ["console"]}
    response = fetched.value.response()
    assert response is not None and response.status == 200

    # The last event lost: only the pong says there is more than the page has seen.
    page.evaluate("window.__resyncs = []")
    _inject(page, {"type": "pong", "seq": {"console": last + 2_000}})
    page.wait_for_function("() => window.__resyncs.some(d => d.reason === 'gap')", timeout=5_000)
    # Numbers caught up: a pong that matches is no gap.
    page.evaluate("window.__resyncs = []")
    _inject(page, {"type": "pong", "seq": {"console": last + 2_000}})
    page.wait_for_timeout(2_000)
    assert page.evaluate("window.__resyncs.length") == 0
