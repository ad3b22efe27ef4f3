"""Journey: a citizen, in Hindi, on a phone, logs in with the OTP sent to the registered mobile
(read from the SMS outbox, console backend), sees the registrations on that mobile with the
mobile masked, and rebooks one appointment to another session (slot buttons, a confirmation
step); a new confirmation number is shown (again after a reload) and sent by SMS; then logs out."""

import re

import pytest

from .conftest import PHONE, assert_routed, chromium_missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]

MOBILE = "9876543210"  # demo data: Ramesh Kumar (12345678901234) and Sunita Devi, each booked
REFERENCE = "12345678901234"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def test_citizen_logs_in_with_an_otp_and_rebooks_in_hindi(app_server, new_page):
    assert_routed(app_server, "/booking/", "citizen OTP login and rebooking (bookings)")
    before = max([row["id"] for row in app_server.outbox(MOBILE)] or [0])
    log_before = app_server.log_size()
    page = new_page(**PHONE)
    page.goto(app_server.url("/booking/"))
    page.click("form.lang button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "hi"
    assert DEVANAGARI.search(page.inner_text("h1")), page.inner_text("h1")
    page.fill("input[name=mobile]", f"+91-{MOBILE}")
    page.locator("main form button").click()
    page.wait_for_url(re.compile(r"/booking/otp/$"))

    # As the phone received it (the console gateway's log): once sent, the outbox keeps it redacted.
    otp = app_server.wait_sms(MOBILE, r"\b(\d{6})\b", since=log_before).group(1)
    assert "******" in app_server.wait_outbox(MOBILE, r"\*{6}", since_id=before).group(0)
    page.fill("input[name=otp]", otp)
    page.locator("main form button").click()
    page.wait_for_url(re.compile(r"/booking/mine/$"))

    card = page.locator(f"#beneficiary-{REFERENCE}")
    text = card.inner_text()
    assert "Ramesh Kumar" not in page.content(), "the name is shown unmasked"
    assert MOBILE not in page.content(), "the full mobile number is shown"
    assert "3210" in text, "the masked mobile should keep its last 4 digits"
    old_confirmation = card.locator(".appointment strong").last.inner_text().strip()
    old_line = card.locator(".appointment p").nth(1).inner_text()

    card.locator("a.button").first.click()
    page.wait_for_url(re.compile(r"/booking/appointment/[^/]+/rebook/"))
    page.select_option("#district", label="रायपुर")
    page.locator("form.card button").click()
    page.wait_for_load_state()
    slots = page.locator("button.slot")
    assert slots.count() > 0, "no session offered for Raipur"
    mark = max(row["id"] for row in app_server.outbox(MOBILE))
    for index in range(min(slots.count(), 6)):
        slots.nth(index).click()  # a large slot button: then a check-and-confirm page
        page.wait_for_load_state()
        assert DEVANAGARI.search(page.inner_text("h1"))
        page.locator("#confirm-booking").click()
        page.wait_for_load_state()
        if "/booking/done/" in page.url:
            break
        slots = page.locator("button.slot")  # refused (e.g. the same slot): try the next
    assert "/booking/done/" in page.url, f"every rebooking was refused: {page.inner_text('main')[:500]}"
    new_confirmation = page.inner_text("#confirmation-number").strip()
    assert new_confirmation != old_confirmation, "no new confirmation number"
    page.reload()
    assert page.inner_text("#confirmation-number").strip() == new_confirmation
    sms = app_server.wait_outbox(MOBILE, re.escape(new_confirmation), since_id=mark)
    assert sms, "no SMS with the new confirmation number"

    page.locator("main a.button").click()
    page.wait_for_url(re.compile(r"/booking/mine/$"))
    card = page.locator(f"#beneficiary-{REFERENCE}")
    assert new_confirmation in card.inner_text()
    assert card.locator(".appointment p").nth(1).inner_text() != old_line, "the appointment did not change"
    page.locator("#citizen-logout").click()
    page.wait_for_url(re.compile(r"/booking/$"))
