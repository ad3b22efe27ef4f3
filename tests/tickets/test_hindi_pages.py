"""Every citizen page rendered in Hindi shows no English UI string from the catalogue: no msgid of
locale/hi appears verbatim in the visible text (text nodes, labels for assistive technology,
placeholders), except inside an element marked lang="en" (the "English" switch)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from live import services as live_services
from live.seed import ensure_components
from tests.bookings.factories import (
    SLOTS,
    BeneficiaryFactory,
    CentreFactory,
    SessionFactory,
    book,
    day,
)
from tests.bookings.test_pages import citizen_login
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
PO = Path(__file__).resolve().parents[2] / "locale/hi/LC_MESSAGES/django.po"
# UI words that stay as written in Hindi pages (names of things, not sentences).
KEEP = {"OTP", "SMS", "COVISHIELD", "COVAXIN", "English"}


def catalogue_msgids() -> list[str]:
    text = PO.read_text(encoding="utf-8")
    entries = re.findall(r'^msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr ((?:"(?:[^"\\]|\\.)*"\n)+)', text, flags=re.M)
    found = []
    for raw_id, raw_str in entries:
        msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', raw_id)).encode().decode("unicode_escape")
        msgstr = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', raw_str))
        if not msgid or msgid in KEEP or "%" in msgid or "<" in msgid or not re.search(r"[A-Za-z]{3}", msgid):
            continue
        if msgstr.encode().decode("unicode_escape") == msgid:
            continue
        found.append(msgid)
    return found


class VisibleText(HTMLParser):
    SKIP = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in self.SKIP or attrs.get("lang", "hi") not in ("hi", "")
        if not skip and not self._skipping():
            for name in ("aria-label", "placeholder", "title", "alt", "data-confirm"):
                if attrs.get(name):
                    self.parts.append(attrs[name])
        if tag not in ("br", "input", "meta", "link", "img", "hr"):
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _skip = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.parts.append(data.strip())


def english_left(html: str, msgids: list[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    return [m for m in msgids if re.search(rf"(?<![A-Za-z]){re.escape(m)}(?![A-Za-z])", text)]


@pytest.fixture
def hindi():
    client = Client()
    client.cookies["django_language"] = "hi"
    return client


def citizen_pages(hindi, raipur, sent_sms, supervisor) -> dict[str, str]:
    pages = {}

    def get(name, path, **params):
        response = hindi.get(path, params)
        assert response.status_code in (200, 400, 404, 429), (name, response.status_code)
        pages[name] = response.content.decode()

    get("home", "/")
    get("complaint", "/complaint/")
    form = {"name": "", "mobile": "123", "district": "", "category": "", "description": "", "language": "hi"}
    pages["complaint errors"] = hindi.post("/complaint/", form).content.decode()
    good = {**form, "name": "सीता", "mobile": "9812345670", "district": str(raipur.pk),
            "category": "otp-not-received", "description": "ओटीपी नहीं आया"}
    done = hindi.post("/complaint/", good)
    get("complaint done", done["Location"])
    ticket = Ticket.objects.get()
    get("status lookup", "/status/ticket/")
    pages["status result"] = hindi.post("/status/ticket/", {"number": ticket.number, "mobile": "9812345670"}).content.decode()
    pages["status not found"] = hindi.post("/status/ticket/", {"number": "ZZZZ", "mobile": "9812345670"}).content.decode()
    link = next(re.search(r"(/t/[A-Z0-9]+/[A-Za-z0-9_\-]+/)", body).group(1) for _to, body, key in sent_sms()
                if key.endswith(":created"))
    get("secret link", link)
    pages["secret link reply error"] = hindi.post(link, {"body": " "}).content.decode()
    get("link error", link[:-3] + "xx/")
    get("not found", "/no-such-page/")
    otp_sms = next(c for c in ensure_components() if c.code == "otp-sms")
    live_services.incident_create(title="OTP SMS delayed", title_hi="ओटीपी SMS में देरी", actor=supervisor,
                                  components=[otp_sms], component_status="degraded",
                                  body_en="Messages are late", body_hi="संदेश देर से आ रहे हैं")
    get("portal status", "/status/")

    centre = CentreFactory(name="प्राथमिक स्वास्थ्य केंद्र", address="मुख्य मार्ग")
    person = BeneficiaryFactory(name="रमेश कुमार")
    appointment = book(person, SessionFactory(centre=centre, date=day(2)))
    target = SessionFactory(centre=centre, date=day(4))
    SessionFactory(centre=centre, date=day(5), vaccine="COVAXIN", min_age_limit=45)
    get("booking start", "/booking/")
    pages["booking start error"] = hindi.post("/booking/", {"mobile": "1"}).content.decode()
    citizen_login(hindi)
    get("booking mine", "/booking/mine/")
    rebook = f"/booking/appointment/{appointment.appointment_id}/rebook/"
    get("rebook", rebook)
    get("rebook results", rebook, district=str(target.centre.district_id))
    choice = {"choice": f"{target.session_id}|{SLOTS[1]}", "expected_version": "1"}
    pages["rebook confirm"] = hindi.post(rebook, choice).content.decode()
    moved = hindi.post(rebook, {**choice, "confirm": "1"})
    get("rebook done", moved["Location"])
    cancel = f"/booking/appointment/{appointment.appointment_id}/cancel/"
    get("cancel", cancel)
    cancelled = hindi.post(cancel, {"expected_version": "2"})
    get("cancel done", cancelled["Location"])
    get("book again", f"/booking/person/{person.reference_id}/book/", district=str(target.centre.district_id))
    otp_client = Client()
    otp_client.cookies["django_language"] = "hi"
    otp_client.post("/booking/", {"mobile": "9876500000"})
    pages["otp"] = otp_client.get("/booking/otp/").content.decode()
    pages["otp error"] = otp_client.post("/booking/otp/", {"otp": "12"}).content.decode()
    return pages


def test_no_english_ui_string_on_a_hindi_citizen_page(hindi, raipur, sent_sms, supervisor):
    msgids = catalogue_msgids()
    assert len(msgids) > 300  # the catalogue was read
    pages = citizen_pages(hindi, raipur, sent_sms, supervisor)
    left = {name: english_left(html, msgids) for name, html in pages.items()}
    assert [name for name, html in pages.items() if '<html lang="hi">' not in html] == []
    assert {name: found for name, found in left.items() if found} == {}


def test_the_check_finds_english_when_there_is_some():
    msgids = catalogue_msgids()
    assert english_left("<p>Register a complaint</p><button lang='en'>English</button>", msgids) == [
        "Register a complaint"]
