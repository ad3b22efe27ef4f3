"""Turning domain changes into live events and choosing their audiences.

Groups: "status" (public status page), "console" (agents and supervisors), f"district.{id}"
(that district's officials), f"ticket.{id}" (the ticket page), f"vendor.{id}" (vendor staff of
a ticket handed to them). Events carry ids and changes only, never personal data: clients
re-fetch what they show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from helpdesk.queue import enqueue_batched_on_commit

from .broadcast import broadcast

STATUS = "status"
CONSOLE = "console"


def district_group(district_id: int) -> str:
    return f"district.{district_id}"


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def vendor_group(vendor_id: int) -> str:
    return f"vendor.{vendor_id}"


def user_group(user_id: int) -> str:
    """One person's own events (their notifications, a call they answered), on any of their pages."""
    return f"user.{user_id}"


# Payload keys that are safe to send (ids, codes, flags). Anything else (notes, bodies, names,
# mobiles) stays in the database: a live event is a hint, not a copy.
SAFE_PAYLOAD_KEYS = frozenset({
    "channel", "priority", "category", "district_id", "requester_kind", "comment_id", "author_kind",
    "public", "vendor", "vendor_id", "assignee", "contacted", "clock", "level", "loop", "escalation_id",
    "due_at", "eta", "incident_id", "merged_into", "target_id", "cycle", "via", "breached",
})


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_event_json(ticket, event) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if event.from_value:
        changes["from"] = event.from_value
    if event.to_value:
        changes["to"] = event.to_value
    for key, value in (event.payload or {}).items():
        if key in SAFE_PAYLOAD_KEYS and (value is None or isinstance(value, (str, int, float, bool))):
            changes[key] = value
    return {
        "type": f"ticket.{event.kind}",
        "event_id": event.pk,
        "ticket_id": ticket.pk,
        "number": ticket.number,
        "district_id": ticket.district_id,
        "status": ticket.status,
        "priority": ticket.priority,
        "changes": changes,
        "at": _iso(event.created_at),
    }


def ticket_groups(ticket, *, escalated: bool = True) -> list[str]:
    """Who hears of a ticket's change. Vendors a ladder step fired to (before any hand-over) see
    the ticket too (accounts.permissions), so their group hears of it (one query; skipped for a
    ticket just created, which has no escalations yet; none either when the caller prefetched
    the ticket's `escalations`, as the escalation sweep does for a whole batch at once)."""
    groups = [CONSOLE, district_group(ticket.district_id), ticket_group(ticket.pk)]
    vendor_ids = {ticket.vendor_id} if ticket.vendor_id else set()
    prefetched = getattr(ticket, "_prefetched_objects_cache", {}).get("escalations")
    if escalated and prefetched is not None:
        vendor_ids.update(record.vendor_id for record in prefetched if record.vendor_id)
    elif escalated:
        vendor_ids.update(ticket.escalations.filter(vendor__isnull=False).values_list("vendor_id", flat=True))
    groups.extend(vendor_group(vendor_id) for vendor_id in sorted(vendor_ids))
    return groups


def on_ticket_events(ticket, events: Sequence) -> None:
    """tickets.hooks listener: runs inside the writing transaction; each event is broadcast
    after commit (nothing is sent if the transaction rolls back). Also asks the spike detector
    to look at the ticket's category and district once the new ticket is committed."""
    # A ticket created in this transaction has had no escalation yet (no vendor query), and no
    # socket can have joined its own group: a ticket page authorises the group against the
    # committed ticket and reads it over REST anyway. Its first events go to the console, the
    # district and any vendor, not to that empty group (one Redis round trip fewer per event).
    fresh = getattr(ticket, "created_in_transaction", False)
    groups = ticket_groups(ticket, escalated=not fresh and not all(event.kind == "created" for event in events))
    if fresh:
        groups.remove(ticket_group(ticket.pk))
    # The events of one call go together: one layer message per group, numbered in order.
    broadcast(groups, [ticket_event_json(ticket, event) for event in events])
    if any(event.kind == "created" for event in events):
        # One check per (category, district) and per category statewide, for every new ticket
        # of this process within the second, in one task (helpdesk.queue).
        enqueue_batched_on_commit("live.tasks.spike_check_batch", (ticket.category_id, ticket.district_id),
                                  window=1.0)


def incident_groups(incident, *, public: bool = True) -> list[str]:
    """Public incident events reach the status page (district officials' sockets also listen
    there) and the console; internal ones only the console."""
    return [STATUS, CONSOLE] if (public and incident.is_public) else [CONSOLE]


def incident_event(kind: str, incident, *, public: bool = True, **extra: Any) -> None:
    event = {
        "type": f"incident.{kind}",
        "incident_id": incident.pk,
        "status": incident.status,
        "severity": incident.severity,
        "at": _iso(incident.updated_at),
        **extra,
    }
    broadcast(incident_groups(incident, public=public), event)


def component_event(state) -> None:
    broadcast([STATUS, CONSOLE], {
        "type": "component.status",
        "component_id": state.component_id,
        "district_id": state.district_id,
        "status": state.status,
        "at": _iso(state.updated_at),
    })


def suspicion_event(kind: str, suspicion, ticket_ids: list[int] | None = None) -> None:
    groups = [CONSOLE]
    if suspicion.district_id:
        groups.append(district_group(suspicion.district_id))
    event = {
        "type": f"spike.{kind}",
        "suspicion_id": suspicion.pk,
        "category_id": suspicion.category_id,
        "district_id": suspicion.district_id,
        "status": suspicion.status,
        "count": suspicion.window_count,
        "baseline": round(suspicion.baseline, 2),
        "incident_id": suspicion.incident_id,
        "at": _iso(suspicion.updated_at),
    }
    if ticket_ids is not None:
        event["ticket_ids"] = ticket_ids
    broadcast(groups, event)
