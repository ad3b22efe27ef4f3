"""Rate limits for the anonymous endpoints, per client IP and per mobile, counted in the cache
(Redis in production). Rates: settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (anon_ip,
anon_mobile; env RATE_ANON_IP / RATE_ANON_MOBILE). Exceeding one answers 429 with Retry-After.

DRF's SimpleRateThrottle keeps a list of every request's time per key and rewrites it on each
request: behind one proxy address that list holds every citizen's requests of the last minute.
These throttles keep one counter per key instead, started by the key's first request in the
window and expiring with it (on Redis: INCR + EXPIRE NX + TTL in one pipelined round trip).
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from helpdesk import validation
from helpdesk.exceptions import InvalidInput, TooManyRequests

log = logging.getLogger(__name__)


def _hit(key: str, duration: int) -> tuple[int, float]:
    """Count one request under `key`; returns (count in the current window, seconds left)."""
    if isinstance(cache, RedisCache):
        full = cache.make_and_validate_key(key)
        pipe = cache._cache.get_client(full, write=True).pipeline()
        pipe.incr(full)
        pipe.expire(full, duration, nx=True)
        pipe.ttl(full)
        count, _set, ttl = pipe.execute()
        return int(count), float(ttl if ttl and ttl > 0 else duration)
    # locmem (the embedded default: one process): a (window start, count) pair.
    now = time.time()
    start, count = cache.get(key) or (now, 0)
    if now - start >= duration:
        start, count = now, 0
    count += 1
    cache.set(key, (start, count), duration)
    return count, duration - (now - start)


def _parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate notation: "60/min", "10/minute", "20/hour", "5/s"."""
    number, period = rate.split("/")
    return int(number), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


class _CounterThrottle(BaseThrottle):
    scope = ""

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
        number, duration = _parse_rate(rate)
        try:
            count, self._wait = _hit(f"throttle:{self.scope}:{ident}", duration)
        except Exception:  # the cache (Redis) is down: take the complaint, do not count it
            # Losing a citizen's complaint is worse than an unthrottled minute; the outage is logged.
            log.warning("rate limit %s not counted: cache unavailable", self.scope, exc_info=True)
            return True
        return count <= number

    def wait(self) -> float:
        return self._wait


class AnonIpThrottle(_CounterThrottle):
    scope = "anon_ip"

    def ident(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.get_ident(request)


class AnonMobileThrottle(_CounterThrottle):
    scope = "anon_mobile"

    def ident(self, request):
        mobile = getattr(request, "throttle_mobile", None)
        if mobile is None:
            data = getattr(request, "data", None)
            raw = data.get("mobile") if isinstance(data, dict) else None
            try:
                mobile = validation.mobile(raw) if raw is not None else None
            except InvalidInput:
                mobile = None
        return mobile or None


def check_anonymous(request, *, mobile: str | None = None) -> None:
    """For plain Django views: apply the same throttles, raising TooManyRequests."""
    request.throttle_mobile = mobile
    waits = []
    for throttle_class in (AnonIpThrottle, AnonMobileThrottle):
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    if waits:
        retry = max(1, math.ceil(max(waits)))
        raise TooManyRequests(_("Too many requests; try again in %(seconds)s seconds.") % {"seconds": retry},
                              retry_after=retry)
