"""Citizen authentication: `Authorization: Bearer <token>` (API) after an OTP. The token row is
the citizen's identity: a mobile number proved by OTP, valid 15 minutes."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .models import CitizenToken
from .otp import token_lookup


def bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        return None
    return header[7:].strip()


def citizen_token(request) -> CitizenToken | None:
    raw = bearer(request)
    return token_lookup(raw) if raw else None


class CitizenTokenAuthentication(BaseAuthentication):
    """DRF authentication: request.auth is the CitizenToken, request.user stays anonymous. Sets
    request.citizen_scope so Idempotency-Key records are kept per citizen login."""

    def authenticate(self, request):
        raw = bearer(request._request)
        if raw is None:
            return None
        token = token_lookup(raw)
        if token is None:
            raise AuthenticationFailed("The login has expired or is not valid. Log in again with an OTP.")
        request.citizen_scope = f"mobile:{token.mobile}"
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="citizen"'
