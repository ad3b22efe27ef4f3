"""Reads of tickets, always scoped by accounts.permissions. An object outside the caller's scope
is NotFound (404), exactly like an object that does not exist."""

from __future__ import annotations

import logging
import re

from django.db.models import Prefetch, QuerySet

from accounts.permissions import can_see_ticket, is_desk, scope_tickets
from helpdesk import validation
from helpdesk.exceptions import InvalidInput, NotFound

from .models import OPEN_STATUSES, Comment, Ticket, TicketEvent
from .numbers import normalise_number
from .services import hash_secret

audit = logging.getLogger("tickets.audit")
_DIGITS14 = re.compile(r"^[0-9]{14}$")


def ticket_queryset() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("district", "category", "assignee")


def ticket_list(*, user) -> QuerySet[Ticket]:
    return scope_tickets(user, ticket_queryset())


def ticket_get(*, user, number: object) -> Ticket:
    """The ticket `number` if `user` may see it; otherwise NotFound (also for a malformed number)."""
    normalised = normalise_number(number)
    if normalised is None:
        raise NotFound(_not_found())
    ticket = ticket_queryset().select_related("merged_into", "vendor", "incident").filter(number=normalised).first()
    if ticket is None or not can_see_ticket(user, ticket):
        raise NotFound(_not_found())
    return ticket


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("Ticket not found.")


def ticket_get_by_secret(*, number: object, secret: object) -> Ticket:
    """The citizen's own ticket via the secret status link. Any mismatch is the same NotFound."""
    normalised = normalise_number(number)
    if normalised is None or not isinstance(secret, str) or not (10 <= len(secret) <= 64):
        raise NotFound(_not_found())
    ticket = ticket_queryset().select_related("merged_into").filter(number=normalised).first()
    if ticket is None or not _constant_eq(ticket.secret_hash, hash_secret(secret)):
        raise NotFound(_not_found())
    return ticket


def ticket_get_by_mobile(*, number: object, mobile: object) -> Ticket:
    """The status lookup: number + mobile. Whatever is wrong (bad number, bad mobile, unknown
    ticket, other mobile) the answer is the same NotFound."""
    normalised = normalise_number(number)
    try:
        mobile_value = validation.mobile(mobile)
    except InvalidInput:
        mobile_value = None
    if normalised is None or mobile_value is None:
        raise NotFound(_not_found())
    ticket = ticket_queryset().select_related("merged_into").filter(number=normalised).first()
    if ticket is None or not _constant_eq(ticket.requester_mobile, mobile_value):
        raise NotFound(_not_found())
    return ticket


def _constant_eq(a: str, b: str) -> bool:
    import hmac

    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def public_thread(ticket: Ticket) -> list[Comment]:
    """What the citizen sees: public comments, on this ticket and on the one it was merged into."""
    ids = [ticket.pk] + ([ticket.merged_into_id] if ticket.merged_into_id else [])
    return list(Comment.objects.filter(ticket_id__in=ids, is_public=True).order_by("created_at", "id"))


def staff_thread(ticket: Ticket) -> list[Comment]:
    return list(Comment.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "id"))


def ticket_events(ticket: Ticket, *, after_id: int = 0) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, id__gt=after_id).select_related("actor").order_by("id"))


def classify_query(raw: object) -> tuple[str, str]:
    """What an agent typed in the caller search: ("number"|"mobile"|"reference", value)."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 40:
        raise InvalidInput(_search_help(), code="invalid_query", field="q")
    text = raw.strip()
    if _DIGITS14.match(text):
        return "reference", text
    number = normalise_number(text)
    if number is not None:
        return "number", number
    try:
        return "mobile", validation.mobile(text)
    except InvalidInput:
        raise InvalidInput(_search_help(), code="invalid_query", field="q") from None


def _search_help() -> str:
    from django.utils.translation import gettext as _

    return _("Search by mobile (10 digits), ticket number (8 characters) or registration reference (14 digits).")


def search_filter(queryset: QuerySet[Ticket], raw: object) -> QuerySet[Ticket]:
    kind, value = classify_query(raw)
    field = {"reference": "registration_reference", "number": "number", "mobile": "requester_mobile"}[kind]
    return queryset.filter(**{field: value})


def caller_lookup(*, user, query: object) -> tuple[str, str, list[Ticket]]:
    """The console's caller search. Every lookup of personal data is logged (who, what kind, the
    value masked)."""
    kind, value = classify_query(query)
    tickets = list(search_filter(ticket_list(user=user), value).order_by("-created_at")[:50])
    audit.info("caller lookup by %s (id %s): %s %s -> %d tickets", getattr(user, "username", "?"),
               getattr(user, "pk", None), kind, _mask(kind, value), len(tickets))
    return kind, value, tickets


def _mask(kind: str, value: str) -> str:
    return value if kind == "number" else "*" * (len(value) - 4) + value[-4:]


def open_queue(*, user, limit: int = 50) -> list[Ticket]:
    qs = ticket_list(user=user).filter(status__in=OPEN_STATUSES).order_by("priority", "created_at")
    return list(qs[:limit])


def comment_prefetch() -> Prefetch:
    return Prefetch("comments", queryset=Comment.objects.order_by("created_at", "id"))


def may_write(user) -> bool:
    return is_desk(user)


# Incidents belong to live, which sits above tickets (live links tickets through
# tickets.services). A ticket reaches its incident only through its foreign key, declared by name
# ("live.Incident"), so tickets never imports live.
def _incidents() -> QuerySet:
    return Ticket._meta.get_field("incident").related_model.objects.all()


def incident_exists(incident_id: int) -> bool:
    return _incidents().filter(pk=incident_id).exists()


def recent_incidents(limit: int = 20) -> list:
    """The latest incidents, to offer on the ticket page's "link to incident" control."""
    return list(_incidents().order_by("-pk")[:limit])
