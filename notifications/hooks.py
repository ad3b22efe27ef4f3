"""What the outbox asks of the apps above it, without importing them.

Apps register in their AppConfig.ready():
- `register_obsolete(check)`: `check(message) -> bool`; a pending message that any check calls
  obsolete is cancelled instead of sent (escalation: a notice whose clock was acknowledged or
  stopped in the meantime).
- `register_webhook_secret(resolver)`: `resolver(url) -> str | None`, the signing secret of a
  webhook address (escalation: the vendor's endpoint); a webhook with no secret is not sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import OutboxMessage

ObsoleteCheck = Callable[["OutboxMessage"], bool]
SecretResolver = Callable[[str], "str | None"]
_obsolete_checks: list[ObsoleteCheck] = []
_secret_resolvers: list[SecretResolver] = []


def register_obsolete(check: ObsoleteCheck) -> ObsoleteCheck:
    if check not in _obsolete_checks:
        _obsolete_checks.append(check)
    return check


def register_webhook_secret(resolver: SecretResolver) -> SecretResolver:
    if resolver not in _secret_resolvers:
        _secret_resolvers.append(resolver)
    return resolver


def is_obsolete(message: OutboxMessage) -> bool:
    return any(check(message) for check in list(_obsolete_checks))


def webhook_secret(url: str) -> str | None:
    for resolver in list(_secret_resolvers):
        secret = resolver(url)
        if secret is not None:
            return secret
    return None
