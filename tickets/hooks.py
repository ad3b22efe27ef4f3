"""Listeners for ticket events, called by tickets.services inside the writing transaction.

Other apps subscribe in their AppConfig.ready(): escalation re-arms SLA clocks in the same
transaction (so a pause starts at the exact commit), live schedules a broadcast on commit.
This keeps imports one-way: tickets never imports escalation or live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Ticket, TicketEvent

Listener = Callable[["Ticket", Sequence["TicketEvent"]], None]
_listeners: list[Listener] = []
# The ticket whose events are being dispatched: a listener that records a further event on the
# same ticket (ticket_record_event) reuses this instance instead of reading the row again.
_dispatching: ContextVar[Ticket | None] = ContextVar("tickets_dispatching", default=None)


def subscribe(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def dispatch(ticket: Ticket, events: Sequence[TicketEvent]) -> None:
    if not events:
        return
    token = _dispatching.set(ticket)
    try:
        for listener in list(_listeners):
            listener(ticket, events)
    finally:
        _dispatching.reset(token)


def dispatching(ticket_id: int) -> Ticket | None:
    """The ticket being dispatched right now, if it is `ticket_id` (same transaction, fresh)."""
    ticket = _dispatching.get()
    return ticket if ticket is not None and ticket.pk == ticket_id else None
