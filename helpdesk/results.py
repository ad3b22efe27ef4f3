"""Result pages after POST-redirect-GET: a form that creates something redirects to a result URL
that only this browser's session can open (a random token kept in the session), so a reload
shows the same ticket number or confirmation number and never re-sends the form, and the URL
shown to someone else (or after the session ends) reveals nothing."""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest

SESSION_KEY = "helpdesk_results"
KEEP = 10  # the last results of a session stay reachable


def result_remember(request: HttpRequest, *, kind: str, data: dict[str, Any]) -> str:
    """Keep `data` (JSON-serialisable) in the session under a new token; the token."""
    token = secrets.token_urlsafe(16)
    store = dict(request.session.get(SESSION_KEY) or {})
    store[token] = {"kind": kind, "data": data}
    while len(store) > KEEP:
        store.pop(next(iter(store)))
    request.session[SESSION_KEY] = store
    return token


def result_recall(request: HttpRequest, *, kind: str, token: str) -> dict[str, Any] | None:
    """The data kept under `token` for `kind` in this session, or None."""
    found = (request.session.get(SESSION_KEY) or {}).get(token)
    if not isinstance(found, dict) or found.get("kind") != kind:
        return None
    return found["data"]
