"""The ticket page's one form (reply/note + priority + status in one submit), tags, canned
responses and mentions."""

from __future__ import annotations

import html
import re

import pytest

from desk.models import AgentNotification
from helpdesk.exceptions import InvalidInput
from tests.factories import UserFactory
from tickets.canned import canned_create, canned_render, canned_validate
from tickets.models import CannedResponse, Comment, Ticket, TicketEvent
from tickets.services import Actor, ticket_set_priority
from tickets.tags import ticket_tag_add


def _page(client, ticket):
    page = client.get(f"/tickets/{ticket.number}/")
    assert page.status_code == 200
    return page.content.decode()


def _form(page: str) -> dict:
    return {"expected_version": re.search(r'name="expected_version" value="(\d+)"', page).group(1),
            "seen_event": re.search(r'name="seen_event" value="(\d+)"', page).group(1)}


def test_actions_come_before_the_timeline_and_only_allowed_moves_are_offered(client, agent, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)
    page = _page(client, ticket)
    assert page.index('id="reply-form"') < page.index('id="timeline"')
    select = page[page.index('id="status-to"'):]
    select = select[:select.index("</select>")]
    offered = re.findall(r'<option value="([a-z_]+)">', select)
    assert offered == ["acknowledged", "in_progress", "awaiting_citizen", "awaiting_vendor", "resolved"]
    assert "Keep: New" in select


def test_reply_priority_and_close_in_one_submit(client, agent, make_ticket, sent_sms):
    ticket = make_ticket(mobile="9876500011")
    client.force_login(agent)
    ticket.refresh_from_db()
    form = _form(_page(client, ticket))
    r = client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "Fixed, please try again",
                                                          "public": "on", "priority": "P1", "to": "resolved",
                                                          "note": "OTP route switched"})
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("resolved", "P1")
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds.index("comment") < kinds.index("priority_changed") < kinds.index("status_changed")
    assert any("Fixed, please try again" in body for _to, body, _key in sent_sms())
    assert any("is resolved: OTP route switched" in body for _to, body, _key in sent_sms())
    # and then closed, from resolved
    form = _form(_page(client, ticket))
    assert client.post(f"/tickets/{ticket.number}/update/", {**form, "to": "closed"}).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_a_refused_move_changes_nothing_and_says_why_in_words(client, agent, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)
    form = _form(_page(client, ticket))
    r = client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "note", "priority": "P1", "to": "closed"})
    assert r.status_code == 409
    text = r.content.decode()
    assert "A ticket that is New cannot move to Closed." in text and "note" in text  # the draft is kept
    ticket.refresh_from_db()
    assert ticket.priority != "P1" and not Comment.objects.filter(ticket=ticket).exists()


def test_a_refused_move_reads_in_hindi_on_a_hindi_page(client, agent, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)
    client.cookies["django_language"] = "hi"
    form = _form(_page(client, ticket))
    r = client.post(f"/tickets/{ticket.number}/update/", {**form, "to": "closed"}, HTTP_ACCEPT_LANGUAGE="hi")
    assert r.status_code == 409
    error = re.search(r'id="form-error"[^>]*><p>([^<]+)<', r.content.decode()).group(1)
    assert re.search("[\u0900-\u097f]", error) and not re.search("[A-Za-z]", error), error


@pytest.mark.parametrize("language", ["en", "hi"])
def test_resolving_without_a_resolution_note_is_refused_and_keeps_what_was_typed(client, agent, make_ticket,
                                                                                 sent_sms, language):
    ticket = make_ticket(mobile="9876500012")
    client.force_login(agent)
    client.cookies["django_language"] = language
    form = _form(_page(client, ticket))
    before = sent_sms()
    r = client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "my reply", "public": "on",
                                                          "to": "resolved", "note": "   "},
                    HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 400
    error = re.search(r'id="form-error"[^>]*><p>([^<]+)<', r.content.decode()).group(1)
    if language == "hi":
        assert re.search("[\u0900-\u097f]", error) and "SMS" not in error, error
    else:
        assert html.unescape(error) == "Write the resolution note: the citizen's SMS carries it."
    assert "my reply" in r.content.decode()  # the draft is kept
    ticket.refresh_from_db()
    assert ticket.status == "new" and not Comment.objects.filter(ticket=ticket).exists() and sent_sms() == before
    # The ticket page's action form follows the same rule.
    r = client.post(f"/tickets/{ticket.number}/act/", {"action": "status", "to": "resolved", **form})
    assert r.status_code == 400 and Ticket.objects.get(pk=ticket.pk).status == "new"


def test_stale_version_is_refused_with_the_changes(client, agent, supervisor, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)
    form = _form(_page(client, ticket))
    ticket_set_priority(ticket_id=ticket.pk, priority="P1", actor=Actor.of(supervisor))
    r = client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "my draft", "to": "in_progress"})
    assert r.status_code == 409 and 'id="changes-since"' in r.content.decode()
    assert "my draft" in r.content.decode() and Ticket.objects.get(pk=ticket.pk).status == "new"


def test_empty_submit_and_district_official_limits(client, agent, make_user, make_ticket):
    raipur_official = make_user("district_official")
    ticket = make_ticket()
    client.force_login(agent)
    form = _form(_page(client, ticket))
    assert client.post(f"/tickets/{ticket.number}/update/", form).status_code == 400
    client.force_login(raipur_official)
    form = _form(_page(client, ticket))
    r = client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "x", "to": "resolved"})
    assert r.status_code == 400 and Ticket.objects.get(pk=ticket.pk).status == "new"
    assert client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "district note"}).status_code == 302
    assert Comment.objects.get(ticket=ticket).is_public is False


def test_a_mention_in_a_note_notifies_the_colleague(client, agent, make_ticket):
    colleague = UserFactory(username="neha.d", role="agent")
    outsider = UserFactory(username="vendorguy", role="vendor_engineer")  # cannot see this ticket
    ticket = make_ticket()
    client.force_login(agent)
    form = _form(_page(client, ticket))
    client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "@neha.d please look, cc @vendorguy a@b.in"})
    mentioned = TicketEvent.objects.get(ticket=ticket, kind="mentioned")
    assert mentioned.payload["user_ids"] == [colleague.pk]
    assert list(AgentNotification.objects.values_list("user__username", "kind")) == [("neha.d", "mentioned")]
    assert not AgentNotification.objects.filter(user=outsider).exists()


def test_tags_add_remove_and_bad_names(client, agent, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)
    assert client.post(f"/tickets/{ticket.number}/tags/", {"tag": "SMS Gateway"}).status_code == 302
    assert client.post(f"/tickets/{ticket.number}/tags/", {"tag": "sms-gateway"}).status_code == 302  # no-op
    assert list(ticket.ticket_tags.values_list("tag__name", flat=True)) == ["sms-gateway"]
    assert TicketEvent.objects.filter(ticket=ticket, kind="tag_added").count() == 1
    r = client.post(f"/tickets/{ticket.number}/tags/", {"tag": "<script>"})
    assert r.status_code == 400 and "letters, digits and dashes" in r.content.decode()
    assert client.post(f"/tickets/{ticket.number}/tags/", {"remove": "sms-gateway"}).status_code == 302
    assert not ticket.ticket_tags.exists()
    assert "Tag sms-gateway removed by" in _page(client, ticket)


def test_vendor_staff_cannot_tag(client, make_ticket):
    ticket = make_ticket()
    engineer = UserFactory(role="vendor_engineer")
    Ticket.objects.filter(pk=ticket.pk).update(vendor=engineer.vendor)
    client.force_login(engineer)
    assert client.post(f"/tickets/{ticket.number}/tags/", {"tag": "x"}).status_code == 403


# --- canned responses ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["Ticket {numbr}", "Hello {number.__class__}", "{number!r}", "{0}", "open {",
                                  "close }"])
def test_canned_response_with_a_bad_placeholder_is_refused(body, supervisor):
    with pytest.raises(InvalidInput):
        canned_create(title="t", body_en=body, body_hi="टिकट {number}", actor=supervisor)
    with pytest.raises(InvalidInput):
        canned_validate(body_en="ok {number}", body_hi=body)
    assert not CannedResponse.objects.exists()


def test_canned_response_renders_in_both_languages(supervisor, make_ticket):
    ticket = make_ticket()
    canned = canned_create(title="Fixed", body_en="Ticket {number} ({district}): fixed by {eta}.",
                           body_hi="टिकट {number} ({district}): {eta} तक ठीक।", actor=supervisor)
    assert canned_render(canned, ticket, agent=supervisor, language="en", eta="6 pm") == (
        f"Ticket {ticket.display_number} (Raipur): fixed by 6 pm.")
    assert canned_render(canned, ticket, agent=supervisor, language="hi") == (
        f"टिकट {ticket.display_number} (रायपुर): {{eta}} तक ठीक।")


def test_the_picker_offers_canned_responses_and_usage_is_counted(client, agent, supervisor, make_ticket):
    ticket = make_ticket()
    canned = canned_create(title="Try again", body_en="Please try again, ticket {number}.",
                           body_hi="कृपया फिर से कोशिश करें, टिकट {number}।", actor=supervisor)
    client.force_login(agent)
    page = _page(client, ticket)
    assert f'data-en="Please try again, ticket {ticket.display_number}."' in page
    form = _form(page)
    client.post(f"/tickets/{ticket.number}/update/", {**form, "body": "Please try again", "public": "on",
                                                      "canned": str(canned.pk)})
    canned.refresh_from_db()
    assert canned.usage_count == 1
    r = client.post(f"/tickets/{ticket.number}/update/", {**_form(_page(client, ticket)), "body": "x",
                                                          "canned": "999999"})
    assert r.status_code == 400


def test_canned_admin_refuses_an_unknown_placeholder(client, supervisor):
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    r = client.post("/admin/tickets/cannedresponse/add/", {"title": "x", "body_en": "Hi {nmber}", "body_hi": "नमस्ते",
                                                           "is_active": "on", "usage_count": "0"})
    assert r.status_code == 200 and "Unknown placeholder {nmber}" in r.content.decode()
    assert not CannedResponse.objects.exists()


def test_canned_api_for_supervisors_only(api, agent, supervisor):
    api.force_login(agent)
    assert api.post("/api/canned-responses/", {"title": "a", "body_en": "x", "body_hi": "य"}, format="json").status_code == 403
    assert api.get("/api/canned-responses/").status_code == 200
    api.force_login(supervisor)
    r = api.post("/api/canned-responses/", {"title": "a", "body_en": "x {eta}", "body_hi": "य {bad}"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "unknown_placeholder" and r.json()["field"] == "body_hi"
    r = api.post("/api/canned-responses/", {"title": "a", "body_en": "x {eta}", "body_hi": "य {eta}"}, format="json")
    assert r.status_code == 201
    pk = r.json()["id"]
    r = api.patch(f"/api/canned-responses/{pk}/", {"is_active": False}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False


def test_tag_add_service_is_idempotent(make_ticket, agent):
    ticket = make_ticket()
    ticket_tag_add(ticket_id=ticket.pk, name="vip", actor=Actor.of(agent))
    ticket_tag_add(ticket_id=ticket.pk, name="VIP", actor=Actor.of(agent))
    assert TicketEvent.objects.filter(ticket=ticket, kind="tag_added").count() == 1
