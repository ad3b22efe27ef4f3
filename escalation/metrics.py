"""Escalation's figures read at scrape time (registered with `helpdesk.metrics.register`).

Each is one indexed query: the outbox's pending and failed rows and its oldest pending one (partial
index `outbox_pending_due`), the sweep's lag (the oldest due `next_action_at`, partial index
`sla_next_action`) and heartbeat, the open P1 tickets nobody has acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from helpdesk import metrics
from notifications.models import OutboxMessage
from tickets.models import OPEN_STATUSES, Priority, Ticket

from .heartbeat import SWEEP
from .models import Clock, Heartbeat, TicketSLA


def _age(now, then) -> float:
    return max(0.0, (now - then).total_seconds()) if then else 0.0


def outbox() -> Iterable[Metric]:
    now = timezone.now()
    figures = OutboxMessage.objects.aggregate(
        pending=Count("pk", filter=Q(status=OutboxMessage.Status.PENDING)),
        sending=Count("pk", filter=Q(status=OutboxMessage.Status.SENDING)),
        failed=Count("pk", filter=Q(status=OutboxMessage.Status.FAILED)),
        oldest=Min("created_at", filter=Q(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING])),
    )
    by_status = GaugeMetricFamily("helpdesk_outbox_messages", "Outbox rows by status (sent and cancelled rows not counted).",
                                  labels=["status"])
    for status in ("pending", "sending", "failed"):
        by_status.add_metric([status], figures[status])
    oldest = GaugeMetricFamily("helpdesk_outbox_oldest_pending_seconds",
                               "Age of the oldest message not yet sent (pending or sending); 0 when none.")
    oldest.add_metric([], _age(now, figures["oldest"]))
    return [by_status, oldest]


def sweep() -> Iterable[Metric]:
    now = timezone.now()
    due = TicketSLA.objects.filter(next_action_at__lte=now).aggregate(oldest=Min("next_action_at"), n=Count("pk"))
    lag = GaugeMetricFamily("helpdesk_sweep_lag_seconds",
                            "How late the most overdue escalation action is (its next_action_at is past); 0 when none is due.")
    lag.add_metric([], _age(now, due["oldest"]))
    waiting = GaugeMetricFamily("helpdesk_sweep_due", "Tickets whose next escalation action is due now.")
    waiting.add_metric([], due["n"])
    row = Heartbeat.objects.filter(name=SWEEP).only("last_run_at", "last_duration_ms").first()
    last = GaugeMetricFamily("helpdesk_sweep_last_run_age_seconds",
                             "Seconds since the sweep last ran to the end (since watching began when it never ran); "
                             "absent before either.")
    duration = GaugeMetricFamily("helpdesk_sweep_last_duration_seconds", "How long the last sweep took.")
    if row is not None:
        last.add_metric([], _age(now, row.last_run_at or row.created_at))
        duration.add_metric([], row.last_duration_ms / 1000)
    return [lag, waiting, last, duration]


def unacknowledged_p1() -> Iterable[Metric]:
    now = timezone.now()
    acknowledged = Clock.objects.filter(ticket=OuterRef("pk"), acknowledged_at__isnull=False)
    figures = (Ticket.objects.filter(priority=Priority.P1, status__in=OPEN_STATUSES)
               .exclude(Exists(acknowledged))
               .aggregate(n=Count("pk"), oldest=Min("created_at")))
    count = GaugeMetricFamily("helpdesk_p1_unacknowledged", "Open P1 tickets that nobody has acknowledged yet.")
    count.add_metric([], figures["n"])
    oldest = GaugeMetricFamily("helpdesk_p1_unacknowledged_oldest_seconds",
                               "Age of the oldest open P1 ticket nobody has acknowledged; 0 when none.")
    oldest.add_metric([], _age(now, figures["oldest"]))
    return [count, oldest]


def register() -> None:
    metrics.register("outbox", outbox)
    metrics.register("sweep", sweep)
    metrics.register("p1_unacknowledged", unacknowledged_p1)
