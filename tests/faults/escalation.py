"""Escalation fixtures for the fault tests: tickets whose whole ladder is already due, and the
ledger read back as multisets that do not depend on row ids (so two databases compare)."""

from __future__ import annotations

import collections

from .harness import run_django, sql

PREPARE_DUE_TICKETS = """
from accounts.models import District
from tickets.models import Category
from tickets import services
from escalation.models import Clock, TicketSLA
from django.db.models import F
from django.utils import timezone
import datetime as dt

category = Category.objects.get(code="portal-down")
districts = list(District.objects.order_by("id")[:{n}])
ids = []
for i in range({n}):
    result = services.ticket_create(
        district=districts[i % len(districts)], category=category, priority="P1",
        description=f"Portal down at the centre (fault test {{i}})", requester_kind="agent", channel="phone",
        actor=services.SYSTEM, requester_name=f"Caller {{i}}", requester_mobile=f"6{{i:09d}}", notify=False)
    ids.append(result.ticket.pk)
# The whole ladder fell due an hour ago: every clock started an hour earlier than it did.
shift = dt.timedelta(hours={hours})
Clock.objects.filter(ticket_id__in=ids).update(
    started_at=F("started_at") - shift, resumed_at=F("resumed_at") - shift, due_at=F("due_at") - shift)
TicketSLA.objects.filter(ticket_id__in=ids).update(next_action_at=timezone.now() - shift)
result = ids
"""

RUN_SWEEPS = """
from escalation import engine
rounds = []
for _ in range(50):
    done = engine.sweep()
    rounds.append(done)
    if not done:
        break
result = rounds
"""


def prepare_due_tickets(env: dict[str, str], n: int, hours: float = 1) -> list[int]:
    return run_django(env, PREPARE_DUE_TICKETS.format(n=n, hours=hours))


def ledger(database_url: str, ticket_ids: list[int]) -> dict[str, collections.Counter]:
    """The escalation ledger, the outbox rows it queued and the SLA events, as multisets."""
    records = sql(database_url, """
        SELECT r.ticket_id, c.kind, c.cycle, r.level, r.loop FROM escalation_escalationrecord r
        JOIN escalation_clock c ON c.id = r.clock_id WHERE r.ticket_id = ANY(%s)""", (ticket_ids,))
    outbox = sql(database_url, """
        SELECT r.ticket_id, c.kind, r.level, r.loop, o.recipient, o.channel FROM escalation_outboxmessage o
        JOIN escalation_escalationnotice n ON n.id = o.notice_id
        JOIN escalation_escalationrecord r ON r.id = n.record_id
        JOIN escalation_clock c ON c.id = r.clock_id WHERE r.ticket_id = ANY(%s)""", (ticket_ids,))
    events = sql(database_url, """
        SELECT ticket_id, kind, to_value FROM tickets_ticketevent
        WHERE ticket_id = ANY(%s) AND kind IN ('sla_warning', 'sla_breach', 'escalation_fired')""", (ticket_ids,))
    return {"records": collections.Counter(records), "outbox": collections.Counter(outbox),
            "events": collections.Counter(events)}


def outbox_status(database_url: str, ticket_ids: list[int]) -> collections.Counter:
    rows = sql(database_url, """
        SELECT o.status, count(*) FROM escalation_outboxmessage o WHERE o.notice_id IS NOT NULL
        AND o.ticket_id = ANY(%s) GROUP BY o.status""", (ticket_ids,))
    return collections.Counter(dict(rows))


def make_due(database_url: str, ticket_ids: list[int], hours: float = 1) -> None:
    """Move these tickets' clocks `hours` into the past (plain SQL: works while Redis is down)."""
    shift = f"{float(hours)} hours"
    sql(database_url, """UPDATE escalation_clock SET started_at = started_at - %s::interval,
        resumed_at = resumed_at - %s::interval, due_at = due_at - %s::interval
        WHERE ticket_id = ANY(%s) AND state <> 'stopped'""", (shift, shift, shift, ticket_ids))
    sql(database_url, "UPDATE escalation_ticketsla SET next_action_at = now() WHERE ticket_id = ANY(%s)",
        (ticket_ids,))
