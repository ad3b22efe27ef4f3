"""Every write to a ticket. Forms, the agents' console, the API, the SMS webhook, escalation and
incidents all call these functions; nothing else saves ticket rows.

Rules kept here:
- each service runs in one transaction and locks the ticket row (select_for_update) first;
- each change appends TicketEvent rows and bumps Ticket.version;
- listeners (tickets.hooks) are called inside the transaction with the new events; anything that
  leaves the process (broadcasts, SMS) is scheduled by them with transaction.on_commit.

The writes are split by what they do: base.py (the actor, the row lock, the events of one call,
the transition table), create.py (opening a ticket), changes.py (one change each) and events.py
(events that change no field). Callers import from here.
"""

from __future__ import annotations

from helpdesk.exceptions import StaleVersion

from .base import SYSTEM, Actor, InvalidTransition, _Changes, _lock, hash_secret
from .changes import (
    ticket_assign,
    ticket_attach_registration,
    ticket_comment,
    ticket_link_incident,
    ticket_mark_contacted,
    ticket_merge,
    ticket_set_category,
    ticket_set_priority,
    ticket_transition,
)
from .create import CreateResult, find_open_duplicate, ticket_create
from .events import ticket_record_event, ticket_record_events, ticket_record_events_many

__all__ = [
    "SYSTEM", "Actor", "CreateResult", "InvalidTransition", "StaleVersion", "_Changes", "_lock", "find_open_duplicate",
    "hash_secret", "ticket_assign", "ticket_attach_registration", "ticket_comment", "ticket_create",
    "ticket_link_incident", "ticket_mark_contacted", "ticket_merge", "ticket_record_event", "ticket_record_events",
    "ticket_record_events_many", "ticket_set_category", "ticket_set_priority", "ticket_transition",
]
