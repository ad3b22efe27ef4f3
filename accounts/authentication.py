"""API token authentication of service accounts (tokens issued by accounts/tokens.py).

`Authorization: Token <token>` on any API operation the token's user may call. No CSRF header is
needed (browsers do not send the token on their own). A token is refused (401) when it is unknown,
revoked, expired, its user is inactive, or the user's role is no longer the role the token was
issued for. Kept free of imports of DRF's views: DRF's settings import this module while
rest_framework.views is being set up.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.models import get_token_model
from rest_framework import exceptions

from helpdesk.client import client_address

# The last use is written at most once per interval per token (not one write per request).
LAST_USE_INTERVAL = dt.timedelta(seconds=60)


class ServiceTokenAuthentication(TokenAuthentication):
    """knox's token check (digest compare, expiry) plus: the role the token was issued for, and the
    last use (time and client address) recorded."""

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        if getattr(auth_token, "role", user.role) != user.role:
            raise exceptions.AuthenticationFailed(
                _("The token was issued for another role of this user. Ask an admin for a new one."))
        return user, auth_token

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _record_use(result[1], client_address(request._request))
        return result


def _record_use(token, address: str | None) -> None:
    now = timezone.now()
    get_token_model().objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USE_INTERVAL)
    ).update(last_used_at=now, last_used_ip=address)
