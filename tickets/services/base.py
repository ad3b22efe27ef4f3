"""The primitives every ticket write shares: who acts (`Actor`), the row lock with the version
check (`_lock`), the events of one call saved and dispatched together (`_Changes`), the author
kind of a comment and the status move through the transition table (`_apply_status`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from helpdesk.exceptions import Conflict, InvalidInput, StaleVersion
from helpdesk.rows import insert_rows, insert_rows_together

from .. import hooks
from ..models import TRANSITIONS, Comment, Ticket, TicketEvent, TicketStatus


class InvalidTransition(Conflict):
    code = "invalid_transition"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, or a label when there is no account (citizen, system, sms)."""

    user: User | None = None
    label: str = ""

    @classmethod
    def of(cls, user: User | None, label: str = "") -> Actor:
        if user is not None and not user.is_authenticated:
            user = None
        return cls(user=user, label=label or ("" if user else "system"))


SYSTEM = Actor(label="system")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class _Changes:
    """Collects the events of one service call, then saves and dispatches them together."""

    def __init__(self, ticket: Ticket, actor: Actor) -> None:
        self.ticket = ticket
        self.actor = actor
        self.events: list[TicketEvent] = []

    def add(self, kind: str, *, from_value: Any = "", to_value: Any = "", payload: dict | None = None,
            is_public: bool = False) -> None:
        self.events.append(
            TicketEvent(
                ticket=self.ticket,
                actor=self.actor.user,
                actor_label=self.actor.label,
                kind=kind,
                from_value=str(from_value or "")[:100],
                to_value=str(to_value or "")[:100],
                payload=payload or {},
                is_public=is_public,
            )
        )

    def commit(self, *, update_fields: list[str] | None = None,
               with_rows: Sequence[Sequence[Model]] = ()) -> list[TicketEvent]:
        """Save the ticket's `update_fields` (if any) and the events, then dispatch them.
        `with_rows`: the caller's own new rows (lists of unsaved instances, one model each),
        inserted before the events in the same round trip (helpdesk.rows.insert_rows_together)."""
        ticket = self.ticket
        if update_fields is not None:
            ticket.version = F("version") + 1
            ticket.save(update_fields=[*update_fields, "version", "updated_at"])
            # Re-read every field that was written as an expression (F("x") + 1).
            expressions = [f.attname for f in ticket._meta.concrete_fields
                           if hasattr(getattr(ticket, f.attname), "resolve_expression")]
            ticket.refresh_from_db(fields=[*expressions, "updated_at"])
        if with_rows:
            insert_rows_together([*with_rows, self.events])
            saved = list(self.events)
        else:
            saved = insert_rows(self.events)
        hooks.dispatch(ticket, saved)
        return saved


def _lock(ticket_id: int, expected_version: int | None = None) -> Ticket:
    ticket = Ticket.objects.select_for_update().select_related("district", "category").get(pk=ticket_id)
    if expected_version is not None and ticket.version != expected_version:
        raise StaleVersion(
            _("This ticket changed since you opened it."),
            current_version=ticket.version,
            status=ticket.status,
        )
    return ticket


def _author_kind(actor: Actor, requester_kind: str = "") -> str:
    if actor.user is not None:
        return Comment.AuthorKind.STAFF
    if actor.label in ("citizen", "sms"):
        return Comment.AuthorKind.CITIZEN
    return Comment.AuthorKind.SYSTEM


def _apply_status(ticket: Ticket, to: str, changes: _Changes, note: str = "") -> None:
    if to not in TicketStatus.values:
        raise InvalidInput(_("Unknown status."), code="invalid_status")
    if to not in TRANSITIONS[ticket.status]:
        raise InvalidTransition(
            _("A ticket that is %(from)s cannot move to %(to)s.") % {
                "from": TicketStatus(ticket.status).label, "to": TicketStatus(to).label},
            status=ticket.status,
            allowed=sorted(TRANSITIONS[ticket.status]),
            version=ticket.version,
        )
    now = timezone.now()
    previous = ticket.status
    ticket.status = to
    if to == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif to == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif to == TicketStatus.REOPENED:
        ticket.reopened_count = F("reopened_count") + 1
        ticket.resolved_at = None
    changes.add("status_changed", from_value=previous, to_value=to, payload={"note": note} if note else {},
                is_public=True)
