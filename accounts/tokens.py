"""API tokens for service accounts: issue and revoke (the model: token_models.py).

The check of each request is in accounts/authentication.py.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings

from helpdesk.exceptions import InvalidInput

from .token_models import ApiToken

log = logging.getLogger(__name__)


def api_token_create(*, user, name: str, created_by=None, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a token for `user` (a service account), valid `days` days (API_TOKEN_TTL_DAYS by
    default; 0: no expiry). Returns the row and the token: the only time the token exists in clear."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Say what the token is for (a name).", code="token_name_required")
    if len(name) > 100:
        raise InvalidInput("The name is longer than 100 characters.", code="token_name_too_long")
    if not user.is_active:
        raise InvalidInput("The user is inactive.", code="token_user_inactive")
    days = settings.API_TOKEN_TTL_DAYS if days is None else days
    if days < 0 or days > 3650:
        raise InvalidInput("Days must be between 0 (no expiry) and 3650.", code="token_days_out_of_range")
    expiry = dt.timedelta(days=days) if days else None
    token, raw = ApiToken.objects.create(user=user, expiry=expiry, name=name, role=user.role,
                                         created_by=created_by)
    log.info("api token %s issued for %s (%s) by %s", token.token_key, user.username, user.role,
             getattr(created_by, "username", "-"))
    return token, raw


def api_token_revoke(*, token: ApiToken, revoked_by=None) -> None:
    """Revoke (delete) a token: it is refused from the next request on."""
    log.info("api token %s of %s revoked by %s", token.token_key, token.user.username,
             getattr(revoked_by, "username", "-"))
    token.delete()
