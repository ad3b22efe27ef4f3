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


def subscribe(listener: Listener, *, first: bool = False) -> Listener:
    """Add a listener; `first` puts it before the others (live's broadcast: what it schedules on
    commit leaves before the events that other listeners record in reaction, such as a new
    ticket's clocks after its `created`)."""
    if listener not in _listeners:
        if first:
            _listeners.insert(0, listener)
        else:
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


# Inbound SMS commands of other apps ("ACK <code>" is escalation's). Each handler gets the
# sender's normalised mobile, the text and the gateway's message id, and returns the action it
# took, or None when the text is not its command; the first answer wins, before tickets' own
# handling (STATUS, a reply to an open ticket, instructions).
SmsHandler = Callable[..., "str | None"]
_sms_handlers: list[SmsHandler] = []


def subscribe_sms(handler: SmsHandler) -> SmsHandler:
    if handler not in _sms_handlers:
        _sms_handlers.append(handler)
    return handler


def inbound_sms(*, sender: str, text: str, message_id: str) -> str | None:
    for handler in list(_sms_handlers):
        action = handler(sender=sender, text=text, message_id=message_id)
        if action:
            return action
    return None
