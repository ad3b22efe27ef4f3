"""Events that change no ticket field (SLA warnings, breaches, escalations, ETAs): appended
for the escalation engine, which never saves ticket rows itself."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Model

from helpdesk.rows import insert_rows

from .. import hooks
from ..models import Ticket, TicketEvent
from .base import Actor, _Changes


@transaction.atomic(savepoint=False)
def ticket_record_event(
    *, ticket_id: int, kind: str, actor: Actor, payload: dict | None = None, is_public: bool = False,
    from_value: str = "", to_value: str = "",
) -> TicketEvent:
    """Append an event that changes no ticket field (SLA warnings, breaches, escalations, ETAs).
    Used by the escalation engine, which never saves ticket rows itself. Does not bump version
    and does not lock the ticket (the caller holds its own locks). Called from a listener of the
    same ticket's events, it reuses the ticket being dispatched instead of reading it again.
    No savepoint of its own: an insert that fails fails the caller's whole transaction."""
    ticket = hooks.dispatching(ticket_id) or Ticket.objects.select_related("district", "category").get(pk=ticket_id)
    changes = _Changes(ticket, actor)
    changes.add(kind, from_value=from_value, to_value=to_value, payload=payload, is_public=is_public)
    return changes.commit()[0]


@transaction.atomic(savepoint=False)
def ticket_record_events(*, ticket_id: int, actor: Actor, events: list[dict],
                         with_rows: Sequence[Sequence[Model]] = ()) -> list[TicketEvent]:
    """`ticket_record_event` for several events at once (one insert): each dict has `kind` and
    optionally `payload`, `is_public`, `from_value`, `to_value`. Same guarantees. `with_rows`:
    the caller's own new rows, inserted first in the same round trip (the SLA row and clocks
    whose `clock_started` these events are)."""
    ticket = hooks.dispatching(ticket_id) or Ticket.objects.select_related("district", "category").get(pk=ticket_id)
    changes = _Changes(ticket, actor)
    for event in events:
        changes.add(event["kind"], from_value=event.get("from_value", ""), to_value=event.get("to_value", ""),
                    payload=event.get("payload"), is_public=event.get("is_public", False))
    return changes.commit(with_rows=with_rows)


@transaction.atomic(savepoint=False)
def ticket_record_events_many(*, actor: Actor, batch: list[tuple[Ticket, list[dict]]]) -> list[TicketEvent]:
    """`ticket_record_events` for many tickets at once: every event in one insert, then each
    ticket's events dispatched to the listeners as that ticket's own batch (same order, same
    guarantees). The tickets are the caller's instances, read in this transaction (the
    escalation sweep's, whose rows it holds); none is read again."""
    changes = []
    for ticket, events in batch:
        if not events:
            continue
        change = _Changes(ticket, actor)
        for event in events:
            change.add(event["kind"], from_value=event.get("from_value", ""), to_value=event.get("to_value", ""),
                       payload=event.get("payload"), is_public=event.get("is_public", False))
        changes.append(change)
    saved = insert_rows([event for change in changes for event in change.events])
    for change in changes:
        hooks.dispatch(change.ticket, change.events)
    return saved
