"""Tickets as plain dicts (no serializer on the hot paths)."""

from __future__ import annotations

from typing import Any

from tickets.models import Comment, Ticket, TicketEvent


def _dt(value) -> str | None:
    return value.isoformat() if value else None


def ticket_dict(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.pk,
        "number": t.number,
        "display_number": t.display_number,
        "status": t.status,
        "priority": t.priority,
        "channel": t.channel,
        "requester_kind": t.requester_kind,
        "district": {"id": t.district_id, "code": t.district.code, "name": t.district.name},
        "category": {"code": t.category.code, "name": t.category.name},
        "assignee": {"id": t.assignee_id, "username": t.assignee.username} if t.assignee_id else None,
        "subject": t.subject,
        "description": t.description,
        "requester_name": t.requester_name,
        "requester_mobile": t.masked_mobile,
        "registration_reference": t.registration_reference,
        "incident_id": t.incident_id,
        "vendor_id": t.vendor_id,
        "merged_into_id": t.merged_into_id,
        "chased_count": t.chased_count,
        "reopened_count": t.reopened_count,
        "version": t.version,
        "created_at": _dt(t.created_at),
        "updated_at": _dt(t.updated_at),
        "first_response_at": _dt(t.first_response_at),
        "resolved_at": _dt(t.resolved_at),
        "closed_at": _dt(t.closed_at),
    }


def public_ticket_dict(t: Ticket, comments: list[Comment]) -> dict[str, Any]:
    """What a citizen may see about their own ticket: no internal notes, no staff names."""
    return {
        "number": t.number,
        "display_number": t.display_number,
        "status": t.status,
        "status_label": t.get_status_display(),
        "category": t.category.name,
        "district": t.district.name,
        "created_at": _dt(t.created_at),
        "merged_into": t.merged_into.number if t.merged_into_id else None,
        "comments": [{"id": c.pk, "from": c.author_kind, "body": c.body, "created_at": _dt(c.created_at)}
                     for c in comments],
    }


def comment_dict(c: Comment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "author_kind": c.author_kind,
        "author": c.author.username if c.author_id and c.author else None,
        "is_public": c.is_public,
        "channel": c.channel,
        "body": c.body,
        "created_at": _dt(c.created_at),
    }


def event_dict(e: TicketEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "actor": e.actor.username if e.actor_id and e.actor else e.actor_label,
        "from": e.from_value,
        "to": e.to_value,
        "payload": e.payload,
        "is_public": e.is_public,
        "created_at": _dt(e.created_at),
    }
