"""Acknowledging by SMS reply: "ACK <code>" from the notified person's own mobile, through the
inbound SMS endpoint (a tickets.hooks SMS handler registered in apps.py). The same
acknowledgement service as the link, with channel "sms"."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.outbox import outbox_enqueue
from tickets.models import OPEN_STATUSES

from . import services
from .ackcodes import read_ack_code
from .links import ack_url
from .models import EscalationNotice

ACK_WORDS = frozenset({"ACK", "ACK:", "स्वीकार"})


def _reply(*, to: str, body: str, message_id: str, language: str, ticket_id: int | None = None) -> None:
    # One answer per inbound message: a gateway retry of the same id sends nothing more.
    outbox_enqueue(channel="sms", recipient=to, body=body, idempotency_key=f"sms-in:{message_id}:ack",
                   ticket_id=ticket_id, language=language)


def ack_by_sms(*, sender: str, text: str, message_id: str) -> str | None:
    """Handle "ACK <code>" (None for any other text). Answers the sender by SMS in their
    language and returns the action: ack_done, ack_already (idempotent: nothing changes),
    ack_closed, ack_wrong_mobile (the code was sent to another person's mobile; nothing
    changes), ack_unknown_code. Runs inside the inbound request's transaction."""
    words = text.split()
    if not words or words[0].upper() not in ACK_WORDS or len(words) > 2:
        return None  # "Ack, thanks for the help" from a citizen stays a reply to their ticket
    notice_id = read_ack_code(words[1]) if len(words) == 2 else None
    notice = None
    if notice_id is not None:
        notice = (EscalationNotice.objects.select_related("user", "record__ticket").filter(pk=notice_id).first())
    sender_user = User.objects.filter(mobile=sender, is_active=True).only("preferred_language").first()
    language = (sender_user.preferred_language if sender_user else "") or "en"
    if notice is None or notice.user is None:
        with translation.override(language):
            body = _("ACK not understood: send ACK and the code from the escalation SMS, e.g. ACK 7QX4.")
        _reply(to=sender, body=body, message_id=message_id, language=language)
        return "ack_unknown_code"
    ticket = notice.record.ticket
    if notice.user.mobile != sender:
        with translation.override(language):
            body = _("ACK refused: that code was sent to another mobile. Reply from the mobile that received it.")
        _reply(to=sender, body=body, message_id=message_id, language=language)
        return "ack_wrong_mobile"
    language = notice.user.preferred_language or "en"
    if ticket.status not in OPEN_STATUSES:
        with translation.override(language):
            body = _("Ticket %(number)s is already closed; nothing to acknowledge.") % {"number": ticket.display_number}
        _reply(to=sender, body=body, message_id=message_id, language=language, ticket_id=ticket.pk)
        return "ack_closed"
    result = services.escalation_acknowledge(ticket_id=ticket.pk, user=notice.user, via=EscalationNotice.Via.SMS,
                                             notice_id=notice.pk)
    with translation.override(language):
        if result.acknowledged:
            body = _("Acknowledged ticket %(number)s. Post progress with an ETA: %(link)s") % {
                "number": ticket.display_number, "link": ack_url(notice.pk)}
        else:
            notice.refresh_from_db(fields=["acknowledged_at"])
            when = notice.acknowledged_at or ticket.clocks.filter(acknowledged_at__isnull=False).values_list(
                "acknowledged_at", flat=True).order_by("-acknowledged_at").first()
            body = _("Ticket %(number)s was already acknowledged at %(time)s. Nothing more to do by SMS.") % {
                "number": ticket.display_number,
                "time": timezone.localtime(when).strftime("%d-%m %H:%M") if when else "-"}
    _reply(to=sender, body=body, message_id=message_id, language=language, ticket_id=ticket.pk)
    return "ack_done" if result.acknowledged else "ack_already"
