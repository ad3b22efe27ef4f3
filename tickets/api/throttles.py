"""Rate limits for the anonymous endpoints, per client address and per mobile, on the one
mechanism (helpdesk.ratelimit) and the one client address (helpdesk.client). Rates:
settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (anon_ip, anon_mobile; env RATE_ANON_IP /
RATE_ANON_MOBILE). Exceeding one answers 429 with Retry-After. Complaint intake fails open: on a
cache outage the request is taken uncounted (and logged). Both counters of a request are
counted in one round trip (`AnonThrottle`).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from helpdesk import ratelimit, validation
from helpdesk.client import rate_key
from helpdesk.exceptions import InvalidInput, TooManyRequests


def _ip(request) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    return rate_key(request)


def _mobile(request) -> str | None:
    mobile = getattr(request, "throttle_mobile", None)
    if mobile is None:
        data = getattr(request, "data", None)
        raw = data.get("mobile") if isinstance(data, dict) else None
        try:
            mobile = validation.mobile(raw) if raw is not None else None
        except InvalidInput:
            mobile = None
    return mobile or None


_IDENTS = {"anon_ip": _ip, "anon_mobile": _mobile}


class AnonThrottle(BaseThrottle):
    """Counts the request against each of `scopes` that has an identity, in one round trip."""

    scopes: tuple[str, ...] = ("anon_ip", "anon_mobile")

    def allow_request(self, request, view) -> bool:
        rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        hits = [(scope, ident, rates[scope]) for scope in self.scopes
                if (ident := _IDENTS[scope](request)) is not None]
        try:
            ratelimit.hit_many(hits, on_outage="open")
        except TooManyRequests as exc:
            self._wait = exc.retry_after
            return False
        return True

    def wait(self) -> float:
        return self._wait


class AnonMobileThrottle(AnonThrottle):
    scopes = ("anon_mobile",)


def check_anonymous(request, *, mobile: str | None = None) -> None:
    """For plain Django views: apply the same throttles, raising TooManyRequests."""
    request.throttle_mobile = mobile
    throttle = AnonThrottle()
    if not throttle.allow_request(request, None):
        retry = max(1, math.ceil(throttle.wait() or 1))
        raise TooManyRequests(_("Too many requests; try again in %(seconds)s seconds.") % {"seconds": retry},
                              retry_after=retry)
