"""The request id: one value on every log line of a request and of the Celery tasks it queued.

- Each HTTP request gets an id: the `X-Request-ID` header when the peer is a trusted proxy
  (`TRUSTED_PROXIES`, the same list `helpdesk.client` believes for `X-Forwarded-For`) and the
  value is short and plain (letters, digits, `.`, `_`, `:`, `-`, at most 64), otherwise a new
  random one. The response carries it back in `X-Request-ID`.
- A task queued while the id is set carries it in its message headers (`request_id`); the worker
  takes it from there before the task runs (a task with none, e.g. a periodic one, uses its own
  task id). Tasks run in-process (the embedded default) keep the id of the request around them.
- `RequestIdLogFilter` puts it on every log record as `request_id` ("-" outside a request or a
  task), for the plain and the JSON formats alike (settings.LOGGING).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import uuid

from celery import signals
from django.conf import settings
from django.core.signals import request_finished

from . import client

_current: contextvars.ContextVar[str] = contextvars.ContextVar("helpdesk_request_id", default="-")
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
HEADER = "request_id"


def current() -> str:
    """The id of the request or task being served, "-" outside one."""
    return _current.get()


@contextlib.contextmanager
def bound(request_id: str):
    """Bind `request_id` for the block (a thread that sends on behalf of requests)."""
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


def new_id() -> str:
    return uuid.uuid4().hex


def from_request(request) -> str:
    """The id for this request: the proxy's, when the proxy is trusted and the value is plain."""
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if offered and _ACCEPTABLE.fullmatch(offered) and _peer_trusted(request):
        return offered
    return new_id()


def _peer_trusted(request) -> bool:
    return client.in_networks(request.META.get("REMOTE_ADDR"), settings.TRUSTED_PROXIES)


class RequestIdMiddleware:
    """Outermost: binds the id for everything below it (the views, the fast path, the logs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = from_request(request)
        request.request_id = request_id
        # Bound until the response is finished: Django logs a 4xx/5xx after the middleware
        # chain has returned.
        _current.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _unbind(**kwargs) -> None:
    _current.set("-")


request_finished.connect(_unbind, dispatch_uid="helpdesk.requestid.unbind")


class RequestIdLogFilter(logging.Filter):
    """Adds %(request_id)s to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


# --- Celery: the id travels in the task's headers -----------------------------------------------
@signals.before_task_publish.connect(dispatch_uid="helpdesk.requestid.publish")
def _carry(headers=None, **kwargs) -> None:
    request_id = _current.get()
    if headers is not None and request_id != "-":
        headers.setdefault(HEADER, request_id)


_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect(dispatch_uid="helpdesk.requestid.prerun")
def _adopt(task_id=None, task=None, **kwargs) -> None:
    carried = getattr(task.request, HEADER, None) if task is not None else None
    if not carried and task is not None:
        carried = (getattr(task.request, "headers", None) or {}).get(HEADER)
    if not carried:
        if getattr(task.request, "is_eager", False) and _current.get() != "-":
            carried = _current.get()  # in-process: the request around it
        else:
            carried = task_id or new_id()
    _task_tokens[task_id] = _current.set(str(carried))


@signals.task_postrun.connect(dispatch_uid="helpdesk.requestid.postrun")
def _release(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a thread pool): just clear it
            _current.set("-")
