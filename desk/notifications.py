"""Agent notifications: assigned to me, mentioned, a citizen replied on my ticket, my ticket will
breach within 15 minutes.

Rows are written by a tickets.hooks listener inside the transaction that wrote the ticket
event (so a notification exists exactly when its cause committed; one per person and event by a
unique constraint); after commit each person's socket group `user.<id>` gets a hint
{"type": "notification", "kind", "ticket_id"} and the page re-fetches its count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can_see_ticket
from live.broadcast import broadcast
from live.events import user_group
from tickets.models import Ticket, TicketEvent

from .models import AgentNotification

Kind = AgentNotification.Kind
BREACH_SOON = dt.timedelta(minutes=15)


def _wanted(ticket: Ticket, event: TicketEvent) -> list[tuple[int, str]]:
    """(user id, kind) pairs this event should notify."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    actor = event.actor_id
    if event.kind == "assigned" and event.to_value.isdigit() and int(event.to_value) != actor:
        return [(int(event.to_value), Kind.ASSIGNED)]
    if event.kind == "mentioned":
        return [(int(uid), Kind.MENTIONED) for uid in payload.get("user_ids") or [] if uid != actor]
    if event.kind == "comment" and payload.get("author_kind") == "citizen" and ticket.assignee_id:
        return [(ticket.assignee_id, Kind.CITIZEN_REPLIED)]
    if event.kind == "sla_warning" and ticket.assignee_id:
        due = parse_datetime(payload.get("due_at") or "")
        now = event.created_at or timezone.now()
        if due is not None and due - now <= BREACH_SOON:
            return [(ticket.assignee_id, Kind.BREACH_SOON)]
    return []


def on_ticket_events(ticket: Ticket, events: Sequence[TicketEvent]) -> None:
    """tickets.hooks listener (inside the writing transaction)."""
    wanted = [(uid, kind, event) for event in events for uid, kind in _wanted(ticket, event)]
    if not wanted:
        return
    users = User.objects.in_bulk({uid for uid, _k, _e in wanted})
    rows = [AgentNotification(user_id=uid, kind=kind, ticket=ticket, event=event, actor_id=event.actor_id)
            for uid, kind, event in wanted
            if uid in users and users[uid].is_active and can_see_ticket(users[uid], ticket)]
    if not rows:
        return
    AgentNotification.objects.bulk_create(rows, ignore_conflicts=True)
    for row in rows:
        broadcast([user_group(row.user_id)], {"type": "notification", "kind": row.kind, "ticket_id": ticket.pk})


# --- reads ----------------------------------------------------------------------------------------

def notifications_for(user: User) -> QuerySet[AgentNotification]:
    return AgentNotification.objects.filter(user=user).select_related("ticket", "actor")


def unread_count(user: User) -> int:
    return AgentNotification.objects.filter(user=user, read_at__isnull=True).count()


def notification_text(row: AgentNotification) -> str:
    """The sentence for one notification, in the active language."""
    who = (row.actor.get_full_name() or row.actor.username) if row.actor else _("the system")
    number = row.ticket.display_number
    if row.kind == Kind.ASSIGNED:
        return _("%(who)s assigned ticket %(number)s to you") % {"who": who, "number": number}
    if row.kind == Kind.MENTIONED:
        return _("%(who)s mentioned you on ticket %(number)s") % {"who": who, "number": number}
    if row.kind == Kind.CITIZEN_REPLIED:
        return _("The citizen replied on your ticket %(number)s") % {"number": number}
    return _("Your ticket %(number)s will breach its target within 15 minutes") % {"number": number}


# --- writes ---------------------------------------------------------------------------------------

@transaction.atomic
def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ids is None); others' rows are
    never touched. Returns how many changed. After commit the user's pages refresh the count."""
    queryset = AgentNotification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    changed = queryset.update(read_at=timezone.now())
    if changed:
        broadcast([user_group(user.pk)], {"type": "notification", "kind": "read"})
    return changed
