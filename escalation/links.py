"""Signed, expiring one-click acknowledgement links (django.core.signing)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "escalation.ack"


def ack_token(notice_id: int) -> str:
    return signing.dumps({"n": notice_id}, salt=SALT, compress=True)


def ack_url(notice_id: int) -> str:
    return settings.SITE_URL + reverse("escalation:ack", args=[ack_token(notice_id)])


def read_ack_token(token: str) -> int | None:
    """The notice id, or None for a forged, malformed or expired token (never an exception)."""
    if not token or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ACK_LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    notice_id = data.get("n") if isinstance(data, dict) else None
    return notice_id if isinstance(notice_id, int) and not isinstance(notice_id, bool) else None
