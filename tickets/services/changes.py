"""One change to a ticket each: status, comment, call back, assignee, priority, category,
incident, registration reference, merge. Each locks the ticket row, appends its events and bumps
the version."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, Vendor
from helpdesk import validation
from helpdesk.exceptions import InvalidInput, NotFound

from ..models import Category, Channel, Comment, Priority, Ticket, TicketStatus
from ..notifications import notify_public_reply, notify_resolved
from .base import Actor, InvalidTransition, _apply_status, _author_kind, _Changes, _lock


@transaction.atomic
def ticket_transition(
    *, ticket_id: int, to: str, actor: Actor, note: str = "", expected_version: int | None = None,
    vendor: Vendor | None = None,
) -> Ticket:
    """Move a ticket to `to`. Locks the ticket row. Raises InvalidTransition (409) for an illegal
    move and StaleVersion (409) when expected_version is given and out of date. Moving to
    awaiting_vendor hands the ticket to `vendor` (required the first time)."""
    if to == TicketStatus.MERGED:
        # Merging names the surviving ticket: ticket_merge does it, a bare status change cannot.
        raise InvalidInput(_("To merge this ticket, choose the ticket to merge it into (Merge)."),
                           code="use_merge", field="to")
    ticket = _lock(ticket_id, expected_version)
    changes = _Changes(ticket, actor)
    fields = ["status", "resolved_at", "closed_at", "reopened_count"]
    if to == TicketStatus.AWAITING_VENDOR:
        target = vendor or ticket.vendor
        if target is None:
            raise InvalidInput(_("Choose the vendor to hand this ticket to."), code="vendor_required")
        if ticket.vendor_id != target.pk:
            changes.add("vendor_assigned", from_value=ticket.vendor_id or "", to_value=target.pk,
                        payload={"vendor": target.code})
            ticket.vendor = target
        fields.append("vendor")
    _apply_status(ticket, to, changes, note)
    if note:
        Comment.objects.create(ticket=ticket, author=actor.user, author_kind=_author_kind(actor),
                               is_public=False, body=note)
    changes.commit(update_fields=fields)
    if to == TicketStatus.RESOLVED and ticket.requester_mobile:
        notify_resolved(ticket, note)
    return ticket


@transaction.atomic
def ticket_comment(
    *, ticket_id: int, body: str, actor: Actor, is_public: bool, channel: str = Channel.WEB,
    expected_version: int | None = None, notify: bool = True,
) -> Comment:
    """Add a comment. A public staff reply is the first response if none was made yet. A citizen
    reply resumes an awaiting_citizen ticket (to in_progress) and reopens a resolved one.
    A public staff reply is sent by SMS (outbox, on commit) to the requester and to the
    requesters of tickets merged into this one, unless notify=False (the caller sends its own,
    e.g. a vendor's progress note with its ETA)."""
    if not body or not body.strip():
        raise InvalidInput(_("Write a message."), code="invalid_body", field="body")
    ticket = _lock(ticket_id, expected_version)
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.MERGED):
        raise InvalidTransition(_("This ticket is closed; open a new one."), status=ticket.status)
    changes = _Changes(ticket, actor)
    kind = _author_kind(actor)
    comment = Comment.objects.create(ticket=ticket, author=actor.user, author_kind=kind,
                                     is_public=is_public or kind == Comment.AuthorKind.CITIZEN,
                                     channel=channel, body=body)
    fields: list[str] = []
    changes.add("comment", payload={"comment_id": comment.pk, "author_kind": kind, "public": comment.is_public},
                is_public=comment.is_public)
    if kind == Comment.AuthorKind.STAFF and comment.is_public and ticket.first_response_at is None:
        ticket.first_response_at = comment.created_at
        fields.append("first_response_at")
        changes.add("first_response", payload={"comment_id": comment.pk})
    if kind == Comment.AuthorKind.CITIZEN:
        if ticket.status == TicketStatus.AWAITING_CITIZEN:
            _apply_status(ticket, TicketStatus.IN_PROGRESS, changes, "citizen replied")
            fields.append("status")
        elif ticket.status == TicketStatus.RESOLVED:
            _apply_status(ticket, TicketStatus.REOPENED, changes, "citizen replied")
            fields += ["status", "resolved_at", "reopened_count"]
    changes.commit(update_fields=fields)
    if kind == Comment.AuthorKind.STAFF and comment.is_public and notify:
        notify_public_reply(ticket, comment)
    return comment


@transaction.atomic
def ticket_mark_contacted(*, ticket_id: int, actor: Actor, note: str = "") -> Ticket:
    """A call back to the citizen counts as the first response (DOMAIN.md §5)."""
    ticket = _lock(ticket_id)
    changes = _Changes(ticket, actor)
    fields: list[str] = []
    if ticket.first_response_at is None:
        ticket.first_response_at = timezone.now()
        fields.append("first_response_at")
        changes.add("first_response", payload={"contacted": True})
    changes.add("contacted", payload={"note": note})
    changes.commit(update_fields=fields)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket_id: int, assignee: User | None, actor: Actor, expected_version: int | None = None) -> Ticket:
    ticket = _lock(ticket_id, expected_version)
    if assignee is not None and not (assignee.is_desk or assignee.is_vendor):
        raise InvalidInput(_("Tickets are assigned to agents, supervisors or vendor staff."), code="invalid_assignee")
    changes = _Changes(ticket, actor)
    changes.add("assigned", from_value=ticket.assignee_id or "", to_value=assignee.pk if assignee else "",
                payload={"assignee": assignee.username if assignee else None})
    ticket.assignee = assignee
    changes.commit(update_fields=["assignee"])
    return ticket


@transaction.atomic
def ticket_set_priority(*, ticket_id: int, priority: str, actor: Actor, expected_version: int | None = None) -> Ticket:
    """Change priority. The escalation listener re-arms the clocks keeping the elapsed time."""
    if priority not in Priority.values:
        raise InvalidInput(_("Priority is one of P1, P2, P3, P4."), code="invalid_priority")
    ticket = _lock(ticket_id, expected_version)
    if ticket.priority == priority:
        return ticket
    changes = _Changes(ticket, actor)
    changes.add("priority_changed", from_value=ticket.priority, to_value=priority)
    ticket.priority = priority
    changes.commit(update_fields=["priority"])
    return ticket


@transaction.atomic
def ticket_set_category(*, ticket_id: int, category: Category, actor: Actor, expected_version: int | None = None) -> Ticket:
    ticket = _lock(ticket_id, expected_version)
    if ticket.category_id == category.pk:
        return ticket
    changes = _Changes(ticket, actor)
    changes.add("category_changed", from_value=ticket.category.code, to_value=category.code)
    ticket.category = category
    changes.commit(update_fields=["category"])
    return ticket


@transaction.atomic
def ticket_link_incident(*, ticket_id: int, incident_id: int | None, actor: Actor) -> Ticket:
    ticket = _lock(ticket_id)
    if ticket.incident_id == incident_id:
        return ticket
    changes = _Changes(ticket, actor)
    changes.add("incident_linked" if incident_id else "incident_unlinked",
                from_value=ticket.incident_id or "", to_value=incident_id or "")
    ticket.incident_id = incident_id
    changes.commit(update_fields=["incident"])
    return ticket


@transaction.atomic
def ticket_attach_registration(*, ticket_id: int, reference_id: str, actor: Actor) -> Ticket:
    """Record the caller's beneficiary reference id (exactly 14 ASCII digits, DOMAIN.md §8) on the
    ticket. Locks the ticket row; leaves a `registration_attached` event. Attaching the same
    reference again changes nothing and records nothing. Raises InvalidInput for a bad id."""
    reference = validation.reference_id(reference_id)
    ticket = _lock(ticket_id)
    if ticket.registration_reference == reference:
        return ticket
    changes = _Changes(ticket, actor)
    changes.add("registration_attached", from_value=ticket.registration_reference, to_value=reference)
    ticket.registration_reference = reference
    changes.commit(update_fields=["registration_reference"])
    return ticket


@transaction.atomic
def ticket_merge(*, survivor_id: int, merged_ids: list[int], actor: Actor, note: str = "") -> Ticket:
    """Merge one or many duplicate tickets into `survivor_id`.

    Locks every ticket involved in primary-key order (so two merges never deadlock). Each merged
    ticket moves to status `merged` (through the transition table: only open tickets can be
    merged) and points to the survivor; the survivor records one `merged` event per ticket.
    Afterwards public replies on the survivor are also sent by SMS to the merged tickets'
    requesters (see ticket_comment). Raises InvalidInput for an empty or self-referencing list,
    NotFound for unknown ids, InvalidTransition when a ticket cannot be merged."""
    ids = sorted(set(merged_ids))
    if not ids:
        raise InvalidInput(_("Choose the tickets to merge."), code="invalid_merge")
    if survivor_id in ids:
        raise InvalidInput(_("A ticket cannot be merged into itself."), code="invalid_merge")
    locked = {t.pk: t for t in Ticket.objects.select_for_update()
              .select_related("district", "category").filter(pk__in=[survivor_id, *ids]).order_by("pk")}
    if len(locked) != len(ids) + 1:
        raise NotFound(_("Ticket not found."))
    survivor = locked[survivor_id]
    if survivor.status in (TicketStatus.MERGED, TicketStatus.CLOSED):
        raise InvalidTransition(_("Tickets can only be merged into an open or resolved ticket."),
                                status=survivor.status)
    survivor_changes = _Changes(survivor, actor)
    for pk in ids:
        ticket = locked[pk]
        changes = _Changes(ticket, actor)
        _apply_status(ticket, TicketStatus.MERGED, changes, note)
        ticket.merged_into = survivor
        changes.add("merged_into", to_value=survivor.number, payload={"survivor_id": survivor.pk}, is_public=True)
        changes.commit(update_fields=["status", "merged_into"])
        survivor_changes.add("merged", from_value=ticket.number, payload={"ticket_id": ticket.pk, "note": note})
    survivor_changes.commit(update_fields=[])
    return survivor
