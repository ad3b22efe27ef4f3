"""The citizen's end of the loop: the resolution SMS with the note and a one-tap rating, the rating
by SMS reply (1-5) or by a tap (status link, signed rating link), the public history in the
ticket's language."""

import re

import pytest
from django.urls import reverse

from accounts.models import District
from tickets import rating_links
from tickets.models import Category, Rating, TicketEvent
from tickets.services import Actor, ticket_comment, ticket_create, ticket_transition

pytestmark = pytest.mark.django_db
URL = "/api/sms/inbound/"
MOBILE = "9876504321"


@pytest.fixture
def resolved(make_ticket, agent, sent_sms):
    ticket = make_ticket(mobile=MOBILE, requester_language="hi")
    ticket_transition(ticket_id=ticket.pk, to="resolved", actor=Actor.of(agent), note="OTP route switched")
    ticket.refresh_from_db()
    return ticket


def test_resolution_sms_carries_the_note_and_a_rating_link_in_the_tickets_language(resolved, sent_sms):
    to, body, key = sent_sms()[-1]
    assert to == MOBILE and key == f"ticket:{resolved.pk}:resolved:0"
    assert "OTP route switched" in body and "हल" in body and "1" in body and "5" in body
    token = re.search(r"http://\S+/t/(\S+)/rate/(\S+)/", body)
    assert rating_links.read_rate_token(token.group(1), token.group(2)) == resolved


def test_sms_reply_rates_once_and_never_reopens(api, resolved, sent_sms):
    response = api.post(URL, {"sender": MOBILE, "text": " 4 ", "id": "gw-1"}, format="json")
    assert response.status_code == 200 and response.json()["action"] == "rating_recorded"
    rating = Rating.objects.get(ticket=resolved)
    assert (rating.score, rating.via, rating.resolution) == (4, "sms", 0)
    assert "4/5" in sent_sms()[-1][1]
    again = api.post(URL, {"sender": MOBILE, "text": "५", "id": "gw-2"}, format="json")
    assert again.json()["action"] == "rating_recorded"
    resolved.refresh_from_db()
    assert resolved.status == "resolved" and Rating.objects.get(ticket=resolved).score == 4  # the first stands
    assert TicketEvent.objects.filter(ticket=resolved, kind="rated").count() == 1


def test_devanagari_digit_rates_and_other_text_is_still_a_reply(api, resolved):
    api.post(URL, {"sender": MOBILE, "text": "३"}, format="json")
    assert Rating.objects.get(ticket=resolved).score == 3
    assert api.post(URL, {"sender": MOBILE, "text": "6"}, format="json").json()["action"] == "comment_added"


def test_a_digit_from_a_mobile_without_a_resolved_ticket_is_not_a_rating(api, make_ticket):
    make_ticket(mobile=MOBILE)
    assert api.post(URL, {"sender": MOBILE, "text": "5"}, format="json").json()["action"] == "comment_added"
    assert not Rating.objects.exists()


def test_tap_on_the_signed_rating_link(client, resolved):
    url = reverse("tickets:rate", args=[resolved.number, rating_links.rate_token(resolved)])
    page = client.get(url)
    assert page.status_code == 200 and not Rating.objects.exists()  # GET changes nothing
    html = page.content.decode()
    assert 'class="rating-button"' in html and "OTP route switched" in html
    assert "आपकी शिकायत" in html or "शिकायत" in html  # the ticket's language
    for bad in ("0", "6", "x", ""):
        assert client.post(url, {"score": bad}).status_code == 400
    assert client.post(url, {"score": "5"}).status_code == 302
    assert Rating.objects.get(ticket=resolved).via == "link"
    assert 'id="rating-done"' in client.get(url).content.decode()
    forged = reverse("tickets:rate", args=[resolved.number, "abc"])
    assert client.get(forged).status_code == 404 and client.post(forged, {"score": "1"}).status_code == 404


def test_rating_an_open_ticket_is_refused(client, make_ticket):
    ticket = make_ticket(mobile=MOBILE)
    url = reverse("tickets:rate", args=[ticket.number, rating_links.rate_token(ticket)])
    assert client.post(url, {"score": "5"}).status_code == 409
    assert not Rating.objects.exists()


def test_status_link_shows_the_public_history_in_hindi_and_rates(client, agent):
    result = ticket_create(district=District.objects.get(code="raipur"),
                           category=Category.objects.get(code="otp-not-received"), description="OTP never arrives",
                           requester_kind="citizen", channel="web", requester_mobile=MOBILE, requester_language="hi",
                           actor=Actor(label="citizen"))
    ticket, secret = result.ticket, result.secret
    ticket_comment(ticket_id=ticket.pk, body="Looking into it", actor=Actor.of(agent), is_public=True)
    ticket_transition(ticket_id=ticket.pk, to="resolved", actor=Actor.of(agent), note="OTP route switched")
    url = reverse("tickets:public", args=[ticket.number, secret])
    html = client.get(url).content.decode()
    assert 'lang="hi"' in html and "OTP route switched" in html and 'id="timeline"' in html
    assert "समाधान: OTP route switched" in html  # the resolution note, introduced in Hindi
    assert client.post(url + "rate/", {"score": "2"}).status_code == 302
    assert Rating.objects.get(ticket=ticket).score == 2
    assert 'id="rating-done"' in client.get(url).content.decode()
