"""The project package's one model: the stored outcome of an idempotent request (the request
layer, helpdesk/api/, is the ground floor every app's API stands on)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The stored outcome of a POST sent with an Idempotency-Key (see helpdesk/api/idempotency.py)."""

    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=80, help_text=_("user:<id>, citizen:<token id> or anon"))
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "accounts_idempotencyrecord"  # its first home's table, kept with its rows
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
