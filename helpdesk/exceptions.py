"""Domain errors and the one place that maps them to HTTP.

Services raise DomainError subclasses; the DRF exception handler and the page views turn them
into a status code and a JSON body {"code", "detail", ...extra}. Never a 500 for a user's input.
"""

from __future__ import annotations

from typing import Any

import redis.exceptions
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request is valid but the current state forbids it (illegal move, stale version)."""

    status_code = 409
    code = "conflict"


class StaleVersion(Conflict):
    """The row changed since the caller read it (its `expected_version` is out of date)."""

    code = "stale_version"


class Unprocessable(DomainError):
    status_code = 422
    code = "unprocessable"


class TooManyRequests(DomainError):
    status_code = 429
    code = "throttled"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"


# A backing service (Redis: cache, rate counters, broker) is unreachable. Nothing was committed
# (the request's transaction rolled back), so the client may retry, with the same Idempotency-Key.
# A database connection cut mid-request (OperationalError/InterfaceError) is the same case: the
# transaction did not commit.
BACKING_SERVICE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                          DatabaseOperationalError, DatabaseInterfaceError)
RETRY_AFTER_SECONDS = 5


def backing_service_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "A backing service is briefly unavailable. Nothing was saved; retry in a few seconds "
        "(with the same Idempotency-Key).",
        code="backing_service_unavailable",
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, BACKING_SERVICE_ERRORS):
        response = Response(backing_service_unavailable().as_dict(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, DomainError):
        response = Response(exc.as_dict(), status=exc.status_code)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, drf_exceptions.APIException):
        data = response.data
        if isinstance(data, dict) and "detail" in data and len(data) == 1:
            response.data = {"code": getattr(exc.detail, "code", exc.default_code), "detail": data["detail"]}
        elif isinstance(exc, drf_exceptions.ValidationError):
            response.data = {"code": "invalid", "detail": "Invalid input.", "errors": data}
    return response
