"""The short code an escalation SMS carries, for "ACK <code>" replies: the notice id in an
unambiguous alphabet (no 0/O, 1/I/L) plus two check characters keyed by SECRET_KEY, so a
mistyped code is refused rather than acknowledging someone else's step. Stateless: nothing is
stored. The reply is accepted only from the notified person's own mobile."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECK = 2


def _check(notice_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"ack-code:{notice_id}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:4], "big")
    out = ""
    for _i in range(CHECK):
        value, rest = divmod(value, len(ALPHABET))
        out += ALPHABET[rest]
    return out


def ack_code(notice_id: int) -> str:
    digits = ""
    value = notice_id
    while True:
        value, rest = divmod(value, len(ALPHABET))
        digits = ALPHABET[rest] + digits
        if value == 0:
            break
    return digits + _check(notice_id)


def read_ack_code(code: str) -> int | None:
    """The notice id, or None for anything that is not a code we issued (never an exception)."""
    code = (code or "").strip().upper()
    if not 1 + CHECK <= len(code) <= 12 or any(ch not in ALPHABET for ch in code):
        return None
    value = 0
    for ch in code[:-CHECK]:
        value = value * len(ALPHABET) + ALPHABET.index(ch)
    if not hmac.compare_digest(_check(value), code[-CHECK:]) or ack_code(value) != code:
        return None
    return value
