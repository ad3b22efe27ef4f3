"""Ticket numbers: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B).

Read over the phone as two groups of four ("K7M4-QX2P"). 27^8 ≈ 2.8e11 combinations, so a
random draw collides rarely; the unique constraint catches the rest and the caller retries.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"
LENGTH = 8
_NUMBER_RE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_number() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_number(raw: object) -> str | None:
    """Accept 'k7m4-qx2p', ' K7M4QX2P ' etc.; return the stored form or None if it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    candidate = raw.strip().upper().replace("-", "").replace(" ", "")
    return candidate if _NUMBER_RE.match(candidate) else None
