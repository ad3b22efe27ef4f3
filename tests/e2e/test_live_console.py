"""Journeys through the live pages: two agents' consoles, and the public status page while a
supervisor posts an incident update. Nothing reloads: a marker set on the page before the
change is still there after it (a reload would have wiped it)."""

import re
import uuid

import httpx
import pytest

from .conftest import PHONE, assert_routed, chromium_missing, wait_live

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]


def _mark_no_reload(page) -> None:
    page.evaluate("window.__e2eNoReload = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__e2eNoReload === true")


def test_agent_takes_a_call_and_the_ticket_appears_live_on_another_console(app_server, new_page, login):
    assert_routed(app_server, "/console/", "agents' console (tickets)")
    # The caller complained on the web yesterday: an earlier ticket under their mobile.
    mobile = "9823456781"
    earlier = httpx.post(app_server.url("/api/public/tickets/"), json={
        "name": "Ramesh Kumar", "mobile": mobile, "district": 1, "category": "otp-not-received",
        "description": "OTP not received"}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
    assert earlier.status_code == 201, earlier.text
    earlier_number = earlier.json()["display_number"]

    watcher = new_page()
    login(watcher, "agent2", next_path="/console/")
    watcher.goto(app_server.url("/console/"))
    wait_live(watcher)
    _mark_no_reload(watcher)

    agent = new_page()
    login(agent, "agent", next_path="/console/")
    agent.goto(app_server.url("/console/"))
    # Find the caller by mobile, as given on the phone.
    agent.fill("#caller-search input[name=q]", f"0{mobile}")
    agent.locator("#caller-search button").click()
    agent.wait_for_load_state()
    assert earlier_number in agent.inner_text("#caller-tickets")
    # The form is prefilled from the caller's last ticket; a different problem this time.
    assert agent.input_value("#new-ticket input[name=mobile]") == mobile
    agent.select_option("#new-ticket select[name=category]", "slot-not-shown")
    agent.fill("#new-ticket textarea[name=description]", "Caller sees no slots at the Raipur centre")
    agent.fill("#new-ticket textarea[name=notes]", "Called from a PCO; call back after 6 pm")
    agent.locator("#new-ticket button[type=submit]").click()
    agent.wait_for_url(re.compile(r"/tickets/[A-Z0-9]+/$"))
    number = agent.url.rstrip("/").rsplit("/", 1)[1]

    # The second agent's console shows it, live.
    watcher.wait_for_selector(f"#queue-table tr[data-number='{number}']", timeout=15_000)
    assert _not_reloaded(watcher), "the second console reloaded instead of updating live"


def test_public_status_page_updates_live_when_a_supervisor_posts_an_incident_update(app_server, new_page, login):
    assert_routed(app_server, "/status/", "public status page (live)")
    assert_routed(app_server, "/incidents/", "incident management (live)")
    title = f"OTP SMS delayed {uuid.uuid4().hex[:6]}"

    supervisor = new_page()
    login(supervisor, "supervisor", next_path="/incidents/")
    supervisor.goto(app_server.url("/incidents/"))
    form = supervisor.locator("form[action$='/incidents/new/']")
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=title_hi]").fill("ओटीपी एसएमएस में देरी")
    form.locator("input[name=components]").first.check()
    form.locator("textarea[name=body_en]").fill("We are investigating delayed OTP messages.")
    form.locator("textarea[name=body_hi]").fill("हम ओटीपी संदेशों में देरी की जाँच कर रहे हैं।")
    form.locator("button").click()
    supervisor.wait_for_url(re.compile(r"/incidents/\d+/$"))

    citizen = new_page(**PHONE)
    citizen.goto(app_server.url("/status/"))
    assert title in citizen.inner_text("#status-body")
    wait_live(citizen)
    _mark_no_reload(citizen)

    update = "Fix deployed by the vendor; monitoring delivery now."
    post = supervisor.locator("form[action$='/update/']")
    post.locator("textarea[name=body_en]").fill(update)
    post.locator("textarea[name=body_hi]").fill("विक्रेता ने सुधार लागू किया; अब निगरानी हो रही है।")
    post.locator("select[name=status]").select_option("monitoring")
    post.locator("button").click()
    supervisor.wait_for_load_state()

    citizen.wait_for_function("text => document.getElementById('status-body').innerText.includes(text)",
                              arg=update, timeout=15_000)
    assert _not_reloaded(citizen), "the status page reloaded instead of updating live"
