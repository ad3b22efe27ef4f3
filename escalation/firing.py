"""The writes of one sweep batch, made together.

`engine.process` decides, per ticket, what is due (warnings, breaches, ladder steps) and hands
the writes to the batch; `Batch.flush` then makes them with one statement per kind for the whole
batch: the escalation records (INSERT ... ON CONFLICT DO NOTHING on the step's unique key
(ticket, clock, level, loop): a step that already fired is skipped, as before), the notices,
the outbox rows, the timeline events (`tickets.services.ticket_record_events_many`), the clocks'
counters and the SLA rows' next action. The caller holds every ticket's and SLA row's lock
for the whole batch (one transaction), so the batch is one decision under those locks; if any
write fails, the sweep rolls the batch back and runs it again ticket by ticket, each ticket
with a batch of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects

from helpdesk import metrics
from helpdesk.rows import insert_sql, mark_saved, row_params
from notifications.outbox import outbox_enqueue_new, schedule_many
from tickets import services as ticket_services
from tickets.models import Ticket

from . import clocks as ck
from .messages import step_message
from .models import Clock, EscalationNotice, EscalationRecord, TicketSLA
from .people import recipients

SYSTEM = ticket_services.SYSTEM
CLOCK_FIELDS = ["warnings_done", "breached_at", "ladder_done"]  # what the sweep changes on a clock


def clock_payload(clock: Clock) -> dict:
    return {"clock": clock.kind, "cycle": clock.cycle, "due_at": clock.due_at.isoformat() if clock.due_at else None}


def timeline_event(kind: str, clock: Clock, **payload) -> dict:
    """One event of the ticket's timeline about `clock` (for ticket_record_events_many)."""
    return {"kind": kind, "to_value": clock.kind, "payload": {**clock_payload(clock), **payload}}


@dataclass
class Step:
    """A ladder step due for one clock; `record` once it fired (None: it had fired before)."""

    sla: TicketSLA
    clock: Clock
    action: ck.Action
    now: dt.datetime
    record: EscalationRecord | None = None
    names: list[str] = field(default_factory=list)


class Batch:
    def __init__(self) -> None:
        self.tickets: dict[int, Ticket] = {}
        self.events: dict[int, list[dict | Step]] = {}  # per ticket, in the order they happened
        self.steps: list[Step] = []
        self.clocks: dict[int, Clock] = {}
        self.slas: dict[int, TicketSLA] = {}
        self.messages: list[int] = []

    def _ticket(self, sla: TicketSLA) -> Ticket:
        ticket = self.tickets.get(sla.ticket_id)
        if ticket is None:
            ticket = sla.ticket if "ticket" in sla._state.fields_cache else None
            if ticket is None or "district" not in ticket._state.fields_cache:
                ticket = Ticket.objects.select_related("district", "category").get(pk=sla.ticket_id)
            self.tickets[sla.ticket_id] = ticket
        return ticket

    def event(self, sla: TicketSLA, kind: str, clock: Clock, **payload) -> None:
        self._ticket(sla)
        self.events.setdefault(sla.ticket_id, []).append(timeline_event(kind, clock, **payload))

    def step(self, sla: TicketSLA, clock: Clock, action: ck.Action, now: dt.datetime) -> None:
        self._ticket(sla)
        step = Step(sla, clock, action, now)
        self.steps.append(step)
        self.events.setdefault(sla.ticket_id, []).append(step)

    def clock_changed(self, clock: Clock) -> None:
        self.clocks[clock.pk] = clock

    def armed(self, sla: TicketSLA) -> None:
        self.slas[sla.pk] = sla

    def flush(self) -> None:
        if self.steps:
            self._fire()
        # Who hears of each ticket's events (live.events.ticket_groups): one query for the batch.
        prefetch_related_objects(list(self.tickets.values()), Prefetch(
            "escalations", queryset=EscalationRecord.objects.filter(vendor__isnull=False).only("ticket_id", "vendor_id")))
        ticket_services.ticket_record_events_many(actor=SYSTEM, batch=[
            (self.tickets[ticket_id], [e for e in (self._event(item) for item in items) if e is not None])
            for ticket_id, items in self.events.items()])
        update_rows(Clock, list(self.clocks.values()), CLOCK_FIELDS)
        update_rows(TicketSLA, list(self.slas.values()), ["next_action_at"])
        schedule_many(self.messages)  # one delivery task for the batch, after commit

    @staticmethod
    def _event(item: dict | Step) -> dict | None:
        if isinstance(item, dict):
            return item
        if item.record is None:
            return None  # the step had already fired: no second event
        rec, level, clock = item.record, item.action.level, item.clock
        return timeline_event(
            "escalation_fired", clock, level=rec.level, loop=rec.loop, record_id=rec.pk, recipients=item.names,
            targets=level.get("targets", []), channels=level.get("channels", []),
            late_seconds=int((item.now - item.action.at).total_seconds()))

    def _fire(self) -> None:
        """Each due step's record (exactly once), one notice per person and one outbox row per
        person x channel (keys derived from the record)."""
        records = []
        for step in self.steps:
            ticket, snap = self.tickets[step.sla.ticket_id], step.sla.snapshot
            records.append(EscalationRecord(
                ticket_id=ticket.pk, clock=step.clock, level=step.action.level["level"], loop=step.action.loop,
                vendor_id=ticket.vendor_id or snap.get("vendor_id"), district_id=ticket.district_id,
                due_at=step.action.at, fired_at=step.now,
                ack_target_minutes=int(snap["targets"].get("vendor_ack", 15))))
        for step, rec in zip(self.steps, insert_new_records(records), strict=True):
            step.record = rec
            if rec is not None:
                metrics.step_fired(rec.level)
        plan = []
        for step in self.steps:
            if step.record is None:
                continue
            level, rec = step.action.level, step.record
            for person in recipients(targets=level.get("targets", []), channels=level.get("channels", []),
                                     vendor_id=rec.vendor_id, district_id=rec.district_id, now=step.now):
                notice = EscalationNotice(record=rec, user=person.user, target=person.target,
                                          channels=[c for c, _a in person.channels])
                plan.append((step, person, notice))
                if person.user is not None:
                    step.names.append(person.user.get_full_name() or person.user.username)
        EscalationNotice.objects.bulk_create([notice for _s, _p, notice in plan])
        rows = []
        for step, person, notice in plan:
            ticket, rec = self.tickets[step.sla.ticket_id], step.record
            for channel, address in person.channels:
                language = getattr(person.user, "preferred_language", "en") or "en"
                subject, body = step_message(ticket, step.clock, rec, notice, channel, language)
                rows.append({
                    "channel": channel, "recipient": address, "body": body, "subject": subject,
                    "idempotency_key": f"esc:{rec.pk}:{person.user.pk if person.user else 'hook'}:{channel}",
                    "ticket_id": ticket.pk, "language": language, "notice_id": notice.pk,
                    "fallback": person.fallback})
        self.messages.extend(message.pk for message in outbox_enqueue_new(rows=rows))


def insert_new_records(records: list[EscalationRecord]) -> list[EscalationRecord | None]:
    """Insert the records in one statement, skipping any whose step (ticket, clock, level, loop)
    already fired; returns each record saved, or None where it had fired before."""
    if not records:
        return []
    qn = connection.ops.quote_name
    key = ", ".join(qn(EscalationRecord._meta.get_field(name).column) for name in ("ticket", "clock", "level", "loop"))
    sql, fields = insert_sql(EscalationRecord, len(records), suffix=(
        f" ON CONFLICT ({key}) DO NOTHING RETURNING {qn(EscalationRecord._meta.pk.column)}, {qn('clock_id')}, {qn('level')}, {qn('loop')}"))
    with connection.cursor() as cursor:
        cursor.execute(sql, row_params(records, fields))
        ids = {(clock_id, level, loop): pk for pk, clock_id, level, loop in cursor.fetchall()}
    saved: list[EscalationRecord | None] = []
    for rec in records:
        pk = ids.get((rec.clock_id, rec.level, rec.loop))
        if pk is None:
            saved.append(None)
            continue
        rec.pk = pk
        mark_saved(rec)
        saved.append(rec)
    return saved


def update_rows(model, objs: list, names: list[str]) -> None:
    """Save these fields of these rows in one statement. PostgreSQL: UPDATE ... FROM (VALUES ...)
    (Django's bulk_update builds a CASE per field and row, whose compilation cost more than the
    sweep's other work); elsewhere (the embedded default): bulk_update."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, names)
        return
    meta, qn = model._meta, connection.ops.quote_name
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    row = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields) + ")"
    columns = [qn(f.column) for f in fields]
    sql = (f"UPDATE {qn(meta.db_table)} AS t SET {', '.join(f'{c} = v.{c}' for c in columns[1:])} "
           f"FROM (VALUES {', '.join([row] * len(objs))}) AS v ({', '.join(columns)}) "
           f"WHERE t.{columns[0]} = v.{columns[0]}")
    params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
