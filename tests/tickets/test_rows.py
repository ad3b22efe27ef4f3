"""helpdesk.rows.insert_rows, the hot paths' insert: the same rows the ORM would write (defaults,
auto_now_add, JSON), ids in the order of the rows across the database's parameter-limit chunks,
a row given its own primary key (the SLA row's is its ticket's), and an unsaved related object
refused as bulk_create refuses it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import TicketSLA
from helpdesk.rows import insert_rows
from tickets.models import Category, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_many_rows_keep_their_order_and_ids_across_chunks(make_ticket):
    ticket = make_ticket()
    events = [TicketEvent(ticket=ticket, kind="comment", actor_label="system", payload={"n": n},
                          to_value=str(n)) for n in range(700)]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(events)
    fields = [f for f in TicketEvent._meta.concrete_fields if not f.primary_key]
    chunk = connection.ops.bulk_batch_size(fields, events)
    assert len(queries) == -(-700 // chunk)  # one statement per chunk
    assert len({e.pk for e in events}) == 700 and all(not e._state.adding for e in events)
    stored = dict(TicketEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("pk", "payload"))
    assert all(stored[e.pk] == {"n": n} for n, e in enumerate(events))
    assert all(e.created_at is not None for e in events)


def test_defaults_and_timestamps_are_what_the_orm_writes(make_ticket):
    category = Category.objects.get(code="otp-not-received")
    ticket = Ticket(number="ROWS0001", requester_kind="citizen", channel="web", district_id=make_ticket().district_id,
                    category=category, description="x")
    insert_rows([ticket])
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.priority, stored.version, stored.chased_count) == ("new", "P3", 1, 0)
    assert stored.created_at == ticket.created_at and stored.updated_at == ticket.updated_at


def test_a_row_with_its_own_primary_key(make_ticket):
    ticket = make_ticket()
    TicketSLA.objects.filter(pk=ticket.pk).delete()
    sla = TicketSLA(ticket=ticket, snapshot={"targets": {}})
    insert_rows([sla])
    assert TicketSLA.objects.get(pk=ticket.pk).snapshot == {"targets": {}}


def test_an_unsaved_related_object_is_refused(make_ticket):
    with pytest.raises(ValueError):
        insert_rows([TicketEvent(ticket=Ticket(number="UNSAVED1"), kind="comment")])


def test_a_taken_ticket_number_is_drawn_again_in_the_same_transaction(make_ticket, monkeypatch):
    taken = make_ticket().number
    draws = iter([taken, taken, "FRESH234"])
    monkeypatch.setattr("tickets.services.create.new_number", lambda: next(draws))
    ticket = make_ticket()
    assert ticket.number == "FRESH234" and Ticket.objects.filter(number=taken).count() == 1
    assert ticket.events.filter(kind="created").exists() and ticket.sla is not None
