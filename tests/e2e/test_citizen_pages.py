"""Every citizen page, in Hindi and English, at phone (390x844) and desktop sizes:
- axe-core (npm, pinned in tests/e2e/axe.py) injected into Debian's Chromium: 0 serious or
  critical violations;
- page weight: each page under 100 KB transferred on its first load (browser cache disabled);
- screenshots of each page (phone-sized), written to $SCREENSHOTS_DIR when set (docs/screenshots
  is made that way: `SCREENSHOTS_DIR=docs/screenshots make e2e`).
Also: the complaint form by keyboard alone, and filing plus status lookup with JavaScript off."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from .axe import axe_script
from .conftest import PHONE, chromium_missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE_SHOT = {**PHONE, "device_scale_factor": 1}
BUDGET_BYTES = 100 * 1024
MOBILE_BOOKING = "9876543211"  # demo: Mohan Lal, Covishield dose 1 given 90 days ago, dose 2 booked
DISTRICT = {"en": "Durg", "hi": "दुर्ग"}
RAIPUR = {"en": "Raipur", "hi": "रायपुर"}
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


class Walk:
    """Opens citizen pages one after the other in one context; checks each one as it is shown."""

    def __init__(self, page, lang: str, size: str, shots: Path | None) -> None:
        self.page, self.lang, self.size, self.shots = page, lang, size, shots
        self.axe = axe_script().read_text(encoding="utf-8")
        self.violations: dict[str, list] = {}
        self.weights: dict[str, int] = {}
        self.count = 0
        self._bytes = 0
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.on("Network.loadingFinished", lambda event: self._add(event.get("encodedDataLength", 0)))

    def _add(self, size: float) -> None:
        self._bytes += int(size)

    def start(self) -> None:
        """Call before the action that loads the next page."""
        self._bytes = 0

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        self.weights[name] = self._bytes
        assert page.get_attribute("html", "lang") == self.lang, f"{name}: page not in {self.lang}"
        page.evaluate(self.axe)
        found = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
        if found:
            self.violations[name] = found
        self.count += 1
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.shots / f"{self.lang}-{self.count:02d}-{name}.png"), full_page=True)

    def goto(self, url: str, name: str) -> None:
        self.start()
        self.page.goto(url)
        self.check(name)

    def submit(self, button, name: str) -> None:
        self.start()
        button.click()
        self.check(name)


def _open(new_page, app_server, lang: str, size: str):
    options = dict(PHONE_SHOT if size == "phone" else DESKTOP)
    page = new_page(**options, bypass_csp=True)
    page.goto(app_server.url("/"))
    if lang == "hi":
        page.click("form.lang button")
        page.wait_for_load_state()
    return page


def walk_citizen_pages(app_server, walk: Walk, lang: str) -> None:
    page = walk.page
    url = app_server.url
    walk.goto(url("/"), "home")
    walk.goto(url("/complaint/"), "complaint")
    walk.submit(page.locator("main form.card button[type=submit]"), "complaint-errors")
    mobile = "98123" + {"en": "1", "hi": "2"}[lang] + {"phone": "1", "desktop": "2"}[walk.size] + "000"
    before = max([row["id"] for row in app_server.outbox(mobile)] or [0])
    page.fill("#name", "Sita Verma" if lang == "en" else "सीता वर्मा")
    page.fill("#mobile", mobile)
    page.select_option("#district", label=RAIPUR[lang])
    page.select_option("#category", index=1)
    page.fill("#description", "OTP not received" if lang == "en" else "ओटीपी नहीं आया")
    page.select_option("#language", lang)
    walk.submit(page.locator("main form.card button[type=submit]"), "complaint-done")
    number = page.inner_text("#ticket-number").strip()
    link = app_server.wait_outbox(mobile, r"https?://\S+/t/[A-Z0-9]+/\S+?/", since_id=before).group(0)
    walk.goto(url("/status/ticket/"), "status-lookup")
    page.fill("#number", number)
    page.fill("#mobile", mobile)
    walk.submit(page.locator("main form.card button[type=submit]"), "status-result")
    walk.goto(url("/status/ticket/"), "status-lookup-again")
    page.fill("#number", "ZZZZ-ZZZZ")
    page.fill("#mobile", mobile)
    walk.submit(page.locator("main form.card button[type=submit]"), "status-not-found")
    walk.goto(link, "complaint-link")
    walk.goto(link[:-4] + "xyz/", "link-broken")
    walk.goto(url("/no-such-page/"), "not-found")
    walk.goto(url("/status/"), "portal-status")

    walk.goto(url("/booking/"), "booking-start")
    page.fill("#mobile", "12345")
    walk.submit(page.locator("main form button[type=submit]"), "booking-start-error")
    log_before = app_server.log_size()
    page.fill("#mobile", MOBILE_BOOKING)
    walk.submit(page.locator("main form button[type=submit]"), "booking-otp")
    # As the phone received it (the console gateway's log): once sent, the outbox keeps it redacted.
    otp = app_server.wait_sms(MOBILE_BOOKING, r"\b(\d{6})\b", since=log_before).group(1)
    page.fill("#otp", otp)
    walk.submit(page.locator("main form button[type=submit]"), "booking-mine")
    assert page.locator("#citizen-logout").is_visible()
    card = page.locator("#beneficiary-12345678901236")
    walk.submit(card.locator("a.button").first, "rebook")
    page.select_option("#district", label=DISTRICT[lang])
    walk.submit(page.locator("main form.card button[type=submit]"), "rebook-sessions")
    assert page.locator("button.slot").count() > 0, "no choosable session"
    assert page.locator(".not-choosable .reason").count() > 0, "Covaxin sessions should be explained, not offered"
    walk.submit(page.locator("button.slot").first, "rebook-confirm")
    page.go_back()
    page.wait_for_load_state()
    walk.goto(url("/booking/mine/"), "booking-mine-again")
    walk.submit(card.locator("a.button.secondary"), "cancel")
    walk.submit(page.locator("main form button[type=submit]"), "cancel-done")
    walk.goto(url("/booking/mine/"), "booking-mine-cancelled")
    walk.submit(page.locator("#book-12345678901236"), "book")
    page.select_option("#district", label=DISTRICT[lang])
    walk.submit(page.locator("main form.card button[type=submit]"), "book-sessions")
    walk.submit(page.locator("button.slot").first, "book-confirm")
    walk.submit(page.locator("#confirm-booking"), "book-done")
    confirmation = page.inner_text("#confirmation-number").strip()
    page.reload()
    assert page.inner_text("#confirmation-number").strip() == confirmation  # a reload shows it again
    walk.goto(url("/booking/mine/"), "booking-mine-booked")
    assert confirmation in page.inner_text("#beneficiary-12345678901236")
    page.locator("#citizen-logout").click()
    page.wait_for_url(re.compile(r"/booking/$"))


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["hi", "en"])
def test_citizen_pages_are_accessible_and_light(app_server, new_page, lang, size):
    shots_dir = os.environ.get("SCREENSHOTS_DIR")
    shots = Path(shots_dir) if shots_dir and size == "phone" else None
    walk = Walk(_open(new_page, app_server, lang, size), lang, size, shots)
    walk_citizen_pages(app_server, walk, lang)
    print(f"\n{lang}/{size}: {walk.count} pages; transferred KB per page:",
          json.dumps({k: round(v / 1024, 1) for k, v in walk.weights.items()}))
    assert walk.count >= 25
    assert walk.violations == {}, json.dumps(walk.violations, ensure_ascii=False, indent=1)
    heavy = {name: size for name, size in walk.weights.items() if size >= BUDGET_BYTES}
    assert heavy == {}, f"pages over 100 KB on first load: {heavy}"
    assert all(size > 1000 for size in walk.weights.values()), f"page weights not measured: {walk.weights}"


def test_the_complaint_form_by_keyboard_alone(app_server, new_page):
    page = new_page(**DESKTOP)
    page.goto(app_server.url("/complaint/"))
    typed = {"name": "Keyboard User", "mobile": "9812399901", "description": "Typed with the keyboard only"}
    chosen = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => [document.activeElement.name || '', document.activeElement.tagName,"
                                " document.activeElement.type || '', document.activeElement.closest('form.card') !== null]")
        name, tag, kind, in_form = focused
        if name in typed and name not in chosen:
            page.keyboard.type(typed[name])
            chosen.add(name)
        elif tag == "SELECT" and name in ("district", "category") and name not in chosen:
            page.keyboard.press("ArrowDown")
            chosen.add(name)
        elif tag == "BUTTON" and kind == "submit" and in_form:
            assert chosen == {"name", "mobile", "description", "district", "category"}, chosen
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail(f"never reached the submit button by Tab; filled {chosen}")
    page.wait_for_url(re.compile(r"/complaint/done/"))
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text("#ticket-number").strip())


def test_focus_is_visible_and_errors_link_to_their_field(app_server, new_page):
    page = new_page(**PHONE)
    page.goto(app_server.url("/complaint/"))
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'form-error'")
    links = page.locator("#form-error a")
    assert links.count() >= 4
    links.first.click()
    assert page.evaluate("() => document.activeElement.id") == "name"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_filing_and_status_lookup_work_without_javascript(app_server, new_page):
    page = new_page(**PHONE, java_script_enabled=False)
    mobile = "9812399902"
    page.goto(app_server.url("/complaint/"))
    page.fill("#name", "No Script")
    page.fill("#mobile", mobile)
    page.select_option("#district", label="Bastar")
    page.select_option("#category", index=2)
    page.fill("#description", "Filed with JavaScript off")
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/complaint/done/"))
    number = page.inner_text("#ticket-number").strip()
    page.reload()  # POST-redirect-GET: the number again, nothing filed twice
    assert page.inner_text("#ticket-number").strip() == number
    page.goto(app_server.url("/status/ticket/"))
    page.fill("#number", number)
    page.fill("#mobile", mobile)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#ticket-status").is_visible()
    assert app_server.sql("SELECT count(*) FROM tickets_ticket WHERE requester_mobile = ?", (mobile,))[0][0] == 1
