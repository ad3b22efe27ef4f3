"""The status table, cell by cell: every (from, to) pair is either a move that happens or a 409
that changes nothing; `merged` is reached only by merging (which names the survivor), so a bare
status change to it is a 400 that changes nothing. The expected table is written out here, not read from TRANSITIONS, so a
change to the table in tickets/models.py fails this test until it is made here too."""

import pytest

from helpdesk.exceptions import InvalidInput
from tests.factories import VendorFactory
from tickets.models import Ticket, TicketEvent, TicketStatus
from tickets.services import Actor, InvalidTransition, ticket_transition

pytestmark = pytest.mark.django_db

WORKING = {"in_progress", "awaiting_citizen", "awaiting_vendor", "resolved"}
ALLOWED = {
    "new": {"acknowledged"} | WORKING,
    "acknowledged": WORKING,
    "in_progress": WORKING - {"in_progress"},
    "awaiting_citizen": WORKING - {"awaiting_citizen"},
    "awaiting_vendor": WORKING - {"awaiting_vendor"},
    "reopened": {"acknowledged"} | WORKING,
    "resolved": {"closed", "reopened"},
    "closed": set(),
    "merged": set(),
}
CELLS = [(a, b) for a in TicketStatus.values for b in TicketStatus.values]


def test_the_table_covers_every_status():
    assert set(ALLOWED) == set(TicketStatus.values)


@pytest.mark.parametrize(("start", "to"), CELLS, ids=[f"{a}->{b}" for a, b in CELLS])
def test_cell(start, to, make_ticket, supervisor):
    vendor = VendorFactory()
    ticket = make_ticket()
    survivor = make_ticket() if start == "merged" else None
    Ticket.objects.filter(pk=ticket.pk).update(status=start, vendor=vendor, merged_into=survivor)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    if to in ALLOWED[start]:
        moved = ticket_transition(ticket_id=ticket.pk, to=to, actor=Actor.of(supervisor))
        assert moved.status == to
        assert Ticket.objects.get(pk=ticket.pk).status == to
        assert TicketEvent.objects.filter(ticket=ticket, kind="status_changed", from_value=start,
                                          to_value=to).count() == 1
        return
    expected = InvalidInput if to == "merged" else InvalidTransition
    with pytest.raises(expected) as refused:
        ticket_transition(ticket_id=ticket.pk, to=to, actor=Actor.of(supervisor))
    assert refused.value.status_code == (400 if to == "merged" else 409)
    assert Ticket.objects.get(pk=ticket.pk).status == start
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


def test_a_status_change_to_merged_over_the_api_is_a_400_not_a_500(make_ticket, api, supervisor):
    ticket = make_ticket()
    api.force_login(supervisor)
    answer = api.post(f"/api/tickets/{ticket.number}/transition/", {"to": "merged"}, format="json")
    assert answer.status_code == 400 and answer.json()["field"] == "to"
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
