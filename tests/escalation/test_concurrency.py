"""On PostgreSQL: parallel sweeps and a delayed task racing on one ticket fire each step once;
an acknowledgement racing a step means nothing is sent after the acknowledgement commits."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from escalation import engine, services, tasks
from escalation.models import Clock, EscalationRecord, TicketSLA
from escalation.people import on_call_now
from notifications.channels import MemorySms
from notifications.models import OutboxMessage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def make_due(ticket, minutes_ago: int) -> None:
    """Move the ticket's running clocks into the past, as if `minutes_ago` had passed."""
    shift = dt.timedelta(minutes=minutes_ago)
    for clock in Clock.objects.filter(ticket=ticket, state="running"):
        Clock.objects.filter(pk=clock.pk).update(started_at=clock.started_at - shift,
                                                 resumed_at=clock.resumed_at - shift, due_at=clock.due_at - shift)
    TicketSLA.objects.filter(ticket=ticket).update(next_action_at=timezone.now() - dt.timedelta(seconds=1))


def run_together(*functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def wrap(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def test_two_sweeps_and_a_delayed_task_fire_each_step_once(policy, people, make_ticket, sms_outbox):
    tickets = [make_ticket() for _ in range(5)]
    for ticket in tickets:
        make_due(ticket, 60 + 16)  # resolution breached 16 min ago: level 1 and level 2 are due
    on_call = on_call_now(people["vendor"].pk, timezone.now()).mobile
    run_together(engine.sweep, engine.sweep, lambda: tasks.sweep.apply(), engine.sweep)
    for ticket in tickets:
        records = EscalationRecord.objects.filter(ticket=ticket).order_by("level")
        assert [(r.clock.kind, r.level, r.loop) for r in records] == [("resolution", 1, 1), ("resolution", 2, 1)]
        # Level 1: the engineer on call by SMS; level 2: the officer by SMS and email.
        keys = sorted(OutboxMessage.objects.filter(ticket=ticket).values_list("recipient", "channel"))
        assert keys == sorted([(on_call, "sms"), ("9100000003", "sms"), ("o@x.org", "email")])
        assert ticket.events.filter(kind="escalation_fired").count() == 2
        assert sorted(ticket.events.filter(kind="sla_breach").values_list("to_value", flat=True)) == [
            "first_response", "resolution"]
    assert sorted(to for to, _text in sms_outbox) == sorted([on_call, "9100000003"] * 5)


class SlowSms(MemorySms):
    """A gateway that takes a while, recording when each send finished."""

    finished: list[float] = []

    def send(self, *, to, text):
        time.sleep(0.05)
        super().send(to=to, text=text)
        self.finished.append(time.monotonic())


@pytest.mark.parametrize("round_", range(4))
def test_acknowledgement_racing_a_step_sends_nothing_after_it_commits(round_, policy, people, make_ticket,
                                                                       monkeypatch, sms_outbox):
    monkeypatch.setattr("notifications.channels.sms_backend", lambda: SlowSms())
    SlowSms.finished = []
    ticket = make_ticket()
    make_due(ticket, 60)  # resolution due now: level 1 fires
    engine.sweep()
    assert EscalationRecord.objects.filter(ticket=ticket).count() == 1
    make_due(ticket, 15)  # level 2 is now due
    committed: list[float] = []

    def acknowledge():
        from django.db import transaction

        with transaction.atomic():
            services.escalation_acknowledge(ticket_id=ticket.pk, user=people["eng1"], via="app")
            transaction.on_commit(lambda: committed.append(time.monotonic()))

    run_together(engine.sweep, acknowledge)
    assert committed, "the acknowledgement committed"
    late = [t for t in SlowSms.finished if t > committed[0]]
    assert late == []
    level2 = OutboxMessage.objects.filter(ticket=ticket, notice__record__level=2)
    # Either the step lost (nothing created) or every one of its messages was sent before the
    # acknowledgement committed or cancelled: never pending, never sent afterwards.
    assert not level2.filter(status__in=["pending", "sending"]).exists()
    clock = Clock.objects.get(ticket=ticket, kind="resolution")
    assert clock.acknowledged_at is not None
