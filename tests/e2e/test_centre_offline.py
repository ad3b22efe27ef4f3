"""Journey: a centre works a day without a network and every record reaches the server once.

Centre staff open the centre app online (it installs its service worker), lose the network
(`context.set_offline(True)`, and the server itself is stopped: nothing can come from it), record
20 walk-ins, reload the page while offline (the shell comes from the service worker's cache, the
records from IndexedDB), then come back online. The server is killed (SIGKILL) in the middle of
the sync and started again; a second phone of the same centre syncs at the same time. Every
record is on the server exactly once and the page shows all accepted."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from .conftest import DEMO_PASSWORD, PHONE, AppServer, _free_port, chromium_missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.fixture
def server():
    """A server of this journey's own: it is killed and restarted on the same port (the app's
    origin, hence its service worker and IndexedDB, must stay the same)."""
    with tempfile.TemporaryDirectory(prefix="hd-e2e-offline-") as tmp:
        app = AppServer(Path(tmp), _free_port(), extra_env={"OFFLINE_BATCH_MAX": "5"})
        app.start()
        try:
            yield app
        finally:
            app.stop()


def open_app(browser, server, **options):
    context = browser.new_context(**PHONE, locale="en-IN", timezone_id="Asia/Kolkata", **options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(server.url("/accounts/login/?next=/centre/"))
    page.fill("input[name=username]", "centre")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/centre/$"))
    page.wait_for_selector("body[data-ready='1']")
    # the service worker is installed and controls the page: the app now opens offline
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    caches = page.evaluate("() => caches.keys()")
    assert any(name.startswith("centre-app-") for name in caches), caches
    return context, page


def record(page, n: int, prefix: str) -> None:
    page.fill("input[name=name]", f"{prefix} Walkin {n:02d}")
    page.fill("input[name=birth_year]", str(1970 + n))
    page.select_option("select[name=gender]", "F" if n % 2 else "M")
    if n % 3 == 0:
        page.fill("input[name=mobile]", f"98{n:02d}{len(prefix):01d}00000"[:10])
    page.select_option("select[name=id_type]", "voter_id")
    page.fill("input[name=id_last4]", f"{n:04d}")
    before = page.locator("#records li").count()
    page.click("#record-form button[type=submit]")
    page.wait_for_function(f"() => document.querySelectorAll('#records li').length === {before + 1}")


def waiting(page) -> int:
    return int(page.get_attribute("#queue-line", "data-waiting") or "0")


def states(page) -> dict:
    out: dict = {}
    for state in page.eval_on_selector_all("#records li", "items => items.map(i => i.getAttribute('data-state'))"):
        out[state] = out.get(state, 0) + 1
    return out


def test_a_day_offline_then_every_record_synced_exactly_once(browser, server):
    context_a, page_a = open_app(browser, server)
    context_b, page_b = open_app(browser, server)
    for context in (context_a, context_b):
        context.set_offline(True)
    server.stop()  # no network at all, not even to a local server

    for n in range(20):
        record(page_a, n, "Asha")
    for n in range(8):
        record(page_b, n, "Bina")
    assert waiting(page_a) == 20 and waiting(page_b) == 8
    assert "20 waiting to be sent" in page_a.inner_text("#queue-line")

    page_a.reload()  # offline: the shell from the service worker, the records from IndexedDB
    page_a.wait_for_selector("body[data-ready='1']")
    assert page_a.locator("#records li").count() == 20 and waiting(page_a) == 20
    assert states(page_a) == {"queued": 20}
    assert "Offline" in page_a.inner_text("#net-state")

    # back online; the server dies after its first answers, mid-sync, and comes back
    server.start()
    with page_a.expect_response(lambda r: "/api/centre/sync/" in r.url and r.request.method == "POST"
                                and '"client_id"' in (r.request.post_data or "")):
        context_a.set_offline(False)
        context_b.set_offline(False)
    server.proc.kill()
    server.proc.wait(10)
    server._log.close()
    partial = server.sql("SELECT count(*) FROM offline_offlinerecord")[0][0]
    assert 0 < partial < 28, partial
    server.start()
    for page in (page_a, page_b):
        page.click("#send-now")
    page_a.wait_for_function("() => document.querySelector('#queue-line').getAttribute('data-waiting') === '0'",
                             timeout=90_000)
    page_b.wait_for_function("() => document.querySelector('#queue-line').getAttribute('data-waiting') === '0'",
                             timeout=90_000)

    assert states(page_a) == {"accepted": 20} and states(page_b) == {"accepted": 8}
    assert "Nothing waiting" in page_a.inner_text("#queue-line")
    assert page_a.locator("#records li p.muted").first.inner_text().startswith("Reference id 99")
    assert server.sql("SELECT count(*), count(DISTINCT client_id) FROM offline_offlinerecord") == [(28, 28)]
    assert server.sql("SELECT count(*) FROM offline_offlinerecord WHERE status = 'accepted'") == [(28,)]
    names = server.sql("SELECT name, count(*) FROM bookings_beneficiary WHERE channel = 'onsite' GROUP BY name")
    assert len(names) == 28 and all(count == 1 for _name, count in names)
    assert server.sql("SELECT count(*) FROM bookings_appointment WHERE status = 'vaccinated' AND channel = 'onsite'") \
        == [(28,)]
    assert server.sql("SELECT count(*) FROM bookings_changerecord WHERE kind = 'beneficiary.registered'") == [(28,)]
    assert server.sql("SELECT count(DISTINCT device_id) FROM offline_offlinedevice") == [(2,)]

    # the same app in Hindi: labels, states and the queue line in Devanagari
    page_a.click("#lang")
    assert page_a.get_attribute("html", "lang") == "hi"
    for selector in ("h1", "#queue-line", "#records li .badge", "#send-now", "label span"):
        assert DEVANAGARI.search(page_a.inner_text(selector)), selector
    context_a.close()
    context_b.close()
