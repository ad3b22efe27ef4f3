"""Reads: a ticket's clocks, the vendor queue, what a signed link shows."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts import permissions
from tickets.models import OPEN_STATUSES, Ticket

from . import clocks as ck
from .models import Clock, EscalationRecord, TicketSLA


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def ticket_clocks(ticket_id: int, *, now: dt.datetime | None = None) -> list[dict]:
    """Every clock of the ticket, newest cycle last: due, time left or breached by, paused and
    why, business and wall-clock elapsed (minutes). Two queries."""
    now = now or timezone.now()
    sla = TicketSLA.objects.filter(ticket_id=ticket_id).only("snapshot").first()
    if sla is None:
        return []
    out = []
    for clock in Clock.objects.filter(sla_id=ticket_id).order_by("kind", "cycle"):
        business, wall = ck.elapsed(clock, now, sla.snapshot)
        left = None
        if clock.state == Clock.State.RUNNING and clock.due_at:
            left = _minutes(clock.due_at - now) if clock.due_at >= now else -_minutes(now - clock.due_at) - (1 if (now - clock.due_at).total_seconds() % 60 else 0)
        end = clock.stopped_at if clock.state == Clock.State.STOPPED else None
        target_at = clock.eta_at or clock.due_at
        breached = (clock.breached_at is not None) or (end is not None and target_at is not None and end > target_at) \
            or (clock.state == Clock.State.RUNNING and clock.due_at is not None and now > clock.due_at)
        out.append({
            "id": clock.pk,
            "kind": clock.kind,
            "label": str(clock.get_kind_display()),
            "cycle": clock.cycle,
            "state": clock.state,
            "goal_minutes": clock.goal_minutes,
            "business": clock.business,
            "calendar": "24x7" if (not clock.business or sla.snapshot["calendar"].get("always_open")) else "business hours",
            "started_at": clock.started_at,
            "due_at": clock.due_at if clock.state != Clock.State.PAUSED else None,
            "eta_at": clock.eta_at,
            "minutes_left": left if left is not None and left >= 0 else None,
            "breached_by_minutes": -left if left is not None and left < 0 else (
                _minutes(end - target_at) if breached and end and target_at and end > target_at else None),
            "breached": breached,
            "paused": clock.state == Clock.State.PAUSED,
            "pause_reason": clock.pause_reason,
            "paused_at": clock.paused_at,
            "elapsed_business_minutes": _minutes(business),
            "elapsed_wall_minutes": _minutes(wall),
            "warnings_sent": clock.warnings_done,
            "escalation_steps": clock.ladder_done,
            "acknowledged_at": clock.acknowledged_at,
            "stopped_at": clock.stopped_at,
            "stop_reason": clock.stop_reason,
        })
    return out


def vendor_queue(user) -> QuerySet:
    """Open tickets handed to a vendor that `user` may see (vendor staff: their vendor only),
    most urgent first, annotated with `waiting_ack` (an escalation fired, nobody acknowledged)."""
    waiting = EscalationRecord.objects.filter(ticket=OuterRef("pk"), acknowledged_at__isnull=True,
                                              clock__state="running", clock__acknowledged_at__isnull=True)
    base = permissions.scope_tickets(user, Ticket.objects.filter(status__in=OPEN_STATUSES, vendor__isnull=False))
    return (base.annotate(waiting_ack=Exists(waiting)).select_related("district", "category", "vendor")
            .order_by("-waiting_ack", "priority", "created_at"))


def visible_ticket(user, ticket_id: int) -> Ticket | None:
    """The ticket if `user` may see it, else None (reported as 404)."""
    return permissions.scope_tickets(user, Ticket.objects.select_related("district", "category")).filter(
        pk=ticket_id).first()
