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
from django.db import transaction
from django.utils import timezone

from helpdesk.queue import enqueue_on_commit
from notifications.outbox import MAX_COUNTDOWN
from tickets import services as ticket_services
from tickets.models import Ticket, TicketStatus

from . import clocks as ck
from .firing import Batch, clock_payload
from .models import Clock, ClockKind, TicketSLA
from .notices import outbox_cancel
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
        payload = {**clock_payload(clock), **payload}
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

    One round trip whatever the number of clocks: the SLA row with its next action already
    computed, the clocks and their `clock_started` events, three inserts in one query
    (helpdesk.rows.insert_rows_together, through ticket_record_events); then the precise sweep
    is asked for. The same rows and events as starting each clock alone."""
    policy_id, snap = policy_for_new_ticket(ticket)
    sla = TicketSLA(ticket=ticket, policy_id=policy_id, snapshot=snap)
    clocks = [ck.new_clock(sla=sla, kind=kind, cycle=1, now=now, goal_minutes=int(snap["targets"][kind]),
                           snapshot=snap) for kind in CITIZEN_CLOCKS]
    actions = [a for a in (ck.next_action(c, snap) for c in clocks) if a is not None]
    sla.next_action_at = min((a.at for a in actions), default=None)
    ticket_services.ticket_record_events(ticket_id=ticket.pk, actor=SYSTEM, with_rows=[[sla], clocks], events=[
        {"kind": "clock_started", "to_value": clock.kind,
         "payload": {**clock_payload(clock), **_start_payload(clock, snap)}} for clock in clocks])
    if sla.next_action_at is not None:
        schedule_sweep_at(sla.next_action_at, now)
    return sla


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
    sla.next_action_at = _next_action_at(sla, running)
    sla.save(update_fields=["next_action_at", "policy", "snapshot"])
    if sla.next_action_at is not None:
        schedule_sweep_at(sla.next_action_at, now or timezone.now())


def _next_action_at(sla: TicketSLA, clocks: list[Clock]) -> dt.datetime | None:
    actions = [ck.next_action(c, sla.snapshot) for c in clocks if c.state == Clock.State.RUNNING]
    return min((a.at for a in actions if a is not None), default=None)


_scheduled: dict[int, float] = {}
# The writes of the sweep batch being processed, per thread (tests run sweeps in threads).
_local = threading.local()


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
    eta = dt.datetime.fromtimestamp(slot, tz=dt.UTC)
    enqueue_on_commit("escalation.tasks.sweep", eta=eta)


# --- The sweep ----------------------------------------------------------------------------------
def sweep(*, batch: int = 100, max_batches: int = 200, now: dt.datetime | None = None,
          on_full_batch=None) -> int:
    """Process every TicketSLA whose next action is due. Each batch is one transaction holding
    the ticket and SLA rows (FOR NO KEY UPDATE ... SKIP LOCKED), so parallel sweeps share the
    work and never wait on each other. `on_full_batch` is called once if a batch came back full
    (the task uses it to start a helper sweep on another worker). Returns tickets processed."""
    total = 0
    helped = False
    for number in range(max_batches):
        at = now or timezone.now()
        if number == 0 and not anything_due(at):
            break  # the common case: one index-only probe, no transaction, no locks
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


def anything_due(at: dt.datetime) -> bool:
    """Whether any SLA row's next action is due: one statement (SELECT 1 ... LIMIT 1, an
    index-only scan of the partial index on next_action_at), planned and run in well under a
    millisecond at a million open tickets."""
    return TicketSLA.objects.filter(next_action_at__lte=at).exists()


def claim(at: dt.datetime, batch: int):
    """The due SLA rows of one batch with their tickets, locked (skipping rows locked elsewhere)."""
    return (TicketSLA.objects.select_for_update(skip_locked=True, no_key=True, of=("self", "ticket"))
            .select_related("ticket", "ticket__district", "ticket__category")
            .filter(next_action_at__lte=at).order_by("next_action_at")[:batch])


def _run_batch(batch: int, at: dt.datetime, *, safe: bool) -> int:
    slas = list(claim(at, batch))
    by_sla: dict[int, list[Clock]] = {}
    for clock in Clock.objects.filter(sla__in=[s.pk for s in slas], state=Clock.State.RUNNING):
        by_sla.setdefault(clock.sla_id, []).append(clock)
    if not safe:
        _local.batch = Batch()
        try:
            for sla in slas:
                process(sla, by_sla.get(sla.pk, []), at)
            _local.batch.flush()
        finally:
            _local.batch = None
        return len(slas)
    for sla in slas:
        try:
            with transaction.atomic():
                _local.batch = Batch()
                process(sla, by_sla.get(sla.pk, []), at)
                _local.batch.flush()
        except Exception:
            # One broken ticket never holds up the others; it is tried again in a minute.
            log.exception("SLA processing of ticket %s failed; retrying in a minute", sla.pk)
            TicketSLA.objects.filter(pk=sla.pk).update(next_action_at=at + dt.timedelta(minutes=1))
        finally:
            _local.batch = None
    return len(slas)


def process(sla: TicketSLA, running: list[Clock], now: dt.datetime) -> None:
    """Decide everything due at `now` for one ticket (caller holds its rows) and re-arm; the
    writes go to the sweep batch of this thread (escalation.firing), made when it flushes."""
    batch: Batch = _local.batch
    snap = sla.snapshot
    for clock in running:
        changed = False
        for _guard in range(100):
            action = ck.next_action(clock, snap)
            if action is None or action.at > now:
                break
            changed = True
            if action.kind == "warn":
                clock.warnings_done += 1
                batch.event(sla, "sla_warning", clock, warning=action.index + 1)
            elif action.kind == "breach":
                clock.breached_at = clock.due_at
                if clock.kind == ClockKind.ETA:
                    batch.event(sla, "eta_missed", clock, eta_at=clock.eta_at.isoformat() if clock.eta_at else None,
                                progress_overdue=clock.eta_at is None)
                else:
                    batch.event(sla, "sla_breach", clock)
            else:
                batch.step(sla, clock, action, now)  # fires once, whatever retries do (firing.py)
                clock.ladder_done += 1
        if changed:
            batch.clock_changed(clock)
    sla.next_action_at = _next_action_at(sla, running)
    batch.armed(sla)
    if sla.next_action_at is not None:
        schedule_sweep_at(sla.next_action_at, now)
