"""Rate limits for the anonymous endpoints, per client IP and per mobile, counted in the cache
(Redis in production). Rates: settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (anon_ip,
anon_mobile; env RATE_ANON_IP / RATE_ANON_MOBILE). Exceeding one answers 429 with Retry-After."""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from helpdesk import validation
from helpdesk.exceptions import InvalidInput, TooManyRequests


class _Throttle(SimpleRateThrottle):
    def get_rate(self):
        # Read the settings at each use, so overrides (tests, env) apply without a re-import.
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class AnonIpThrottle(_Throttle):
    scope = "anon_ip"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonMobileThrottle(_Throttle):
    scope = "anon_mobile"

    def get_cache_key(self, request, view):
        mobile = getattr(request, "throttle_mobile", None)
        if mobile is None:
            data = getattr(request, "data", None)
            raw = data.get("mobile") if isinstance(data, dict) else None
            try:
                mobile = validation.mobile(raw) if raw is not None else None
            except InvalidInput:
                mobile = None
        if not mobile:
            return None
        return self.cache_format % {"scope": self.scope, "ident": mobile}


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
