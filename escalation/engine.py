"""The SLA engine: reacting to ticket events (clocks start, pause, resume, stop, re-goal) and
the sweep that fires warnings, breaches and ladder steps.

Locks: always the ticket row first, then its TicketSLA row. Ticket services lock the ticket and
call `on_ticket_events` (inside their transaction); the sweep takes both rows at once with
SKIP LOCKED; acknowledgements lock the ticket, then the SLA row. The database is the truth:
TicketSLA.next_action_at (indexed) says when a ticket needs the engine next; delayed tasks only
shorten the lag.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk import metrics
from helpdesk.queue import enqueue_on_commit
from tickets import services as ticket_services
from tickets.models import Ticket, TicketStatus

from . import clocks as ck
from .messages import step_message
from .models import Clock, ClockKind, EscalationNotice, EscalationRecord, TicketSLA
from .outbox import MAX_COUNTDOWN, outbox_cancel, outbox_enqueue, schedule_many
from .people import recipients
from .policies import policy_for_new_ticket, select_policy, snapshot

log = logging.getLogger(__name__)
SYSTEM = ticket_services.SYSTEM

# Events this app writes; the listener ignores them (ticket_record_event dispatches hooks too).
OWN_KINDS = frozenset({
    "clock_started", "clock_paused", "clock_resumed", "clock_stopped", "clock_rearmed", "sla_warning",
    "sla_breach", "escalation_fired", "escalation_acknowledged", "eta_posted", "eta_missed",
})
_RELEVANT = frozenset({"created", "status_changed", "first_response", "priority_changed"})
CITIZEN_CLOCKS = (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION)
VENDOR_CLOCKS = (ClockKind.VENDOR_ACK, ClockKind.VENDOR_RESTORE, ClockKind.ETA)
CLOSED = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.MERGED)


def record(ticket_id: int, kind: str, clock: Clock | None = None, actor=SYSTEM, **payload) -> None:
    if clock is not None:
        payload = {**_clock_payload(clock), **payload}
    ticket_services.ticket_record_event(ticket_id=ticket_id, kind=kind, actor=actor, payload=payload,
                                        to_value=clock.kind if clock else "")


# --- Reacting to ticket events ------------------------------------------------------------------
def on_ticket_events(ticket: Ticket, events: Sequence) -> None:
    """tickets.hooks listener; runs inside the writing transaction (the ticket row is locked)."""
    relevant = [e for e in events if e.kind in _RELEVANT]
    if not relevant:
        return
    now = timezone.now()
    if relevant[0].kind == "created":
        # A ticket created in this transaction has no SLA row yet: no lookup, and its first
        # clocks, their events and next_action_at are written in one statement each.
        sla_start(ticket, now)
        relevant = relevant[1:]
        if not relevant:
            return
    sla = TicketSLA.objects.select_for_update().filter(ticket_id=ticket.pk).first()
    if sla is None:
        return
    live = {c.kind: c for c in sla.clocks.exclude(state=Clock.State.STOPPED)}
    snap = sla.snapshot
    for event in relevant:
        if event.kind == "first_response":
            _stop(sla, live, ClockKind.FIRST_RESPONSE, now, "met")
        elif event.kind == "priority_changed":
            _rearm(sla, ticket, live, now)
            snap = sla.snapshot
        elif event.kind == "status_changed":
            before, after = event.from_value, event.to_value
            if after == TicketStatus.AWAITING_CITIZEN:
                for kind in CITIZEN_CLOCKS:
                    clock = live.get(kind)
                    if clock and clock.state == Clock.State.RUNNING:
                        ck.pause(clock, now, "awaiting citizen", snap)
                        clock.save()
                        record(ticket.pk, "clock_paused", clock, reason="awaiting citizen")
            elif before == TicketStatus.AWAITING_CITIZEN and after not in CLOSED:
                for kind in CITIZEN_CLOCKS:
                    clock = live.get(kind)
                    if clock and clock.state == Clock.State.PAUSED:
                        ck.resume(clock, now, snap)
                        clock.save()
                        record(ticket.pk, "clock_resumed", clock, reason=event.payload.get("note", ""))
            if after == TicketStatus.AWAITING_VENDOR:
                for kind in (ClockKind.VENDOR_ACK, ClockKind.VENDOR_RESTORE):
                    if kind not in live:
                        live[kind] = _start(sla, kind, now)
            elif before == TicketStatus.AWAITING_VENDOR and after not in CLOSED:
                for kind in VENDOR_CLOCKS:
                    _stop(sla, live, kind, now, "handed_back")
            if after in CLOSED:
                for kind in list(live):
                    _stop(sla, live, kind, now, "resolved" if kind != ClockKind.FIRST_RESPONSE else "closed")
            elif after == TicketStatus.REOPENED and ClockKind.RESOLUTION not in live:
                live[ClockKind.RESOLUTION] = _start(sla, ClockKind.RESOLUTION, now)
    arm(sla, now, running=list(live.values()))  # `live` holds every clock not stopped


def sla_start(ticket: Ticket, now: dt.datetime) -> TicketSLA:
    """Snapshot the policy and start the citizen's clocks (first cycle) of a new ticket.

    Three inserts whatever the number of clocks: the SLA row with its next action already
    computed, the clocks (one bulk insert) and their `clock_started` events (one bulk insert);
    then the precise sweep is asked for. The same rows and events as starting each clock alone."""
    policy_id, snap = policy_for_new_ticket(ticket)
    sla = TicketSLA(ticket=ticket, policy_id=policy_id, snapshot=snap)
    clocks = [ck.new_clock(sla=sla, kind=kind, cycle=1, now=now, goal_minutes=int(snap["targets"][kind]),
                           snapshot=snap) for kind in CITIZEN_CLOCKS]
    actions = [a for a in (ck.next_action(c, snap) for c in clocks) if a is not None]
    sla.next_action_at = min((a.at for a in actions), default=None)
    sla.save(force_insert=True)
    for clock in clocks:
        clock.sla = sla
    Clock.objects.bulk_create(clocks)
    ticket_services.ticket_record_events(ticket_id=ticket.pk, actor=SYSTEM, events=[
        {"kind": "clock_started", "to_value": clock.kind,
         "payload": {**_clock_payload(clock), **_start_payload(clock, snap)}} for clock in clocks])
    if sla.next_action_at is not None:
        schedule_sweep_at(sla.next_action_at, now)
    return sla


def _clock_payload(clock: Clock) -> dict:
    return {"clock": clock.kind, "cycle": clock.cycle, "due_at": clock.due_at.isoformat() if clock.due_at else None}


def _start_payload(clock: Clock, snap: dict) -> dict:
    return {"goal_minutes": clock.goal_minutes, "policy": snap.get("policy_name"), "business": clock.business,
            "calendar": "24x7" if snap["calendar"].get("always_open") else "business hours",
            **({"calendar_forced_24x7": True} if snap.get("calendar_forced_24x7") else {})}


def _next_cycle(sla: TicketSLA, kind: str) -> int:
    last = Clock.objects.filter(ticket_id=sla.ticket_id, kind=kind).order_by("-cycle").values_list("cycle", flat=True).first()
    return (last or 0) + 1


def _start(sla: TicketSLA, kind: str, now: dt.datetime, eta_at: dt.datetime | None = None, actor=SYSTEM,
           cycle: int | None = None) -> Clock:
    snap = sla.snapshot
    if eta_at is not None:
        goal = max(1, int((eta_at - now).total_seconds() // 60))
    else:
        goal = int(snap["targets"][kind if kind != ClockKind.ETA else "eta"])
    clock = ck.new_clock(sla=sla, kind=kind, cycle=cycle or _next_cycle(sla, kind), now=now, goal_minutes=goal,
                         snapshot=snap, business=kind != ClockKind.ETA, eta_at=eta_at)
    clock.save()
    record(sla.ticket_id, "clock_started", clock, actor=actor, **_start_payload(clock, snap))
    return clock


def _stop(sla: TicketSLA, live: dict, kind: str, now: dt.datetime, reason: str) -> None:
    clock = live.pop(kind, None)
    if clock is None:
        return
    ck.stop(clock, now, reason, sla.snapshot)
    clock.save()
    outbox_cancel(clock_ids=[clock.pk])
    met = clock.due_at is None or now <= (clock.eta_at or clock.due_at)
    record(sla.ticket_id, "clock_stopped", clock, reason=reason, within_target=met)


def _rearm(sla: TicketSLA, ticket: Ticket, live: dict, now: dt.datetime) -> None:
    """Priority change: re-choose the policy, keep each clock's elapsed time."""
    policy = select_policy(ticket)
    sla.policy = policy
    sla.snapshot = snapshot(policy, ticket)
    for clock in live.values():
        if clock.kind == ClockKind.ETA:
            continue
        old_due = clock.due_at
        ck.regoal(clock, now, int(sla.snapshot["targets"][clock.kind]), sla.snapshot)
        clock.save()
        record(ticket.pk, "clock_rearmed", clock, goal_minutes=clock.goal_minutes,
               previous_due_at=old_due.isoformat() if old_due else None, priority=ticket.priority)


def arm(sla: TicketSLA, now: dt.datetime | None = None, running: list[Clock] | None = None) -> None:
    """Recompute and save next_action_at from the live clocks (`running`, if the caller has
    them all in hand); ask for a precise sweep at that time."""
    if running is None:
        running = list(Clock.objects.filter(sla=sla, state=Clock.State.RUNNING))
    else:
        running = [c for c in running if c.state == Clock.State.RUNNING]
    actions = [a for a in (ck.next_action(c, sla.snapshot) for c in running) if a is not None]
    sla.next_action_at = min((a.at for a in actions), default=None)
    sla.save(update_fields=["next_action_at", "policy", "snapshot"])
    if sla.next_action_at is not None:
        schedule_sweep_at(sla.next_action_at, now or timezone.now())


_scheduled: dict[int, float] = {}
# Outbox rows written by the current sweep batch, per thread (tests run sweeps in threads).
_local = threading.local()


def _batch() -> list[int]:
    if not hasattr(_local, "messages"):
        _local.messages = []
    return _local.messages


def schedule_sweep_at(when: dt.datetime, now: dt.datetime) -> None:
    """A delayed sweep at `when` (one per second, de-duplicated), if within MAX_COUNTDOWN.
    Only shortens the lag: the periodic sweep finds the row anyway."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    delay = (when - now).total_seconds()
    if delay > MAX_COUNTDOWN:
        return
    slot = int(when.timestamp()) + 1
    if _scheduled.get(slot, 0) > time.monotonic():
        return  # this process already asked for a sweep at that second
    if len(_scheduled) > 10000:
        _scheduled.clear()
    _scheduled[slot] = time.monotonic() + max(delay, 0) + 60
    if not cache.add(f"esc:sweep-at:{slot}", 1, timeout=int(max(delay, 0)) + 120):
        return
    from .tasks import sweep as sweep_task

    eta = dt.datetime.fromtimestamp(slot, tz=dt.UTC)
    enqueue_on_commit(sweep_task, eta=eta)


# --- The sweep ----------------------------------------------------------------------------------
def sweep(*, batch: int = 100, max_batches: int = 200, now: dt.datetime | None = None,
          on_full_batch=None) -> int:
    """Process every TicketSLA whose next action is due. Each batch is one transaction holding
    the ticket and SLA rows (FOR NO KEY UPDATE ... SKIP LOCKED), so parallel sweeps share the
    work and never wait on each other. `on_full_batch` is called once if a batch came back full
    (the task uses it to start a helper sweep on another worker). Returns tickets processed."""
    total = 0
    helped = False
    for _batch in range(max_batches):
        at = now or timezone.now()
        try:
            # Fast path: the whole batch in one transaction, no savepoint per ticket.
            with transaction.atomic():
                count = _run_batch(batch, at, safe=False)
        except Exception:
            log.warning("SLA batch failed; running it again ticket by ticket", exc_info=True)
            with transaction.atomic():
                count = _run_batch(batch, at, safe=True)
        total += count
        if count < batch:
            break
        if on_full_batch is not None and not helped:
            helped = True
            on_full_batch()
    return total


def _run_batch(batch: int, at: dt.datetime, *, safe: bool) -> int:
    slas = list(
        TicketSLA.objects.select_for_update(skip_locked=True, no_key=True, of=("self", "ticket"))
        .select_related("ticket", "ticket__district", "ticket__category")
        .filter(next_action_at__lte=at)
        .order_by("next_action_at")[:batch]
    )
    by_sla: dict[int, list[Clock]] = {}
    for clock in Clock.objects.filter(sla__in=[s.pk for s in slas], state=Clock.State.RUNNING):
        by_sla.setdefault(clock.sla_id, []).append(clock)
    _batch().clear()
    for sla in slas:
        if not safe:
            process(sla, by_sla.get(sla.pk, []), at)
            continue
        try:
            with transaction.atomic():
                process(sla, by_sla.get(sla.pk, []), at)
        except Exception:
            # One broken ticket never holds up the others; it is tried again in a minute.
            log.exception("SLA processing of ticket %s failed; retrying in a minute", sla.pk)
            TicketSLA.objects.filter(pk=sla.pk).update(next_action_at=at + dt.timedelta(minutes=1))
    schedule_many(list(_batch()))  # messages of tickets rolled back above simply never commit
    _batch().clear()
    return len(slas)


def process(sla: TicketSLA, running: list[Clock], now: dt.datetime) -> None:
    """Do everything due at `now` for one ticket (caller holds its rows), then re-arm."""
    snap = sla.snapshot
    for clock in running:
        changed: set[str] = set()
        for _guard in range(100):
            action = ck.next_action(clock, snap)
            if action is None or action.at > now:
                break
            if action.kind == "warn":
                clock.warnings_done += 1
                changed.add("warnings_done")
                record(sla.ticket_id, "sla_warning", clock, warning=action.index + 1)
            elif action.kind == "breach":
                clock.breached_at = clock.due_at
                changed.add("breached_at")
                if clock.kind == ClockKind.ETA:
                    record(sla.ticket_id, "eta_missed", clock, eta_at=clock.eta_at.isoformat() if clock.eta_at else None,
                           progress_overdue=clock.eta_at is None)
                else:
                    record(sla.ticket_id, "sla_breach", clock)
            else:
                fire_step(sla, clock, action, now)
                clock.ladder_done += 1
                changed.add("ladder_done")
        if changed:
            clock.save(update_fields=sorted(changed))
    arm(sla, now, running=running)


def _fault_hold() -> None:
    """Fault injection for the worker-kill test only (settings.ESCALATION_STEP_HOLD_FILE): mark
    that a step is half done, then wait to be killed."""
    path = getattr(settings, "ESCALATION_STEP_HOLD_FILE", "")
    if path:
        with open(path, "w") as fh:
            fh.write("holding")
        time.sleep(60)


def fire_step(sla: TicketSLA, clock: Clock, action: ck.Action, now: dt.datetime) -> EscalationRecord | None:
    """Create the step's record (exactly once: unique (ticket, clock, level, loop)), one notice per
    person and one outbox row per person x channel (keys derived from the record)."""
    ticket = sla.ticket if "ticket" in sla._state.fields_cache else None
    if ticket is None or "district" not in ticket._state.fields_cache:
        ticket = Ticket.objects.select_related("district", "category").get(pk=sla.ticket_id)
    level = action.level
    vendor_id = ticket.vendor_id or sla.snapshot.get("vendor_id")
    try:
        with transaction.atomic():
            rec = EscalationRecord.objects.create(
                ticket_id=ticket.pk, clock=clock, level=level["level"], loop=action.loop, vendor_id=vendor_id,
                district_id=ticket.district_id, due_at=action.at, fired_at=now,
                ack_target_minutes=int(sla.snapshot["targets"].get("vendor_ack", 15)),
            )
    except IntegrityError:
        return None  # this step already fired
    metrics.step_fired(rec.level)
    _fault_hold()
    people = recipients(targets=level.get("targets", []), channels=level.get("channels", []), vendor_id=vendor_id,
                        district_id=ticket.district_id, now=now)
    names = []
    for person in people:
        notice = EscalationNotice.objects.create(record=rec, user=person.user, target=person.target,
                                                 channels=[c for c, _a in person.channels])
        if person.user is not None:
            names.append(person.user.get_full_name() or person.user.username)
        for channel, address in person.channels:
            language = getattr(person.user, "preferred_language", "en") or "en"
            subject, body = step_message(ticket, clock, rec, notice, channel, language)
            message = outbox_enqueue(channel=channel, recipient=address, body=body, subject=subject,
                           idempotency_key=f"esc:{rec.pk}:{person.user.pk if person.user else 'hook'}:{channel}",
                           ticket_id=ticket.pk, language=language, notice_id=notice.pk, fallback=person.fallback,
                           new_intent=True, deliver_on_commit=False)
            _batch().append(message.pk)
    record(ticket.pk, "escalation_fired", clock, level=rec.level, loop=rec.loop, record_id=rec.pk,
           recipients=names, targets=level.get("targets", []), channels=level.get("channels", []), late_seconds=int((now - action.at).total_seconds()))
    return rec
