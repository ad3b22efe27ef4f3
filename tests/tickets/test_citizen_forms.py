"""Citizen forms to the GOV.UK / UX4G pattern: every error at once in a summary linking to its
field, the message beside the field, in the page's language, values kept; POST-redirect-GET with
a result page only this browser's session can open; dead links and errors as pages."""

import re

import pytest

from tickets.models import Ticket

from .test_citizen import complaint_form, link_from

pytestmark = pytest.mark.django_db
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def summary_links(content: bytes) -> list[str]:
    block = re.search(rb'<div class="error-summary".*?</div>', content, re.S)
    assert block, "no error summary"
    return [m.decode() for m in re.findall(rb'<a href="#([a-z_]+)"', block.group(0))]


def test_every_bad_field_is_listed_linked_and_shown_beside_it(client, raipur):
    r = client.post("/complaint/", complaint_form(raipur, name="", mobile="12345", category="nope",
                                                  description="x" * 5001, reference_id="1e13"))
    assert r.status_code == 400
    assert summary_links(r.content) == ["name", "mobile", "category", "description", "reference_id"]
    html = r.content.decode()
    for field in ("name", "mobile", "category", "description", "reference_id"):
        assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html
        assert re.search(rf'<(input|select|textarea) id="{field}"', html)
    # values kept (the district that was right stays chosen, the long text is all there)
    assert f'<option value="{raipur.pk}" selected>' in html
    assert "x" * 5001 in html and 'value="1e13"' in html
    assert Ticket.objects.count() == 0


def test_errors_in_hindi_name_the_field_in_hindi(client, raipur):
    client.cookies["django_language"] = "hi"
    r = client.post("/complaint/", complaint_form(raipur, name="", description="x" * 5001))
    html = r.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert "“आपका नाम” भरें।" in summary
    assert "“समस्या का विवरण दें” बहुत लंबा है (अधिकतम 5000 अक्षर)।" in summary
    for english in ("name", "description", "too long", "Fill in"):
        assert not re.search(rf">[^<]*\b{english}\b[^<]*<", summary), english


def test_the_result_page_survives_a_reload_and_is_not_shown_to_others(client, raipur, sent_sms):
    from django.test import Client

    r = client.post("/complaint/", complaint_form(raipur))
    assert r.status_code == 303
    done = r["Location"]
    ticket = Ticket.objects.get()
    for _ in range(2):  # a reload shows the same number and files nothing
        page = client.get(done)
        assert page.status_code == 200 and ticket.display_number.encode() in page.content
    assert Ticket.objects.count() == 1 and ticket.chased_count == 0
    stranger = Client().get(done)
    assert stranger.status_code == 404 and ticket.display_number.encode() not in stranger.content
    assert b'id="error-page"' in stranger.content


def test_tampered_status_link_is_the_site_error_page_in_the_users_language(client, make_ticket, sent_sms):
    ticket = make_ticket()
    _, _, link = link_from(sent_sms)
    client.cookies["django_language"] = "hi"
    r = client.get(link[:-3] + "xx/")
    assert r.status_code == 404
    html = r.content.decode()
    assert 'id="error-page"' in html and 'class="topbar"' in html and 'lang="hi"' in html
    assert "यह लिंक काम नहीं कर रहा" in html and 'href="tel:' in html
    # nothing of the ticket is shown (the language switch carries the address typed, nothing more)
    assert ticket.number not in html.replace(f'value="{link[:-3]}xx/"', "")
    assert ticket.description not in html


def test_the_secret_link_opens_in_the_tickets_language(client, raipur, sent_sms):
    client.post("/complaint/", complaint_form(raipur, language="hi"))
    _, _, link = link_from(sent_sms)
    from django.test import Client

    fresh = Client()  # the phone that got the SMS: no language chosen yet
    page = fresh.get(link)
    assert page.status_code == 200 and b'<html lang="hi">' in page.content
    fresh.cookies["django_language"] = "en"  # the citizen switched: that choice wins
    assert b'<html lang="en">' in fresh.get(link).content


def test_reply_errors_keep_the_draft(client, make_ticket, sent_sms):
    make_ticket()
    _, _, link = link_from(sent_sms)
    r = client.post(link, {"body": "a\x00b"})
    assert r.status_code == 400 and summary_links(r.content) == ["body"]
    r = client.post(link, {"body": "   "})
    assert r.status_code == 400 and b'id="body-error"' in r.content


@pytest.mark.parametrize("path, status", [("/no-such-page/", 404), ("/tickets/", 302)])
def test_error_pages_have_the_layout_and_the_helpline(client, path, status, settings):
    settings.HELPLINE_NUMBER = "1800-123-456"
    r = client.get(path)
    assert r.status_code == status
    if status == 404:
        assert b'id="error-page"' in r.content and b"tel:1800-123-456" in r.content


def test_api_errors_stay_json(client):
    r = client.get("/api/no-such-endpoint/")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")


def test_403_and_csrf_failure_are_pages(client, make_user, raipur):
    client.force_login(make_user("district_official", district=raipur))
    r = client.get("/console/")
    assert r.status_code == 403 and b'id="error-page"' in r.content
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    r = strict.post("/complaint/", {})
    assert r.status_code == 403 and b'id="error-page"' in r.content


def test_rate_limit_on_a_page_is_the_429_page(client, raipur, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_mobile": "1/min"}}
    client.post("/complaint/", complaint_form(raipur))
    r = client.post("/complaint/", complaint_form(raipur, category="other"))
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1
    assert b'id="error-page"' in r.content and b'id="retry-after"' in r.content


def test_500_is_the_site_page_without_a_traceback(rf):
    from helpdesk.errors import server_error

    request = rf.get("/complaint/")
    r = server_error(request)
    assert r.status_code == 500 and b'id="error-page"' in r.content and b"Traceback" not in r.content
    r = server_error(rf.get("/api/tickets/"))
    assert r.status_code == 500 and r["Content-Type"] == "application/json"
