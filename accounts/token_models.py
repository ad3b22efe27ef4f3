"""API tokens for service accounts (integrations without a browser session).

django-rest-knox keeps only a SHA-512 digest of each token (hashed at rest) and its first
characters (`token_key`, to find the row and to name it in lists); the token itself is shown once,
when it is created, and never again. Each token is issued for one user, a service account with a
role, and records that role: if the user's role changes later, the token is refused (a token never
silently gains or changes rights). Object scoping is the user's, through accounts/permissions.py,
as for a session. Revoking deletes the row: the token is refused from the next request on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken

from .models import Role


class ApiToken(AbstractAuthToken):
    name = models.CharField(max_length=100, help_text="What the token is for (the integration).")
    role = models.CharField(max_length=32, choices=Role.choices, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.token_key}… {self.name} ({self.user})"
