"""The bookings' limits on the one mechanism (helpdesk.ratelimit) and the one client address
(helpdesk.client). OTP limits fail closed; the CoWIN public reads fail open."""

from __future__ import annotations

import ipaddress

from helpdesk.client import rate_key
from helpdesk.ratelimit import cooldown, hit, parse_rate

__all__ = ["client_ip", "cooldown", "hit", "ip_or_none", "parse_rate"]


def client_ip(request) -> str:
    """The client address as a rate-limit key: "unknown" when there is none (e.g. gunicorn on a
    unix socket); use `ip_or_none` before storing it in an address column."""
    return rate_key(request)


def ip_or_none(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
