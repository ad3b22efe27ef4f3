"""Writes of the reports app: only handover notes (every figure is read, never stored)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import is_desk
from helpdesk import inputs
from helpdesk.exceptions import Forbidden, InvalidInput
from tickets.models import Ticket

from .models import HandoverNote


@transaction.atomic
def handover_note_create(*, author, body: object, ticket_number: object = None) -> HandoverNote:
    """Write a note for the next shift. Only desk staff (agents, supervisors) may. The body is
    stored as written (escaped when shown); blank, over-long or non-text bodies are refused.
    `ticket_number` (optional) must name an existing ticket (with or without the dash).
    No locks: a note is an insert. Nothing leaves the process."""
    if not is_desk(author):
        raise Forbidden(_("Only helpdesk staff may write handover notes."))
    body = inputs.note(body, field="body", required=True, strip=False)
    ticket = None
    if ticket_number not in (None, ""):
        if not isinstance(ticket_number, str) or len(ticket_number) > 13:
            raise InvalidInput(_("No ticket has that number."), code="unknown_ticket", field="ticket")
        number = ticket_number.strip().replace("-", "").upper()
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise InvalidInput(_("No ticket has that number."), code="unknown_ticket", field="ticket")
    return HandoverNote.objects.create(author=author, body=body, ticket=ticket)
