"""Fixed-window rate limits in the cache (Redis in production, locmem on the embedded default).

A rate is "N/period" with period second|min|hour|day, optionally with a multiplier: "100/5min".
Exceeding it raises TooManyRequests with Retry-After = seconds until the window ends.
"""

from __future__ import annotations

import re
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from helpdesk.exceptions import TooManyRequests

_RATE_RE = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]*)\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$")
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
          "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'100/5min' -> (100, 300)."""
    match = _RATE_RE.match(rate)
    if not match:
        raise ValueError(f"bad rate {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


def hit(name: str, ident: str, rate: str, *, now: float | None = None) -> None:
    """Count one hit of `ident` against `rate`; raise TooManyRequests past the limit."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"rl:{name}:{ident}:{window}"
    redis_client = _redis_client()
    if redis_client is not None:
        # One round trip: INCR + EXPIRE in a pipeline (Django's cache.incr costs two or three).
        pipe = redis_client.pipeline(transaction=False)
        pipe.incr(cache.make_key(key))
        pipe.expire(cache.make_key(key), period + 1)
        count = pipe.execute()[0]
    elif cache.add(key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 1)
            count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * period - now))
        raise TooManyRequests(_("Too many requests. Try again in %(seconds)s seconds.") % {"seconds": retry_after},
                              retry_after=retry_after)


_clients: dict[int, object] = {}


def _redis_client():
    """One redis-py client per cache backend and process (building a client object costs
    ~1 ms of CPU: redis-py fills its callback table each time); its pool is thread-safe."""
    inner = getattr(cache, "_cache", None)
    if inner is None or not hasattr(inner, "get_client"):
        return None
    client = _clients.get(id(inner))
    if client is None:
        try:
            client = _clients[id(inner)] = inner.get_client(write=True)
        except TypeError:  # pragma: no cover - another backend with a get_client of its own
            return None
    return client


def cooldown(name: str, ident: str, seconds: int, *, now: float | None = None) -> None:
    """Allow one action per `seconds` for `ident`; raise TooManyRequests while cooling down."""
    now = time.time() if now is None else now
    key = f"cd:{name}:{ident}"
    if cache.add(key, now + seconds, timeout=seconds):
        return
    until = cache.get(key) or (now + seconds)
    if until <= now:  # a stale entry the cache has not dropped yet
        cache.set(key, now + seconds, timeout=seconds)
        return
    retry_after = max(1, int(until - now + 0.999))
    raise TooManyRequests(_("Please wait %(seconds)s seconds before asking for another OTP.") % {"seconds": retry_after},
                          retry_after=retry_after, code="otp_cooldown")


def client_ip(request) -> str:
    """The client address as a rate-limit key: "unknown" when there is none (e.g. gunicorn on a
    unix socket); use `ip_or_none` before storing it in an address column."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def ip_or_none(value: str) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
