"""Idempotency-Key for state-changing POSTs (DOMAIN.md §8).

The same key with the same request replays the stored response (header Idempotent-Replayed);
the same key with a different request is refused (422). The view runs in one transaction with
the record, so a crash between "done" and "recorded" cannot happen: either both commit or
neither does, and a retry after a failure simply runs again. A concurrent duplicate waits on the
record's unique index and then replays.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework.response import Response

from helpdesk.exceptions import Conflict, InvalidInput, Unprocessable
from helpdesk.models import IdempotencyRecord

_KEY_RE = re.compile(r"^[A-Za-z0-9_\-:.]{1,100}$")


def _scope(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    citizen = getattr(request, "citizen_scope", "")  # set by citizen-token authentication
    return f"citizen:{citizen}" if citizen else "anon"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request._request.body)
    return digest.hexdigest()


def idempotent(handler):
    """Decorate a DRF view's post/put/patch/delete method."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not _KEY_RE.match(key):
            raise InvalidInput("Idempotency-Key must be 1-100 characters of A-Z a-z 0-9 _ - : .",
                               code="invalid_idempotency_key")
        fingerprint = _fingerprint(request)
        scope = _scope(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(key=key, scope=scope, fingerprint=fingerprint)
            except IntegrityError:
                record = IdempotencyRecord.objects.get(key=key, scope=scope)
                if record.fingerprint != fingerprint:
                    raise Unprocessable("This Idempotency-Key was already used with a different request.",
                                        code="idempotency_key_reused") from None
                if record.status_code == 0:  # pragma: no cover - only while the first is uncommitted (SQLite)
                    raise Conflict("A request with this Idempotency-Key is in progress; retry shortly.",
                                   code="idempotency_in_progress") from None
                response = Response(record.response_body, status=record.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
            response = handler(self, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            record.save(update_fields=["status_code", "response_body"])
            return response

    return wrapper
