"""The texts of escalation steps (SMS/email, phone call, webhook)."""

from __future__ import annotations

import json

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .ackcodes import ack_code
from .links import ack_url
from .models import ClockKind


def step_message(ticket, clock, rec, notice, channel: str, language: str) -> tuple[str, str]:
    """(subject, body) of one escalation step for one person on one channel, in their language:
    a JSON event for a webhook, a spoken text for a call, else the text with the reply code and
    the signed link (last: phones make a trailing link tappable)."""
    if channel == "webhook":
        return "", json.dumps({
            "event": "escalation", "ticket": ticket.number, "priority": ticket.priority, "status": ticket.status,
            "district": ticket.district.code, "category": ticket.category.code, "clock": clock.kind,
            "level": rec.level, "loop": rec.loop, "due_at": clock.due_at.isoformat(),
            "fired_at": rec.fired_at.isoformat(), "record_id": rec.pk,
        })
    with translation.override(language):
        clock_name = str(ClockKind(clock.kind).label)
        subject = _("Escalation L%(level)s: %(priority)s ticket %(number)s") % {
            "level": rec.level, "priority": ticket.priority, "number": ticket.display_number}
        body = _("%(priority)s ticket %(number)s (%(district)s, %(category)s): %(clock)s due %(due)s. "
                 "Escalation level %(level)s. Acknowledge: %(link)s") % {
            "priority": ticket.priority, "number": ticket.display_number, "district": ticket.district.name,
            "category": ticket.category.name, "clock": clock_name,
            "due": timezone.localtime(clock.due_at).strftime("%d-%m %H:%M"), "level": rec.level,
            "link": ack_url(notice.pk)}
        if channel == "voice":
            body = _("Helpdesk escalation level %(level)s: %(priority)s ticket %(number)s, %(category)s in "
                     "%(district)s. Press 1 to acknowledge.") % {
                "level": rec.level, "priority": ticket.priority, "number": " ".join(ticket.display_number),
                "category": ticket.category.name, "district": ticket.district.name}
        else:  # the link stays last: phones make a trailing link tappable
            body = _("Reply ACK %(code)s to acknowledge.") % {"code": ack_code(notice.pk)} + " " + body
    return subject, body
