"""Every write to a ticket. Forms, the agents' console, the API, the SMS webhook, escalation and
incidents all call these functions; nothing else saves ticket rows.

Rules kept here:
- each service runs in one transaction and locks the ticket row (select_for_update) first;
- each change appends TicketEvent rows and bumps Ticket.version;
- listeners (tickets.hooks) are called inside the transaction with the new events; anything that
  leaves the process (broadcasts, SMS) is scheduled by them with transaction.on_commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import District, User, Vendor
from helpdesk import metrics, validation
from helpdesk.exceptions import Conflict, InvalidInput, NotFound, StaleVersion

from . import hooks
from .models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Category,
    Channel,
    Comment,
    Priority,
    RequesterKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from .notifications import notify_chased, notify_created, notify_public_reply, notify_resolved
from .numbers import new_number


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

    def commit(self, *, update_fields: list[str] | None = None) -> list[TicketEvent]:
        ticket = self.ticket
        if update_fields is not None:
            ticket.version = F("version") + 1
            ticket.save(update_fields=[*update_fields, "version", "updated_at"])
            # Re-read every field that was written as an expression (F("x") + 1).
            expressions = [f.attname for f in ticket._meta.concrete_fields
                           if hasattr(getattr(ticket, f.attname), "resolve_expression")]
            ticket.refresh_from_db(fields=[*expressions, "updated_at"])
        saved = TicketEvent.objects.bulk_create(self.events)
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


def find_open_duplicate(*, mobile: str, category: Category) -> int | None:
    """The id of the caller's oldest open ticket in `category`, if any (the id only: the caller
    locks and reads the row itself)."""
    if not mobile:
        return None
    return (
        Ticket.objects.filter(requester_mobile=mobile, category=category, status__in=OPEN_STATUSES)
        .order_by("created_at")
        .values_list("pk", flat=True)
        .first()
    )


def _serialise_caller(mobile: str, category: Category) -> None:
    """Two simultaneous complaints from one mobile in one category (a caller on the phone while
    their web form is submitted) must not both open a ticket: on PostgreSQL a transaction-scoped
    advisory lock on (mobile, category) makes the second wait and then find the first's ticket.
    SQLite serialises writers anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ticket-caller:{mobile}:{category.pk}"])


@dataclass
class CreateResult:
    ticket: Ticket
    created: bool
    secret: str = ""  # the status-link secret, only when a new ticket was created


@transaction.atomic
def ticket_create(
    *,
    district: District,
    category: Category,
    description: str,
    requester_kind: str,
    channel: str,
    actor: Actor,
    priority: str | None = None,
    subject: str = "",
    requester_name: str = "",
    requester_mobile: str = "",
    requester_language: str = "en",
    registration_reference: str = "",
    attach_to_open: bool = True,
    notify: bool = True,
) -> CreateResult:
    """The one creation path (citizen form, district form, agent console, API, SMS).

    A repeat caller (same mobile, an open ticket in the same category) is attached to the open
    ticket: the text becomes a comment and `chased_count` goes up, unless attach_to_open=False.
    Guarantees a `created` event (or `chased` on the existing ticket). Locks the existing
    ticket when attaching, and (PostgreSQL) an advisory lock on (mobile, category) so that two
    simultaneous complaints from one caller give one ticket. A new ticket with a requester mobile queues (notify=True) one SMS
    with the ticket number and the secret status link, through the outbox (sent on commit).
    """
    if requester_kind not in RequesterKind.values:
        raise InvalidInput(_("Unknown requester kind."), code="invalid_requester_kind")
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), code="invalid_channel")
    if priority is not None and priority not in Priority.values:
        raise InvalidInput(_("Priority is one of P1, P2, P3, P4."), code="invalid_priority")
    if not description or not description.strip():
        raise InvalidInput(_("Describe the problem."), code="invalid_description", field="description")

    if attach_to_open and requester_mobile:
        _serialise_caller(requester_mobile, category)
        existing = find_open_duplicate(mobile=requester_mobile, category=category)
        if existing is not None:
            ticket = _lock(existing)
            if ticket.status in OPEN_STATUSES:
                ticket.chased_count = F("chased_count") + 1
                changes = _Changes(ticket, actor)
                comment = Comment.objects.create(
                    ticket=ticket, author=actor.user, author_kind=_author_kind(actor, requester_kind),
                    is_public=False, channel=channel, body=description,
                )
                changes.add("chased", payload={"comment_id": comment.pk, "channel": channel})
                changes.commit(update_fields=["chased_count"])
                if notify and actor.user is None:
                    notify_chased(ticket, comment)
                return CreateResult(ticket=ticket, created=False)

    secret = secrets.token_urlsafe(18)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(
                    number=new_number(),
                    requester_kind=requester_kind,
                    channel=channel,
                    district=district,
                    category=category,
                    priority=priority or category.default_priority,
                    subject=subject[:200],
                    description=description,
                    requester_name=requester_name,
                    requester_mobile=requester_mobile,
                    requester_language=requester_language if requester_language in ("en", "hi") else "en",
                    registration_reference=registration_reference,
                    created_by=actor.user,
                    secret_hash=hash_secret(secret),
                )
            break
        except IntegrityError as exc:
            if "number" not in str(exc):
                raise
    else:  # pragma: no cover - 5 collisions in a 2.8e11 space
        raise Conflict(_("Could not allocate a ticket number; try again."))
    # Listeners may skip what a ticket this young cannot have (escalations, an SLA row).
    ticket.created_in_transaction = True
    changes = _Changes(ticket, actor)
    changes.add(
        "created",
        to_value=ticket.status,
        payload={"channel": channel, "priority": ticket.priority, "category": category.code,
                 "district_id": district.pk, "requester_kind": requester_kind},
        is_public=True,
    )
    changes.commit()
    metrics.ticket_created(channel)
    if notify and ticket.requester_mobile:
        notify_created(ticket, secret)
    return CreateResult(ticket=ticket, created=True, secret=secret)


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
def ticket_record_events(*, ticket_id: int, actor: Actor, events: list[dict]) -> list[TicketEvent]:
    """`ticket_record_event` for several events at once (one insert): each dict has `kind` and
    optionally `payload`, `is_public`, `from_value`, `to_value`. Same guarantees."""
    ticket = hooks.dispatching(ticket_id) or Ticket.objects.select_related("district", "category").get(pk=ticket_id)
    changes = _Changes(ticket, actor)
    for event in events:
        changes.add(event["kind"], from_value=event.get("from_value", ""), to_value=event.get("to_value", ""),
                    payload=event.get("payload"), is_public=event.get("is_public", False))
    return changes.commit()


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
    saved = TicketEvent.objects.bulk_create([event for change in changes for event in change.events])
    for change in changes:
        hooks.dispatch(change.ticket, change.events)
    return saved


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
