import pytest

from helpdesk.exceptions import InvalidInput, NotFound
from tickets.models import Ticket, TicketEvent
from tickets.services import (
    Actor,
    InvalidTransition,
    ticket_attach_registration,
    ticket_comment,
    ticket_merge,
    ticket_transition,
)

pytestmark = pytest.mark.django_db


def test_attach_registration_records_an_event(make_ticket, agent):
    ticket = make_ticket()
    ticket_attach_registration(ticket_id=ticket.pk, reference_id="12345678901234", actor=Actor.of(agent))
    ticket.refresh_from_db()
    assert ticket.registration_reference == "12345678901234"
    event = TicketEvent.objects.filter(ticket=ticket, kind="registration_attached").get()
    assert event.to_value == "12345678901234" and event.actor == agent
    assert ticket.version == 2
    # the same reference again is a no-op
    ticket_attach_registration(ticket_id=ticket.pk, reference_id="12345678901234", actor=Actor.of(agent))
    assert TicketEvent.objects.filter(ticket=ticket, kind="registration_attached").count() == 1


@pytest.mark.parametrize("bad", ["1234567890123", "123456789012345", "१२३४५६७८९०१२३४", "１２３４５６７８９０１２３４",
                                 "1234567890123%", "1e13", 12345678901234, ["12345678901234"], "", None,
                                 "<b>12345678901234</b>", "1234567 8901234"])
def test_attach_registration_refuses_bad_references(make_ticket, agent, bad):
    ticket = make_ticket()
    with pytest.raises(InvalidInput):
        ticket_attach_registration(ticket_id=ticket.pk, reference_id=bad, actor=Actor.of(agent))
    ticket.refresh_from_db()
    assert ticket.registration_reference == ""


def test_created_ticket_sends_the_secret_link_by_sms(make_ticket, sent_sms, settings):
    ticket = make_ticket(mobile="9812345678")
    [(to, body, key)] = sent_sms()
    assert to == "9812345678"
    assert key == f"ticket:{ticket.pk}:created"
    assert f"{settings.SITE_URL}/t/{ticket.number}/" in body
    assert ticket.display_number in body


def test_created_ticket_sms_in_hindi(make_ticket, sent_sms):
    make_ticket(mobile="9812345678", requester_language="hi")
    [(_, body, _)] = sent_sms()
    assert "शिकायत" in body


def test_merge_points_tickets_to_survivor_and_forwards_public_replies(make_ticket, supervisor, sent_sms):
    survivor = make_ticket(mobile="9800000001")
    dup1 = make_ticket(mobile="9800000002")
    dup2 = make_ticket(mobile="9800000003")
    ticket_merge(survivor_id=survivor.pk, merged_ids=[dup1.pk, dup2.pk], actor=Actor.of(supervisor))
    for dup in (dup1, dup2):
        dup.refresh_from_db()
        assert dup.status == "merged" and dup.merged_into_id == survivor.pk
    assert TicketEvent.objects.filter(ticket=survivor, kind="merged").count() == 2
    before = len(sent_sms())
    ticket_comment(ticket_id=survivor.pk, body="Fixed, please retry", actor=Actor.of(supervisor), is_public=True)
    new = sent_sms()[before:]
    assert sorted(to for to, _, _ in new) == ["9800000001", "9800000002", "9800000003"]
    assert all("Fixed, please retry" in body for _, body, _ in new)
    # an internal note sends nothing
    ticket_comment(ticket_id=survivor.pk, body="internal", actor=Actor.of(supervisor), is_public=False)
    assert len(sent_sms()) == before + 3


def test_merge_refuses_bad_requests(make_ticket, supervisor):
    a, b = make_ticket(), make_ticket()
    with pytest.raises(InvalidInput):
        ticket_merge(survivor_id=a.pk, merged_ids=[a.pk], actor=Actor.of(supervisor))
    with pytest.raises(InvalidInput):
        ticket_merge(survivor_id=a.pk, merged_ids=[], actor=Actor.of(supervisor))
    with pytest.raises(NotFound):
        ticket_merge(survivor_id=a.pk, merged_ids=[b.pk, 999999], actor=Actor.of(supervisor))
    ticket_transition(ticket_id=b.pk, to="resolved", actor=Actor.of(supervisor))
    ticket_transition(ticket_id=b.pk, to="closed", actor=Actor.of(supervisor))
    with pytest.raises(InvalidTransition):
        ticket_merge(survivor_id=a.pk, merged_ids=[b.pk], actor=Actor.of(supervisor))
    assert Ticket.objects.get(pk=b.pk).status == "closed"


def test_record_event_from_a_listener_reuses_the_dispatched_ticket(make_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets import hooks
    from tickets.services import ticket_record_event

    ticket = make_ticket()
    seen = []

    def listener(t, events):
        if events[0].kind == "note_for_test":
            return
        with CaptureQueriesContext(connection) as queries:
            seen.append(ticket_record_event(ticket_id=t.pk, kind="note_for_test", actor=Actor(label="system")))
        assert not [q for q in queries.captured_queries if "tickets_ticket\"" in q["sql"] and
                    q["sql"].startswith("SELECT")]  # no re-read of the ticket

    saved = list(hooks._listeners)
    hooks._listeners[:] = [listener]
    try:
        ticket_comment(ticket_id=ticket.pk, body="x", actor=Actor(label="citizen"), is_public=True)
    finally:
        hooks._listeners[:] = saved
    assert len(seen) == 1 and seen[0].ticket_id == ticket.pk
    assert hooks.dispatching(ticket.pk) is None
