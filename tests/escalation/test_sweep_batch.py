"""The sweep writes a batch together: the statements of a batch do not grow with its tickets,
a step that had already fired is skipped without a second event, and the idle sweep is one
statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation import engine
from escalation.models import Clock, EscalationNotice, EscalationRecord, TicketSLA
from escalation.people import clear_cache
from notifications.models import OutboxMessage
from tests.escalation.test_concurrency import make_due

pytestmark = [pytest.mark.django_db]


def sweep_statements() -> tuple[int, int]:
    clear_cache()  # the on-call lookup is cached for a few seconds; count it in every sweep
    with CaptureQueriesContext(connection) as queries:
        done = engine.sweep()
    return done, len(queries.captured_queries)


def test_the_statements_of_a_batch_do_not_grow_with_its_tickets(policy, people, make_ticket):
    few = [make_ticket() for _ in range(2)]
    for ticket in few:
        make_due(ticket, 61)  # breached and ladder level 1 due
    done_few, statements_few = sweep_statements()
    many = [make_ticket() for _ in range(12)]
    for ticket in many:
        make_due(ticket, 61)
    done_many, statements_many = sweep_statements()
    assert (done_few, done_many) == (2, 12)
    assert statements_many == statements_few
    for ticket in [*few, *many]:
        assert ticket.events.filter(kind="sla_breach", to_value="resolution").count() == 1
        fired = ticket.events.get(kind="escalation_fired", to_value="resolution")
        record = EscalationRecord.objects.get(ticket=ticket, clock__kind="resolution")
        assert fired.payload["record_id"] == record.pk and fired.payload["level"] == 1
        assert fired.payload["recipients"]  # the engineer on call, by name
        notices = EscalationNotice.objects.filter(record=record)
        assert notices.exists()
        assert OutboxMessage.objects.filter(notice__in=notices, idempotency_key__startswith=f"esc:{record.pk}:").exists()
        clock = Clock.objects.get(ticket=ticket, kind="resolution")
        assert clock.ladder_done == 1 and clock.breached_at is not None
        assert TicketSLA.objects.get(ticket=ticket).next_action_at > timezone.now()


def test_a_step_that_had_fired_is_skipped_without_a_second_event(policy, people, make_ticket):
    ticket = make_ticket()
    make_due(ticket, 61)
    clock = Clock.objects.get(ticket=ticket, kind="resolution")
    # As if a sweep had written the record and died before the clock's counter was saved.
    earlier = EscalationRecord.objects.create(
        ticket=ticket, clock=clock, level=1, loop=1, district_id=ticket.district_id, due_at=clock.due_at,
        fired_at=timezone.now(), ack_target_minutes=15)
    assert engine.sweep() == 1
    assert list(EscalationRecord.objects.filter(ticket=ticket, clock=clock)) == [earlier]
    assert not ticket.events.filter(kind="escalation_fired", to_value="resolution").exists()
    assert not OutboxMessage.objects.filter(notice__record=earlier).exists()
    assert Clock.objects.get(pk=clock.pk).ladder_done == 1  # moved past the step all the same


def test_the_idle_sweep_is_one_statement(policy, make_ticket):
    make_ticket()  # clocks running, nothing due yet
    done, statements = sweep_statements()
    assert (done, statements) == (0, 1)
