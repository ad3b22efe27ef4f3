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
from helpdesk import metrics
from helpdesk.exceptions import Conflict, InvalidInput, NotFound
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, Ticket, TicketEvent, TicketStatus

from . import citizen, engine
from . import clocks as ck
from .models import Clock, ClockKind, EscalationNotice, EscalationRecord, TicketSLA
from .notices import outbox_cancel
from .vendor_input import check_eta, clean_note

VIA_LABEL = {EscalationNotice.Via.LINK: "vendor-link"}


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
    """Vendor staff who may see the ticket (handed or escalated to them), and desk staff."""
    return permissions.can_act_for_vendor(user, ticket)


def actor_for(user, via: str, by=None) -> ticket_services.Actor:
    """The event's actor: the person (or the officer acting for them), labelled "vendor-link"
    when the action came through a signed link."""
    return ticket_services.Actor.of(by or user, VIA_LABEL.get(via, ""))


@transaction.atomic
def escalation_acknowledge(*, ticket_id: int, user, via: str, notice_id: int | None = None, by=None) -> AckResult:
    """Acknowledge the ticket's escalations. Locks the ticket, then its SLA row. Stops every
    ladder that fired and is unacknowledged (and meets the vendor acknowledgement clock), marks
    this person's notices, cancels pending sends (waiting for any send in flight), and starts
    the ETA clock: progress with an ETA is due within the policy's time. `by`: an officer
    acknowledging on `user`'s behalf (the event's actor; the notices say "behalf" and who).
    Idempotent: a second call acknowledges nothing and returns acknowledged=False. Events:
    escalation_acknowledged, clock_stopped, clock_started. After commit: nothing more is sent
    for these steps; the citizen gets an SMS if the ticket's policy asks for one."""
    ticket, sla = _lock(ticket_id)
    now = timezone.now()
    if ticket.status not in OPEN_STATUSES:
        return AckResult(False, [], ticket.pk)
    live = {c.kind: c for c in Clock.objects.filter(sla=sla).exclude(state=Clock.State.STOPPED)}
    pending = [c for c in live.values() if c.acknowledged_at is None and (c.ladder_done > 0 or c.kind == ClockKind.VENDOR_ACK)]
    notice_clock_id = None
    if notice_id is not None:
        if EscalationNotice.objects.filter(pk=notice_id, superseded_by__isnull=False).exists():
            raise Conflict(_("This ticket was handed to a colleague; this link is now read-only."),
                           code="link_read_only")
        notice_clock_id = (EscalationRecord.objects.filter(notices__id=notice_id).values_list("clock_id", flat=True).first())
    if not pending:
        _mark_notices(user, [notice_clock_id] if notice_clock_id else [], notice_id, via, now, by)
        return AckResult(False, [], ticket.pk)
    actor = actor_for(user, via, by)
    for clock in pending:
        clock.acknowledged_at = now
        clock.acknowledged_by = user if getattr(user, "is_authenticated", False) else None
        clock.save(update_fields=["acknowledged_at", "acknowledged_by"])
    ids = [c.pk for c in pending]
    latencies = []
    for rec in EscalationRecord.objects.filter(clock_id__in=ids, acknowledged_at__isnull=True):
        rec.acknowledged_at = now
        rec.ack_seconds = max(0, int((now - rec.fired_at).total_seconds()))
        rec.save(update_fields=["acknowledged_at", "ack_seconds"])
        latencies.append((rec.level, (now - rec.fired_at).total_seconds()))
    metrics.steps_acknowledged(EscalationNotice.Via.BEHALF if by else via, latencies)
    _mark_notices(user, ids, notice_id, via, now, by)
    outbox_cancel(clock_ids=ids)
    extra = {"on_behalf_of": user.pk, "on_behalf_of_name": user.get_full_name() or user.username} if by else {}
    engine.record(ticket.pk, "escalation_acknowledged", actor=actor, via=via, clocks=[c.kind for c in pending],
                  notice_id=notice_id, **extra)
    if sla.snapshot.get("notify_citizen_on_ack"):
        citizen.notify_vendor_acknowledged(ticket, event_id=min(c.pk for c in pending))
    for kind in (ClockKind.VENDOR_ACK, ClockKind.ETA):
        if kind in live and live[kind] in pending:
            engine._stop(sla, live, kind, now, "acknowledged")
    if ClockKind.ETA not in live:
        live[ClockKind.ETA] = engine._start(sla, ClockKind.ETA, now, actor=actor)
    engine.arm(sla, now)
    return AckResult(True, [c.kind for c in pending], ticket.pk)


def _mark_notices(user, clock_ids, notice_id, via, now, by=None) -> None:
    query = Q(pk=notice_id) if notice_id else Q(pk__in=[])
    if getattr(user, "is_authenticated", False) and clock_ids:
        query |= Q(user=user, record__clock_id__in=clock_ids)
    for notice in EscalationNotice.objects.select_related("record").filter(query, acknowledged_at__isnull=True):
        notice.acknowledged_at = now
        notice.ack_seconds = max(0, int((now - notice.record.fired_at).total_seconds()))
        notice.ack_via = EscalationNotice.Via.BEHALF if by else via
        notice.acknowledged_by = by
        notice.save(update_fields=["acknowledged_at", "ack_seconds", "ack_via", "acknowledged_by"])


@transaction.atomic
def escalation_acknowledge_link(*, notice_id: int) -> AckResult:
    """One-click acknowledgement from a signed link: as the person the notice went to."""
    notice = EscalationNotice.objects.select_related("record", "user").filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(_("This link is not valid."))
    if notice.superseded_by_id:
        raise Conflict(_("This ticket was handed to a colleague; this link is now read-only."), code="link_read_only")
    return escalation_acknowledge(ticket_id=notice.record.ticket_id, user=notice.user,
                                  via=EscalationNotice.Via.LINK, notice_id=notice.pk)


@transaction.atomic
def escalation_post_progress(*, ticket_id: int, user, eta: dt.datetime, note: str, public: bool = False,
                             via: str = EscalationNotice.Via.APP, notice_id: int | None = None,
                             action_key: str = "") -> Clock:
    """Vendor progress with an ETA. Acknowledges first if escalations are waiting. Replaces the
    running ETA clock with one due at `eta` (a missed ETA is a breach of its own, escalated). The
    ETA counts (accountability report) for the vendor escalated to and the person the latest
    step reached, whoever posted it. A public note reaches the citizen by SMS with the ETA; an
    internal one stays with the staff. Locks the ticket, then its SLA row. Raises InvalidInput
    for an ETA in the past or more than 30 days ahead, a note over the limit, or an empty note;
    Conflict for a closed ticket. Idempotent per `action_key` (a double tap posts once).
    Events: comment, escalation_acknowledged (if waiting), clock_stopped, clock_started,
    eta_posted. After commit: the citizen's SMS (public notes) and live events."""
    now = timezone.now()
    check_eta(eta, now=now)
    note = clean_note(note, required=True)
    ticket, sla = _lock(ticket_id)
    if action_key and already_done(ticket_id, action_key):
        return Clock.objects.filter(ticket_id=ticket_id, kind=ClockKind.ETA).order_by("-cycle").first()
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(_("This ticket is no longer open."), code="ticket_closed")
    actor = actor_for(user, via)
    ticket_services.ticket_comment(ticket_id=ticket_id, body=note, actor=actor, is_public=public, notify=False)
    escalation_acknowledge(ticket_id=ticket_id, user=user, via=via, notice_id=notice_id)
    live = {c.kind: c for c in Clock.objects.filter(sla=sla).exclude(state=Clock.State.STOPPED)}
    engine._stop(sla, live, ClockKind.ETA, now, "progress")
    clock = engine._start(sla, ClockKind.ETA, now, eta_at=eta, actor=actor)
    clock.eta_by = user if getattr(user, "is_authenticated", False) else None
    clock.eta_vendor_id, clock.eta_for_id = _accountable(ticket, sla, user)
    clock.save(update_fields=["eta_by", "eta_vendor", "eta_for"])
    event = ticket_services.ticket_record_event(
        ticket_id=ticket.pk, kind="eta_posted", actor=actor, to_value=clock.kind, is_public=public,
        payload={"clock": clock.kind, "cycle": clock.cycle, "due_at": clock.due_at.isoformat(),
                 "eta_at": eta.isoformat(), "via": via, "public": public, "action_key": action_key})
    engine.arm(sla, now)
    if public:
        citizen.notify_progress(ticket, note=note, eta=eta, event_id=event.pk)
    return clock


def _accountable(ticket: Ticket, sla: TicketSLA, user) -> tuple[int | None, int | None]:
    """(vendor, person) an ETA counts for: the vendor the ticket is handed or was escalated to,
    and the person the latest step reached (the poster if they were among them)."""
    vendor_id = ticket.vendor_id or sla.snapshot.get("vendor_id")
    notices = list(EscalationNotice.objects.filter(record__ticket_id=ticket.pk, user__isnull=False,
                                                   superseded_by__isnull=True)
                   .order_by("-record__fired_at", "-id").values_list("user_id", "record__vendor_id")[:20])
    if notices:
        vendor_id = vendor_id or notices[0][1]
        mine = [uid for uid, _v in notices if uid == getattr(user, "pk", None)]
        return vendor_id, mine[0] if mine else notices[0][0]
    return vendor_id, getattr(user, "pk", None) if permissions.is_vendor(user) else None


def already_done(ticket_id: int, action_key: str) -> bool:
    """An action carrying this key (a form's one-time key) was already applied to the ticket."""
    return TicketEvent.objects.filter(ticket_id=ticket_id, payload__action_key=action_key).exists()


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
