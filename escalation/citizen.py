"""SMS to the citizen about the vendor's work, in the ticket's language, through the outbox (written
in the caller's transaction, delivered after commit; each key makes one message)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.outbox import outbox_enqueue
from tickets.models import Ticket


def _send(ticket: Ticket, body: str, key: str) -> None:
    if not ticket.requester_mobile:
        return
    outbox_enqueue(channel="sms", recipient=ticket.requester_mobile, body=body, idempotency_key=key,
                   ticket_id=ticket.pk, language=ticket.requester_language)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def notify_vendor_acknowledged(ticket: Ticket, *, event_id: int) -> None:
    """The vendor acknowledged (sent only when the ticket's policy says so)."""
    with translation.override(ticket.requester_language):
        body = _("Complaint %(number)s: the portal's technical team has taken it up and is working on it.") % {
            "number": ticket.display_number}
    _send(ticket, body, f"ticket:{ticket.pk}:vendor-ack:{event_id}")


def notify_progress(ticket: Ticket, *, note: str, eta: dt.datetime, event_id: int) -> None:
    """A public progress note with its ETA."""
    with translation.override(ticket.requester_language):
        when = timezone.localtime(eta).strftime("%d-%m %H:%M")
        if note:
            body = _("Update on complaint %(number)s: %(note)s Expected by %(eta)s.") % {
                "number": ticket.display_number, "note": _short(note), "eta": when}
        else:
            body = _("Update on complaint %(number)s: expected to be fixed by %(eta)s.") % {
                "number": ticket.display_number, "eta": when}
    _send(ticket, body, f"ticket:{ticket.pk}:progress:{event_id}")
