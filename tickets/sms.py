"""Inbound SMS: what a citizen's text means (`parse_command`, the one place tickets' commands
are read) and what the helpdesk does with it (`sms_receive`, one transaction, idempotent by the
gateway's message id). Other apps' commands ("ACK <code>" is escalation's) come first, through
`tickets.hooks.subscribe_sms`."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from . import hooks, ratings, services
from .models import OPEN_STATUSES, Channel, InboundSms, Ticket, TicketStatus
from .notifications import reply_sms
from .numbers import normalise_number
from .services import Actor


@dataclass(frozen=True)
class Command:
    kind: str  # "status" (STATUS <number>) or "text" (anything else: a comment or instructions)
    argument: str = ""


_STATUS_WORDS = ("STATUS", "STATUS:", "स्थिति")


def parse_command(text: str) -> Command:
    """Read a command from an SMS. Add a command here (a keyword and its argument), and its
    handling in `sms_receive`."""
    words = text.split()
    if len(words) == 2 and words[0].upper() in _STATUS_WORDS:
        return Command("status", words[1])
    return Command("text", text)


@transaction.atomic
def sms_receive(*, sender: str, text: str, gateway_id: str) -> str:
    """Handle one inbound SMS from a validated mobile; returns what was done ("status_sent",
    "comment_added", "rating_recorded", "instructions_sent"). Idempotent on `gateway_id`: the same message posted
    again (a gateway retry, even concurrently: the second waits on the unique index) does nothing
    and returns the first outcome. Replies go through the outbox after commit."""
    try:
        with transaction.atomic():
            record = InboundSms.objects.create(gateway_id=gateway_id, sender=sender)
    except IntegrityError:
        previous = InboundSms.objects.filter(gateway_id=gateway_id).first()
        return previous.action if previous else "duplicate"
    record.action = (hooks.inbound_sms(sender=sender, text=text, message_id=gateway_id)
                     or _handle(sender=sender, command=parse_command(text), text=text, gateway_id=gateway_id))[:30]
    record.save(update_fields=["action"])
    return record.action


def _handle(*, sender: str, command: Command, text: str, gateway_id: str) -> str:
    if command.kind == "status":
        number = normalise_number(command.argument)
        ticket = Ticket.objects.filter(number=number, requester_mobile=sender).first() if number else None
        language = ticket.requester_language if ticket else "en"
        with translation.override(language):
            if ticket is None:
                body = _("No complaint with that number for this mobile.")
            else:
                body = _("Complaint %(number)s: %(status)s.") % {"number": ticket.display_number,
                                                                 "status": ticket.get_status_display()}
        reply_sms(to=sender, body=body, key=f"sms-in:{gateway_id}:status", ticket_id=ticket.pk if ticket else None,
                  language=language)
        return "status_sent"
    rated = ratings.rating_from_sms(sender=sender, text=text)
    if rated is not None:  # a bare 1-5 after a resolution: a rating, not a reply reopening it
        ticket, result = rated
        reply_sms(to=sender, body=ratings.thanks_body(ticket, result), key=f"sms-in:{gateway_id}:rated",
                  ticket_id=ticket.pk, language=ticket.requester_language)
        return "rating_recorded"
    ticket = (Ticket.objects.filter(requester_mobile=sender, status__in=OPEN_STATUSES | {TicketStatus.RESOLVED})
              .order_by("-created_at").first())
    if ticket is not None and text:
        services.ticket_comment(ticket_id=ticket.pk, body=text, actor=Actor(label="sms"), is_public=True,
                                channel=Channel.SMS)
        return "comment_added"
    with translation.override("en"):
        body = _("To register a complaint visit %(link)s or call the helpline. To check one, send STATUS <number>.") % {
            "link": f"{settings.SITE_URL}/complaint/"}
    reply_sms(to=sender, body=body, key=f"sms-in:{gateway_id}:help")
    return "instructions_sent"
