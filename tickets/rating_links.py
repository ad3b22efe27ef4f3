"""Signed one-tap rating links sent with the resolution SMS (django.core.signing, 30 days)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Ticket

SALT = "tickets.rate"
RATE_LINK_MAX_AGE = 30 * 24 * 3600


def rate_token(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "r": ticket.reopened_count}, salt=SALT, compress=True)


def rate_url(ticket: Ticket) -> str:
    return settings.SITE_URL + reverse("tickets:rate", args=[ticket.number, rate_token(ticket)])


def read_rate_token(number: str, token: str) -> Ticket | None:
    """The ticket a rating link was sent for, or None (forged, expired, another ticket)."""
    if not token or len(token) > 200:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=RATE_LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    ticket_id = data.get("t") if isinstance(data, dict) else None
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        return None
    return Ticket.objects.select_related("district", "category").filter(pk=ticket_id, number=number).first()
