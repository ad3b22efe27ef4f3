"""Writes of the escalation app that people trigger: acknowledge, post progress with an ETA,
resolve or hand back (vendor). Pages, the API and the signed link all call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from helpdesk.exceptions import Conflict, InvalidInput, NotFound
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, Ticket, TicketStatus

from . import clocks as ck
from . import engine
from .models import Clock, ClockKind, EscalationNotice, EscalationRecord, TicketSLA
from .outbox import outbox_cancel

MAX_ETA = dt.timedelta(days=7)


@dataclass
class AckResult:
    acknowledged: bool  # False: nothing was waiting (already acknowledged); idempotent
    clocks: list[str]
    ticket_id: int


def _lock(ticket_id: int) -> tuple[Ticket, TicketSLA]:
    ticket = Ticket.objects.select_for_update(no_key=True).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("No such ticket."))
    sla = TicketSLA.objects.select_for_update().filter(ticket_id=ticket_id).first()
    if sla is None:
        raise Conflict(_("This ticket has no SLA clocks."), code="no_clocks")
    return ticket, sla


def may_act(user, ticket: Ticket) -> bool:
    """Vendor staff of the ticket's vendor, and desk staff."""
    return (permissions.is_desk(user) or permissions.is_vendor(user)) and permissions.can_see_ticket(user, ticket)


@transaction.atomic
def escalation_acknowledge(*, ticket_id: int, user, via: str, notice_id: int | None = None) -> AckResult:
    """Acknowledge the ticket's escalations. Locks the ticket, then its SLA row. Stops every
    ladder that fired and is unacknowledged (and meets the vendor acknowledgement clock), marks
    this person's notices, cancels pending sends (waiting for any send in flight), and starts
    the ETA clock: progress with an ETA is due within the policy's time. Idempotent: a second
    call acknowledges nothing and returns acknowledged=False. Events: escalation_acknowledged,
    clock_stopped, clock_started. After commit: nothing more is sent for these steps."""
    ticket, sla = _lock(ticket_id)
    now = timezone.now()
    if ticket.status not in OPEN_STATUSES:
        return AckResult(False, [], ticket.pk)
    live = {c.kind: c for c in Clock.objects.filter(sla=sla).exclude(state=Clock.State.STOPPED)}
    pending = [c for c in live.values() if c.acknowledged_at is None and (c.ladder_done > 0 or c.kind == ClockKind.VENDOR_ACK)]
    notice_clock_id = None
    if notice_id is not None:
        notice_clock_id = (EscalationRecord.objects.filter(notices__id=notice_id).values_list("clock_id", flat=True).first())
    if not pending:
        _mark_notices(user, [notice_clock_id] if notice_clock_id else [], notice_id, via, now)
        return AckResult(False, [], ticket.pk)
    actor = ticket_services.Actor.of(user, "vendor-link" if via == EscalationNotice.Via.LINK else "")
    for clock in pending:
        clock.acknowledged_at = now
        clock.acknowledged_by = user if getattr(user, "is_authenticated", False) else None
        clock.save(update_fields=["acknowledged_at", "acknowledged_by"])
    ids = [c.pk for c in pending]
    for rec in EscalationRecord.objects.filter(clock_id__in=ids, acknowledged_at__isnull=True):
        rec.acknowledged_at = now
        rec.ack_seconds = max(0, int((now - rec.fired_at).total_seconds()))
        rec.save(update_fields=["acknowledged_at", "ack_seconds"])
    _mark_notices(user, ids, notice_id, via, now)
    outbox_cancel(clock_ids=ids)
    engine.record(ticket.pk, "escalation_acknowledged", actor=actor, via=via, clocks=[c.kind for c in pending],
                  notice_id=notice_id)
    for kind in (ClockKind.VENDOR_ACK, ClockKind.ETA):
        if kind in live and live[kind] in pending:
            engine._stop(sla, live, kind, now, "acknowledged")
    if ClockKind.ETA not in live:
        live[ClockKind.ETA] = engine._start(sla, ClockKind.ETA, now, actor=actor)
    engine.arm(sla, now)
    return AckResult(True, [c.kind for c in pending], ticket.pk)


def _mark_notices(user, clock_ids, notice_id, via, now) -> None:
    query = Q(pk=notice_id) if notice_id else Q(pk__in=[])
    if getattr(user, "is_authenticated", False) and clock_ids:
        query |= Q(user=user, record__clock_id__in=clock_ids)
    for notice in EscalationNotice.objects.select_related("record").filter(query, acknowledged_at__isnull=True):
        notice.acknowledged_at = now
        notice.ack_seconds = max(0, int((now - notice.record.fired_at).total_seconds()))
        notice.ack_via = via
        notice.save(update_fields=["acknowledged_at", "ack_seconds", "ack_via"])


@transaction.atomic
def escalation_acknowledge_link(*, notice_id: int) -> AckResult:
    """One-click acknowledgement from a signed link: as the person the notice went to."""
    notice = EscalationNotice.objects.select_related("record", "user").filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(_("This link is not valid."))
    return escalation_acknowledge(ticket_id=notice.record.ticket_id, user=notice.user,
                                  via=EscalationNotice.Via.LINK, notice_id=notice.pk)


@transaction.atomic
def escalation_post_progress(*, ticket_id: int, user, eta: dt.datetime, note: str) -> Clock:
    """Vendor progress with an ETA. Acknowledges first if escalations are waiting. Replaces the
    running ETA clock with one due at `eta` (a missed ETA is a breach of its own, escalated).
    Raises InvalidInput for an ETA in the past or more than 7 days ahead, or an empty note."""
    now = timezone.now()
    if eta.tzinfo is None:
        raise InvalidInput(_("The ETA needs a time zone."), code="invalid_eta", field="eta")
    if eta <= now + dt.timedelta(minutes=1):
        raise InvalidInput(_("The ETA must be in the future."), code="invalid_eta", field="eta")
    if eta > now + MAX_ETA:
        raise InvalidInput(_("The ETA must be within 7 days."), code="invalid_eta", field="eta")
    if not note or not note.strip():
        raise InvalidInput(_("Describe the progress."), code="invalid_note", field="note")
    ticket_services.ticket_comment(ticket_id=ticket_id, body=note.strip()[:5000], actor=ticket_services.Actor.of(user),
                                   is_public=False)
    escalation_acknowledge(ticket_id=ticket_id, user=user, via=EscalationNotice.Via.APP)
    ticket, sla = _lock(ticket_id)
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(_("This ticket is no longer open."), code="ticket_closed")
    live = {c.kind: c for c in Clock.objects.filter(sla=sla).exclude(state=Clock.State.STOPPED)}
    engine._stop(sla, live, ClockKind.ETA, now, "progress")
    actor = ticket_services.Actor.of(user)
    clock = engine._start(sla, ClockKind.ETA, now, eta_at=eta, actor=actor)
    clock.eta_by = user if getattr(user, "is_authenticated", False) else None
    clock.save(update_fields=["eta_by"])
    engine.record(ticket.pk, "eta_posted", clock, actor=actor, eta_at=eta.isoformat())
    engine.arm(sla, now)
    return clock


def vendor_resolve(*, ticket_id: int, user, note: str) -> Ticket:
    """The vendor restored service: the ticket moves to resolved (clocks stop via the listener)."""
    if not note or not note.strip():
        raise InvalidInput(_("Say what was fixed."), code="invalid_note", field="note")
    return ticket_services.ticket_transition(ticket_id=ticket_id, to=TicketStatus.RESOLVED,
                                             actor=ticket_services.Actor.of(user), note=note.strip())


def vendor_hand_back(*, ticket_id: int, user, note: str) -> Ticket:
    """The vendor hands the ticket back to the helpdesk (in progress); vendor clocks stop."""
    if not note or not note.strip():
        raise InvalidInput(_("Say why you hand it back."), code="invalid_note", field="note")
    return ticket_services.ticket_transition(ticket_id=ticket_id, to=TicketStatus.IN_PROGRESS,
                                             actor=ticket_services.Actor.of(user), note=note.strip())


def elapsed_for(clock: Clock, snapshot: dict, now: dt.datetime):
    return ck.elapsed(clock, now, snapshot)
