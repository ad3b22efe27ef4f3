"""Reads: a ticket's clocks, the vendor queue, what a signed link shows, who is on call."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from accounts import permissions
from accounts.models import Vendor
from tickets.models import OPEN_STATUSES, Ticket

from . import clocks as ck
from . import people, rotations
from .models import Clock, Contact, EscalationRecord, OnCallRotation, TicketSLA


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


def _person(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name() or user.username, "username": user.username}


def on_call_preview(user, *, vendor_id: int | None = None, now: dt.datetime | None = None) -> list[dict]:
    """Per vendor `user` may see (desk: every vendor, or `vendor_id`; vendor staff: their own),
    who each ladder level reaches: for every active rotation the person on call now (until when)
    and next (from when), overrides included; the responsible officers and vendor heads.
    Queries: 2 + 2 per active rotation."""
    now = now or timezone.now()
    vendors = Vendor.objects.order_by("name")
    if permissions.is_vendor(user):
        vendors = vendors.filter(pk=user.vendor_id)
    elif not permissions.is_desk(user):
        return []
    if vendor_id is not None:
        vendors = vendors.filter(pk=vendor_id)
    vendors = list(vendors.prefetch_related(
        Prefetch("rotations", queryset=OnCallRotation.objects.filter(is_active=True).order_by("id")),
        Prefetch("contacts", queryset=Contact.objects.filter(user__is_active=True).select_related("user")
                 .order_by("designation", "position"))))
    out = []
    for vendor in vendors:
        rows = []
        for rotation in vendor.rotations.all():
            plan = people.rotation_plan(rotation, now)
            current, upcoming = rotations.now_and_next(plan.turns, plan.overrides, now)
            rows.append({
                "id": rotation.pk, "name": rotation.name,
                "now": _shift(current, plan), "next": _shift(upcoming, plan),
            })
        contacts = list(vendor.contacts.all())
        out.append({
            "vendor_id": vendor.pk, "vendor": vendor.name, "rotations": rows,
            "responsible_officers": [_person(c.user) for c in contacts
                                     if c.designation == Contact.Designation.RESPONSIBLE_OFFICER],
            "vendor_heads": [_person(c.user) for c in contacts if c.designation == Contact.Designation.VENDOR_HEAD],
        })
    return out


def _shift(shift: rotations.Shift | None, plan: people.Plan) -> dict | None:
    if shift is None:
        return None
    person = plan.users.get(shift.user_id) if shift.user_id else None
    return {"person": _person(person) if person else None, "from": shift.starts_at if shift.starts_at.year > 1 else None,
            "until": shift.ends_at, "override": shift.override_id is not None}
