"""helpdesk.rows.insert_rows, the hot paths' insert: the same rows the ORM would write (defaults,
auto_now_add, JSON), ids in the order of the rows across the database's parameter-limit chunks,
a row given its own primary key (the SLA row's is its ticket's), and an unsaved related object
refused as bulk_create refuses it."""

from __future__ import annotations

import re

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


def test_values_passed_unchanged_are_exactly_what_the_fields_would_prepare(make_ticket):
    """row_params skips the fields' preparation only where it gives the value back: text, flags,
    and (where the database adds nothing) integers and keys. Every other value, a value of
    another type, goes through the field: the parameters equal the ORM's own, field by field."""
    from escalation.models import Clock
    from helpdesk.rows import insert_sql, row_params
    from notifications.models import OutboxMessage

    ticket = make_ticket()
    ticket_row = Ticket(number="ROWS0002", requester_kind="citizen", channel="web", district_id=ticket.district_id,
                        category_id=ticket.category_id, description="x", requester_mobile="9876500000",
                        chased_count=3, subject=7)  # an int in a text field: prepared by the field
    objs = [
        ticket_row,
        TicketEvent(ticket=ticket, kind="comment", actor_label="system", payload={"n": 1}, is_public=True),
        OutboxMessage(channel="sms", recipient="9876500000", body="b", idempotency_key="rows:1", ticket_id=ticket.pk),
        Clock(sla_id=ticket.pk, kind="first_response", cycle=2, goal_minutes=30),  # a key to a one-to-one key
        TicketSLA(ticket_id=ticket.pk, snapshot={"targets": {}}),
    ]
    for obj in objs:
        fields = insert_sql(type(obj), 1, with_pk=obj.pk is not None)[1]
        fast = row_params([obj], fields)
        slow = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
        for field, got, want in zip(fields, fast, slow, strict=True):
            if field.get_internal_type() == "DateTimeField":
                continue  # pre_save of auto_now(_add) stamps each call anew
            assert type(got) is type(want) and repr(got) == repr(want), field.name
    assert row_params([ticket_row], insert_sql(Ticket, 1)[1]).count("7") == 1  # subject 7 -> "7"


def test_rows_of_several_models_in_one_query(make_ticket):
    """insert_rows_together: on PostgreSQL one statement sent (one round trip) for the SLA row and
    its clocks, each group's ids from its own result; the same rows as insert_rows would write."""
    from django.utils import timezone

    from escalation.models import Clock
    from helpdesk.rows import insert_rows_together

    ticket = make_ticket()
    TicketSLA.objects.filter(pk=ticket.pk).delete()
    sla = TicketSLA(ticket=ticket, snapshot={"targets": {}})
    clocks = [Clock(sla=sla, ticket=ticket, kind=kind, cycle=7, goal_minutes=30, started_at=timezone.now(),
                    due_at=timezone.now(), resumed_at=timezone.now()) for kind in ("first_response", "resolution")]
    with CaptureQueriesContext(connection) as queries:
        insert_rows_together([[sla], clocks, []])
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert all(c.pk is not None and not c._state.adding for c in clocks) and not sla._state.adding
    stored = dict(Clock.objects.filter(sla_id=ticket.pk, cycle=7).values_list("pk", "kind"))
    assert stored == {clocks[0].pk: "first_response", clocks[1].pk: "resolution"}
    assert TicketSLA.objects.get(pk=ticket.pk).snapshot == {"targets": {}}


@pytest.mark.postgres
def test_with_server_side_binding_each_statement_is_its_own_query(make_ticket, monkeypatch):
    """Server-side binding (the `server_side_binding` option) takes one statement per query:
    the joined inserts and the caller's lock with the duplicate check fall back to one each."""
    from django.db import connections

    from tickets.models import Category
    from tickets.services import Actor, ticket_create

    db = connections["default"]
    monkeypatch.setitem(db.settings_dict, "OPTIONS", {**db.settings_dict.get("OPTIONS", {}), "server_side_binding": True})
    ticket = make_ticket()
    with CaptureQueriesContext(connection) as queries:
        ticket_create(district=ticket.district, category=Category.objects.get(code="otp-not-received"),
                      description="x", requester_kind="citizen", channel="web", actor=Actor(label="citizen"),
                      requester_mobile="9876512399")
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any(re.search(r";\s*(SELECT|INSERT)", sql) for sql in statements), statements
    assert any(sql.startswith("SELECT pg_advisory_xact_lock") for sql in statements)
