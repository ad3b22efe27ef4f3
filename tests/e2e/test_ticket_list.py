"""The desk's ticket list: a supervisor logs in (and lands on the state dashboard), opens the
"Unassigned" saved view from the navigation bar, searches, ticks the tickets and assigns them
in one go; a second agent watching the list sees the rows change without a reload. Then the
list on a phone, in Hindi: the bar collapses to a menu, rows read as cards."""

import uuid

import httpx
import pytest

from .conftest import DEMO_PASSWORD, PHONE, assert_routed, chromium_missing, wait_live

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]


def _file(app_server, token: str, n: int) -> list[str]:
    numbers = []
    for i in range(n):
        response = httpx.post(app_server.url("/api/public/tickets/"), json={
            "name": "Sunita Dhruw", "mobile": f"98{uuid.uuid4().int % 10**8:08d}", "district": 1,
            "category": "slot-not-shown", "description": f"No slots at the centre {token} ({i})"},
            headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=20)
        assert response.status_code == 201, response.text
        numbers.append(response.json()["number"])
    return numbers


def test_supervisor_bulk_assigns_from_a_saved_view_and_another_list_updates_live(app_server, new_page, login):
    assert_routed(app_server, "/tickets/bulk/", "bulk actions on the ticket list")
    token = "bulk" + uuid.uuid4().hex[:6]
    numbers = _file(app_server, token, 3)

    watcher = new_page()
    login(watcher, "agent2", next_path="/tickets/")
    watcher.goto(app_server.url(f"/tickets/?view=open&q={token}"))
    for number in numbers:
        assert "Unassigned" in watcher.inner_text(f"tr[data-number='{number}'] .col-assignee")
    wait_live(watcher)
    watcher.evaluate("window.__e2eNoReload = true")

    boss = new_page(viewport={"width": 1366, "height": 900})
    boss.goto(app_server.url("/accounts/login/"))
    boss.fill("input[name=username]", "supervisor")
    boss.fill("input[name=password]", DEMO_PASSWORD)
    boss.click("form.stack button[type=submit]")
    boss.wait_for_url("**/reports/state/")          # a supervisor lands on the state dashboard
    boss.click("nav#staff-nav a[data-nav=tickets]")
    boss.click("nav.views a[data-view=unassigned]")
    boss.fill("#list-filters input[name=q]", token)
    boss.click("#list-filters button[type=submit]")
    boss.wait_for_load_state()
    rows = boss.locator("#list-rows tr[data-number]")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.number)")) == sorted(numbers)
    boss.check("#pick-all")
    assert boss.inner_text("#bulk-count").startswith("3")
    boss.select_option("#bulk-action", "assign")
    boss.select_option("#bulk select[name=assignee]", label="Amit Sahu")
    boss.click("#bulk-apply")
    boss.wait_for_selector("#bulk-results")
    results = boss.inner_text("#bulk-results")
    assert "Changed: 3 of 3" in results and results.count("done") == 3
    # The assigned tickets have left the "Unassigned" view the supervisor is back on.
    assert boss.locator("#list-rows tr[data-number]").count() == 0

    for number in numbers:
        watcher.wait_for_function(
            "n => (document.querySelector(`tr[data-number='${n}'] .col-assignee`) || {}).innerText === 'Amit Sahu'",
            arg=number, timeout=15_000)
    assert watcher.evaluate("window.__e2eNoReload === true"), "the list reloaded instead of updating live"


def test_new_tickets_arriving_live_update_the_count_and_the_pager(app_server, new_page, login):
    """A district official watching their list on a phone: complaints arrive, the rows, the
    "Tickets found" count and the pager follow without a reload (page size 2 here, so the new
    rows make a second page)."""
    token = "live" + uuid.uuid4().hex[:6]
    _file(app_server, token, 1)
    watcher = new_page(**PHONE)
    login(watcher, "raipur", next_path="/tickets/")
    watcher.goto(app_server.url(f"/tickets/?view=open&q={token}&page_size=2"))
    assert watcher.inner_text("#list-count") == "Tickets found: 1"
    assert "Page 1 of 1" in watcher.inner_text("#list-pager")
    wait_live(watcher)
    watcher.evaluate("window.__e2eNoReload = true")
    _file(app_server, token, 2)
    watcher.wait_for_function("() => document.getElementById('list-count').innerText === 'Tickets found: 3'",
                              timeout=15_000)
    assert "Page 1 of 2" in watcher.inner_text("#list-pager")
    assert watcher.locator("#list-pager a[rel=next]").count() == 1
    assert watcher.locator("#list-rows tr[data-number]").count() == 2
    assert watcher.locator("#list-rows tr[data-list-meta]").count() == 0
    assert watcher.evaluate("window.__e2eNoReload === true"), "the list reloaded instead of updating live"


def test_ticket_list_on_a_phone_in_hindi(app_server, new_page, login):
    assert_routed(app_server, "/tickets/bulk/", "ticket list")
    token = "phone" + uuid.uuid4().hex[:6]
    numbers = _file(app_server, token, 2)
    page = new_page(**PHONE, locale="hi-IN")
    login(page, "agent", next_path="/tickets/")
    page.goto(app_server.url(f"/tickets/?view=all&q={token}"))
    # The bar is folded behind the menu button; opening it shows the pages in Hindi.
    assert not page.is_visible("nav#staff-nav a[data-nav=console]")
    page.click("label.nav-toggle-label")
    assert page.inner_text("nav#staff-nav a[data-nav=console]") == "कंसोल"  # the phone asked for Hindi
    assert page.is_visible("form.lang button[value=en]")  # and English is one tap away
    body = page.inner_text("main")
    for english in ("Saved views", "Search", "Assigned to", "Unassigned", "Download CSV", "Apply"):
        assert english not in body, english
    assert "मिले टिकट: 2" in body
    row = page.locator(f"tr[data-number='{numbers[0]}']")
    box = row.bounding_box()
    assert box and box["width"] <= 390, "rows must fit the phone's width"
    page.fill("#list-filters input[name=q]", "x" * 201)  # the field stops at 200; the server refuses more
    assert len(page.input_value("#list-filters input[name=q]")) == 200
    response = page.goto(app_server.url("/tickets/?sort=password"))
    assert response.status == 400 and "अज्ञात क्रम कुंजी" in page.inner_text("#list-error")
