"""Rate limits for the anonymous endpoints, per client address and per mobile, on the one
mechanism (helpdesk.ratelimit) and the one client address (helpdesk.client). Rates:
settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (anon_ip, anon_mobile; env RATE_ANON_IP /
RATE_ANON_MOBILE). Exceeding one answers 429 with Retry-After. Complaint intake fails open: on a
cache outage the request is taken uncounted (and logged).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from helpdesk import ratelimit, validation
from helpdesk.client import rate_key
from helpdesk.exceptions import InvalidInput, TooManyRequests


class _CounterThrottle(BaseThrottle):
    scope = ""

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
        try:
            ratelimit.hit(self.scope, ident, rate, on_outage="open")
        except TooManyRequests as exc:
            self._wait = exc.retry_after
            return False
        return True

    def wait(self) -> float:
        return self._wait


class AnonIpThrottle(_CounterThrottle):
    scope = "anon_ip"

    def ident(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return rate_key(request)


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
