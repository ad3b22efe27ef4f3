"""Journey: a citizen, in Hindi, on a phone, logs in with the OTP sent to the registered mobile
(read from the SMS outbox, console backend), sees the registrations on that mobile with the
mobile masked, and rebooks one appointment to another session; a new confirmation number is
shown and sent by SMS."""

import re

import pytest

from .conftest import PHONE, chromium_missing, require

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]

MOBILE = "9876543210"  # demo data: Ramesh Kumar (12345678901234) and Sunita Devi, each booked
REFERENCE = "12345678901234"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def test_citizen_logs_in_with_an_otp_and_rebooks_in_hindi(app_server, new_page):
    require(app_server, "/booking/", "citizen OTP login and rebooking (bookings)")
    before = max([row["id"] for row in app_server.outbox(MOBILE)] or [0])
    page = new_page(**PHONE)
    page.goto(app_server.url("/booking/"))
    page.click("form.lang button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "hi"
    assert DEVANAGARI.search(page.inner_text("h1")), page.inner_text("h1")
    page.fill("input[name=mobile]", f"+91-{MOBILE}")
    page.locator("main form button").click()
    page.wait_for_url(re.compile(r"/booking/otp/$"))

    otp = app_server.wait_outbox(MOBILE, r"\b(\d{6})\b", since_id=before).group(1)
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
    page.select_option("select[name=district_id]", "109")
    page.locator("form.card button").click()
    page.wait_for_load_state()
    choices = page.locator("input[name=choice]")
    assert choices.count() > 0, "no session offered for Raipur"
    mark = max(row["id"] for row in app_server.outbox(MOBILE))
    for index in range(min(choices.count(), 6)):
        choices.nth(index).check()
        page.locator("form:has(input[name=choice]) button").click()
        page.wait_for_load_state()
        if "/booking/mine/" in page.url:
            break
        choices = page.locator("input[name=choice]")  # refused (e.g. the same slot): try the next
    assert "/booking/mine/" in page.url, f"every rebooking was refused: {page.inner_text('main')[:500]}"

    card = page.locator(f"#beneficiary-{REFERENCE}")
    new_confirmation = card.locator(".appointment strong").last.inner_text().strip()
    assert new_confirmation != old_confirmation, "no new confirmation number"
    assert card.locator(".appointment p").nth(1).inner_text() != old_line, "the appointment did not change"
    sms = app_server.wait_outbox(MOBILE, re.escape(new_confirmation), since_id=mark)
    assert sms, "no SMS with the new confirmation number"
