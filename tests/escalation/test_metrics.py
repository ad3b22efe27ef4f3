"""Escalation's metrics: steps fired by level, acknowledgements and their latency (counted after
commit, equal to the records), and the scrape-time figures (sweep lag, outbox, unacknowledged P1)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from prometheus_client import REGISTRY

from escalation import engine, services
from escalation import metrics as escalation_metrics
from escalation.models import EscalationRecord, TicketSLA
from notifications.models import OutboxMessage
from tests.escalation.conftest import T0
from tickets import services as ts

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def gauges(collect) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in collect() for s in family.samples}


def test_steps_fired_and_acknowledged_are_counted_with_their_latency(policy, people, make_ticket, sms_outbox,
                                                                    django_capture_on_commit_callbacks):
    fired_before = {level: sample("helpdesk_escalation_steps_fired_total", level=str(level)) for level in (1, 2)}
    acks_before = sample("helpdesk_acknowledgements_total", via="app")
    latency_count = sample("helpdesk_acknowledgement_latency_seconds_count", level="1")
    latency_sum = sample("helpdesk_acknowledgement_latency_seconds_sum", level="1")
    within_5m = sample("helpdesk_acknowledgement_latency_seconds_bucket", level="1", le="300.0")
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket()
            ts.ticket_mark_contacted(ticket_id=ticket.pk, actor=ts.Actor.of(people["dept"]))
            ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                                 vendor=people["vendor"])
        figures = gauges(escalation_metrics.unacknowledged_p1)
        assert figures[("helpdesk_p1_unacknowledged", ())] == 1

        # The first action (a warning) due 40 s ago and not swept yet: that is the sweep's lag.
        due = TicketSLA.objects.get(ticket=ticket).next_action_at
        clock.move_to(due + dt.timedelta(seconds=40))
        assert gauges(escalation_metrics.sweep)[("helpdesk_sweep_lag_seconds", ())] == pytest.approx(40, abs=1)
        clock.move_to(T0 + dt.timedelta(minutes=15, seconds=40))
        lag = gauges(escalation_metrics.sweep)
        assert lag[("helpdesk_sweep_lag_seconds", ())] == pytest.approx((T0 + dt.timedelta(minutes=15, seconds=40)
                                                                          - due).total_seconds(), abs=1)
        assert lag[("helpdesk_sweep_due", ())] == 1
        with django_capture_on_commit_callbacks(execute=True):
            engine.sweep()
        assert gauges(escalation_metrics.sweep)[("helpdesk_sweep_lag_seconds", ())] == 0
        fired = EscalationRecord.objects.filter(ticket=ticket)
        assert fired.filter(level=1).exists()
        for level in (1, 2):
            assert (sample("helpdesk_escalation_steps_fired_total", level=str(level)) - fired_before[level]
                    == fired.filter(level=level).count())

        clock.move_to(T0 + dt.timedelta(minutes=18))
        with django_capture_on_commit_callbacks(execute=True):
            result = services.escalation_acknowledge(ticket_id=ticket.pk, user=people["eng1"], via="app")
        assert result.acknowledged
    acked = list(EscalationRecord.objects.filter(ticket=ticket, level=1, acknowledged_at__isnull=False))
    assert acked
    assert sample("helpdesk_acknowledgements_total", via="app") == acks_before + 1
    assert sample("helpdesk_acknowledgement_latency_seconds_count", level="1") == latency_count + len(acked)
    assert (sample("helpdesk_acknowledgement_latency_seconds_sum", level="1") - latency_sum
            == pytest.approx(sum(r.ack_seconds for r in acked), abs=1))
    assert sample("helpdesk_acknowledgement_latency_seconds_bucket", level="1", le="300.0") == within_5m + len(acked)
    assert gauges(escalation_metrics.unacknowledged_p1)[("helpdesk_p1_unacknowledged", ())] == 0


def test_a_rolled_back_step_counts_nothing(policy, people, make_ticket):
    """Counted on commit: the test's transaction never commits, so nothing is counted."""
    before = sample("helpdesk_escalation_steps_fired_total", level="1")
    with time_machine.travel(T0, tick=False) as clock:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                             vendor=people["vendor"])
        clock.move_to(T0 + dt.timedelta(minutes=20))
        engine.sweep()
    assert EscalationRecord.objects.filter(level=1).exists()
    assert sample("helpdesk_escalation_steps_fired_total", level="1") == before


def test_outbox_figures_and_the_oldest_pending_age(db):
    now = dt.datetime.now(dt.UTC)
    for key, status, minutes in (("a", "pending", 7), ("b", "pending", 1), ("c", "failed", 30), ("d", "sent", 60),
                                 ("e", "sending", 3)):
        row = OutboxMessage.objects.create(idempotency_key=key, channel="sms", recipient="9800000001", body="x",
                                           status=status, sent_at=now if status == "sent" else None)
        OutboxMessage.objects.filter(pk=row.pk).update(created_at=now - dt.timedelta(minutes=minutes))
    figures = gauges(escalation_metrics.outbox)
    assert figures[("helpdesk_outbox_messages", (("status", "pending"),))] == 2
    assert figures[("helpdesk_outbox_messages", (("status", "sending"),))] == 1
    assert figures[("helpdesk_outbox_messages", (("status", "failed"),))] == 1
    assert figures[("helpdesk_outbox_oldest_pending_seconds", ())] == pytest.approx(7 * 60, abs=5)


def test_no_sweep_row_no_heartbeat_series(db):
    assert not TicketSLA.objects.exists()
    names = {name for name, _labels in gauges(escalation_metrics.sweep)}
    assert "helpdesk_sweep_last_run_age_seconds" not in names
    assert "helpdesk_sweep_lag_seconds" in names
