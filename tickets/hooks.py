"""Listeners for ticket events, called by tickets.services inside the writing transaction.

Other apps subscribe in their AppConfig.ready(): escalation re-arms SLA clocks in the same
transaction (so a pause starts at the exact commit), live schedules a broadcast on commit.
This keeps imports one-way: tickets never imports escalation or live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Ticket, TicketEvent

Listener = Callable[["Ticket", Sequence["TicketEvent"]], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def dispatch(ticket: Ticket, events: Sequence[TicketEvent]) -> None:
    if not events:
        return
    for listener in list(_listeners):
        listener(ticket, events)
