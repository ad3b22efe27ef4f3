"""Opening a ticket: the one creation path, and the repeat caller attached to their open ticket."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import District
from helpdesk import metrics
from helpdesk.exceptions import Conflict, InvalidInput
from helpdesk.rows import insert_row_unless_taken, several_statements_per_query

from ..models import OPEN_STATUSES, Category, Channel, Comment, Priority, RequesterKind, Ticket
from ..notifications import created_receipt, notify_chased, receipt_saved
from ..numbers import new_number
from .base import Actor, _author_kind, _Changes, _lock, hash_secret


def find_open_duplicate(*, mobile: str, category: Category) -> int | None:
    """The id of the caller's oldest open ticket in `category`, if any (the id only: the caller
    locks and reads the row itself)."""
    if not mobile:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_duplicate_sql(), [mobile, category.pk, *_OPEN])
        row = cursor.fetchone()
    return row[0] if row else None


_OPEN = sorted(OPEN_STATUSES)


@functools.cache
def _duplicate_sql() -> str:
    """The duplicate check's statement, written once (it runs on every complaint; the ORM
    compiled the same query each time): an index scan on `ticket_mobile_category`."""
    meta, qn = Ticket._meta, connection.ops.quote_name
    column = lambda name: qn(meta.get_field(name).column)  # noqa: E731
    return (f"SELECT {column('id')} FROM {qn(meta.db_table)} WHERE {column('requester_mobile')} = %s "
            f"AND {column('category')} = %s AND {column('status')} IN ({', '.join(['%s'] * len(_OPEN))}) "
            f"ORDER BY {column('created_at')} LIMIT 1")


def _serialise_caller(mobile: str, category: Category) -> int | None:
    """Two simultaneous complaints from one mobile in one category (a caller on the phone while
    their web form is submitted) must not both open a ticket: on PostgreSQL a transaction-scoped
    advisory lock on (mobile, category) makes the second wait and then find the first's ticket.
    Returns the caller's open ticket in `category` (find_open_duplicate), read once the lock is
    held. On PostgreSQL the lock and the check are two statements of one query, one round trip:
    under READ COMMITTED each statement takes its own snapshot, so the check, which starts after
    the lock is granted, sees the ticket that the lock's previous holder committed. SQLite
    serialises writers anyway."""
    if connection.vendor != "postgresql":
        return find_open_duplicate(mobile=mobile, category=category)
    key = f"ticket-caller:{mobile}:{category.pk}"
    if not several_statements_per_query():  # server-side binding: one statement per query
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        return find_open_duplicate(mobile=mobile, category=category)
    with connection.cursor() as cursor:
        cursor.execute(_locked_duplicate_sql(), [key, mobile, category.pk, *_OPEN])
        cursor.nextset()
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _locked_duplicate_sql() -> str:
    return f"SELECT pg_advisory_xact_lock(hashtext(%s)); {_duplicate_sql()}"


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
        existing = _serialise_caller(requester_mobile, category)
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
        ticket = Ticket(
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
        # A number already given out (random, 2.8e11 of them) is drawn again; no savepoint.
        if insert_row_unless_taken(ticket, unique=("number",)):
            break
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
    # The receipt SMS goes into the outbox with the `created` event, in one round trip.
    receipt = created_receipt(ticket, secret) if notify and ticket.requester_mobile else None
    changes.commit(with_rows=[[receipt]] if receipt is not None else ())
    if receipt is not None:
        receipt_saved(receipt)
    metrics.ticket_created(channel)
    return CreateResult(ticket=ticket, created=True, secret=secret)
