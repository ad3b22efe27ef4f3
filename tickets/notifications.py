"""SMS to citizens about their tickets. Always through the notification outbox: the row is written
in the caller's transaction (unique idempotency key) and delivered after commit.

tickets imports escalation lazily here and only here: the outbox is the one way out of the
process, and escalation never imports this module back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.outbox import new_message, outbox_enqueue, schedule_batched

from .models import Ticket as TicketModel
from .rating_links import rate_url

if TYPE_CHECKING:
    from notifications.models import OutboxMessage

    from .models import Comment, Ticket


def status_link(ticket: Ticket, secret: str) -> str:
    return f"{settings.SITE_URL}/t/{ticket.number}/{secret}/"


def _sms(*, to: str, body: str, key: str, ticket_id: int | None, language: str) -> None:
    outbox_enqueue(channel="sms", recipient=to, body=body, idempotency_key=key, ticket_id=ticket_id,
                   language=language)


def created_receipt(ticket: Ticket, secret: str) -> OutboxMessage:
    """The citizen's receipt, unsaved: the number to quote and the secret link to follow the
    ticket. The creating service inserts it with the ticket's `created` event (one round trip),
    then calls `receipt_saved`. The key names a ticket created in this very transaction: it
    cannot exist yet (no savepoint)."""
    with translation.override(ticket.requester_language):
        body = _("Complaint %(number)s registered. Follow it and reply here: %(link)s") % {
            "number": ticket.display_number, "link": status_link(ticket, secret)}
    return new_message(channel="sms", recipient=ticket.requester_mobile, body=body,
                       idempotency_key=f"ticket:{ticket.pk}:created", ticket_id=ticket.pk,
                       language=ticket.requester_language)


def receipt_saved(message: OutboxMessage) -> None:
    """The receipt is in the outbox: it leaves after commit with its process's next batch."""
    schedule_batched(message.pk)


def notify_chased(ticket: Ticket, comment: Comment) -> None:
    """A citizen wrote again about an open complaint: tell them (and only them, by SMS) which."""
    with translation.override(ticket.requester_language):
        body = _("Your message was added to your open complaint %(number)s. Status: %(link)s") % {
            "number": ticket.display_number, "link": f"{settings.SITE_URL}/status/ticket/"}
    _sms(to=ticket.requester_mobile, body=body, key=f"ticket:{ticket.pk}:chased:{comment.pk}",
         ticket_id=ticket.pk, language=ticket.requester_language)


def notify_public_reply(ticket: Ticket, comment: Comment) -> None:
    """A public reply reaches the requester and the requesters of tickets merged into this one."""

    recipients = {}
    if ticket.requester_mobile:
        recipients[ticket.requester_mobile] = ticket.requester_language
    for mobile, language in (TicketModel.objects.filter(merged_into_id=ticket.pk).exclude(requester_mobile="")
                             .values_list("requester_mobile", "requester_language")):
        recipients.setdefault(mobile, language)
    text = comment.body if len(comment.body) <= 300 else comment.body[:297] + "..."
    for mobile, language in recipients.items():
        with translation.override(language):
            body = _("Update on complaint %(number)s: %(text)s") % {"number": ticket.display_number, "text": text}
        _sms(to=mobile, body=body, key=f"ticket:{ticket.pk}:comment:{comment.pk}:{mobile}", ticket_id=ticket.pk,
             language=language)


def notify_resolved(ticket: Ticket, note: str) -> None:
    """The complaint is resolved: the resolution note and a one-tap rating (reply 1-5, or the
    signed rating link)."""
    text = note if len(note) <= 200 else note[:197] + "..."
    with translation.override(ticket.requester_language):
        if text:
            body = _("Complaint %(number)s is resolved: %(note)s Rate our help: reply 1 (poor) to 5 (very good), "
                     "or tap %(link)s") % {"number": ticket.display_number, "note": text, "link": rate_url(ticket)}
        else:
            body = _("Complaint %(number)s is resolved. Rate our help: reply 1 (poor) to 5 (very good), "
                     "or tap %(link)s") % {"number": ticket.display_number, "link": rate_url(ticket)}
    _sms(to=ticket.requester_mobile, body=body, key=f"ticket:{ticket.pk}:resolved:{ticket.reopened_count}",
         ticket_id=ticket.pk, language=ticket.requester_language)


def reply_sms(*, to: str, body: str, key: str, ticket_id: int | None = None, language: str = "en") -> None:
    """An answer to an inbound SMS (status request, instructions)."""
    _sms(to=to, body=body, key=key, ticket_id=ticket_id, language=language)
