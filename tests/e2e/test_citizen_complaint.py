"""Journey: a citizen, in Hindi, on a phone, files a complaint, checks its status by number and
mobile, then follows the secret link from the SMS and replies."""

import re

import pytest

from .conftest import PHONE, assert_routed, chromium_missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def test_citizen_files_a_complaint_and_checks_its_status_in_hindi(app_server, new_page):
    assert_routed(app_server, "/complaint/", "citizen complaint form (tickets)")
    mobile = "9812345670"
    page = new_page(**PHONE)
    page.goto(app_server.url("/complaint/"))
    page.click("form.lang button")  # हिन्दी
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "hi"
    heading = page.inner_text("h1")
    assert DEVANAGARI.search(heading), f"complaint form heading not in Hindi: {heading!r}"

    page.fill("input[name=name]", "सीता वर्मा")
    page.fill("input[name=mobile]", f"+91 {mobile}")
    page.select_option("select[name=district]", label="रायपुर")
    category = page.locator("select[name=category] option").nth(1)
    category_label = category.inner_text()
    assert DEVANAGARI.search(category_label), f"category not in Hindi: {category_label!r}"
    page.select_option("select[name=category]", index=1)
    page.fill("textarea[name=description]", "ओटीपी नहीं आ रहा है <script>alert(1)</script>")
    page.select_option("select[name=language]", "hi")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()

    number = page.inner_text("#ticket-number").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", number), number
    assert DEVANAGARI.search(page.inner_text("h1"))

    # The receipt SMS (outbox, console backend) is in Hindi and carries the secret link.
    link = app_server.wait_outbox(mobile, r"https?://\S+/t/[A-Z0-9]+/\S+?/").group(0)
    sms = app_server.outbox(mobile)[-1]["body"]
    assert number in sms and DEVANAGARI.search(sms), sms

    # Status by number + mobile, in Hindi.
    page.goto(app_server.url("/status/ticket/"))
    assert page.get_attribute("html", "lang") == "hi"
    page.fill("input[name=number]", number.lower().replace("-", " "))  # as read over the phone
    page.fill("input[name=mobile]", mobile)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text("#ticket-status").strip() == "नया"
    thread = page.inner_text("#public-thread")
    assert "<script>alert(1)</script>" in thread  # stored as written, shown escaped (as text)

    # A wrong mobile gets the same answer as a wrong number: not found.
    page.goto(app_server.url("/status/ticket/"))
    page.fill("input[name=number]", number)
    page.fill("input[name=mobile]", "9812345671")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#form-error").is_visible()
    assert page.locator("#ticket-status").count() == 0

    # The secret link from the SMS: the thread, and a reply.
    page.goto(link.replace("http://127.0.0.1:8000", app_server.base))
    assert page.get_attribute("html", "lang") == "hi"
    assert number in page.inner_text("h1")
    page.fill("textarea[name=body]", "अभी भी ओटीपी नहीं आया")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()
    assert "अभी भी ओटीपी नहीं आया" in page.inner_text("#public-thread")
