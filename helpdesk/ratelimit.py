"""The one rate-limit mechanism: fixed-window counters in the cache (Redis in production, locmem
on the embedded default), keyed by a name and an identity (an address from
`helpdesk.client.rate_key`, a mobile...).

A rate is "N/period" with period s|sec|second|m|min|minute|h|hour|d|day, optionally with a
multiplier: "100/5min". Exceeding it raises TooManyRequests (429) with Retry-After = seconds until
the window ends. What happens when the cache is unreachable is chosen per limit (README,
"Rate limits"): `on_outage="closed"` refuses with 503 and Retry-After (OTP requests and checks:
a guessable secret must never go unlimited), `on_outage="open"` lets the request through
uncounted and logs it (complaint intake: losing a complaint is worse than an unlimited minute).
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Sequence
from typing import Literal

import redis.exceptions
from django.core.cache import cache
from django.utils.translation import gettext as _

from .exceptions import RETRY_AFTER_SECONDS, ServiceUnavailable, TooManyRequests

log = logging.getLogger(__name__)

Outage = Literal["open", "closed"]
_RATE_RE = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]*)\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$")
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
          "d": 86400, "day": 86400}
CACHE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError, OSError)


class LimitUnavailable(ServiceUnavailable):
    code = "rate_limit_unavailable"

    def __init__(self) -> None:
        super().__init__(_("This service is briefly unavailable. Please try again in a few seconds."),
                         retry_after=RETRY_AFTER_SECONDS)
        self.retry_after = RETRY_AFTER_SECONDS


@functools.lru_cache(maxsize=256)
def parse_rate(rate: str) -> tuple[int, int]:
    """'100/5min' -> (100, 300)."""
    match = _RATE_RE.match(rate)
    if not match:
        raise ValueError(f"bad rate {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


def count(name: str, ident: str, period: int, *, now: float) -> int:
    """Count one hit of `ident` in the current window of `period` seconds; returns the count."""
    return count_many([(name, ident, period)], now=now)[0]


def count_many(hits: Sequence[tuple[str, str, int]], *, now: float) -> list[int]:
    """Count one hit of each (name, ident, period) in its current window; returns the counts.
    On Redis, one round trip for all of them: INCR + EXPIRE each, in one pipeline (Django's
    cache.incr costs two or three round trips per counter)."""
    keys = [(f"rl:{name}:{ident}:{int(now // period)}", period) for name, ident, period in hits]
    redis_client = _redis_client()
    if redis_client is not None:
        pipe = redis_client.pipeline(transaction=False)
        for key, period in keys:
            pipe.incr(cache.make_key(key))
            pipe.expire(cache.make_key(key), period + 1)
        return [int(value) for value in pipe.execute()[::2]]
    return [_count_in_cache(key, period) for key, period in keys]


def _count_in_cache(key: str, period: int) -> int:
    if cache.add(key, 1, timeout=period + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        return 1


def hit(name: str, ident: str, rate: str, *, on_outage: Outage, now: float | None = None,
        message: str | None = None) -> None:
    """Count one hit of `ident` against `rate`; raise TooManyRequests past the limit. On a cache
    outage: LimitUnavailable (503) when `on_outage="closed"`, nothing when "open"."""
    hit_many([(name, ident, rate)], on_outage=on_outage, now=now, message=message)


def hit_many(hits: Sequence[tuple[str, str, str]], *, on_outage: Outage, now: float | None = None,
             message: str | None = None) -> None:
    """`hit` for several (name, ident, rate) at once, one round trip: every one is counted, and
    TooManyRequests names the longest wait among those past their limit."""
    if not hits:
        return
    limits = [(name, ident, *parse_rate(rate)) for name, ident, rate in hits]
    now = time.time() if now is None else now
    try:
        counts = count_many([(name, ident, period) for name, ident, _limit, period in limits], now=now)
    except CACHE_ERRORS:
        names = ", ".join(name for name, *_rest in limits)
        if on_outage == "closed":
            log.warning("rate limit %s unavailable: refusing (fails closed)", names)
            raise LimitUnavailable() from None
        log.warning("rate limit %s not counted: cache unavailable (fails open)", names)
        return
    waits = [max(1, int((int(now // period) + 1) * period - now))
             for (_name, _ident, limit, period), hits_now in zip(limits, counts, strict=True) if hits_now > limit]
    if waits:
        retry_after = max(waits)
        raise TooManyRequests(message or _("Too many requests. Try again in %(seconds)s seconds.")
                              % {"seconds": retry_after}, retry_after=retry_after)


def cooldown(name: str, ident: str, seconds: int, *, now: float | None = None) -> None:
    """Allow one action per `seconds` for `ident`; raise TooManyRequests while cooling down.
    Fails closed (it guards OTP sends)."""
    now = time.time() if now is None else now
    key = f"cd:{name}:{ident}"
    try:
        if cache.add(key, now + seconds, timeout=seconds):
            return
        until = cache.get(key) or (now + seconds)
        if until <= now:  # a stale entry the cache has not dropped yet
            cache.set(key, now + seconds, timeout=seconds)
            return
    except CACHE_ERRORS:
        raise LimitUnavailable() from None
    retry_after = max(1, int(until - now + 0.999))
    raise TooManyRequests(_("Please wait %(seconds)s seconds before asking for another OTP.") % {"seconds": retry_after},
                          retry_after=retry_after, code="otp_cooldown")


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
