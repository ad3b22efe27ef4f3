"""A database outage met in a middleware (the session read of a logged-in request, as during a
failover's seconds) is a 503 with Retry-After, like one met in a view: never a 500."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/live/incidents/", "/desk/"])
def test_the_session_store_failing_is_a_503_with_retry_after(path, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role="supervisor"))

    def down(self):
        raise OperationalError("connection failed: session is read-only")

    monkeypatch.setattr(SessionStore, "load", down)
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Traceback" not in response.content.decode() and "read-only" not in response.content.decode()
    if path.startswith("/api/"):
        assert response.json()["code"] == "backing_service_unavailable"


@pytest.mark.django_db
def test_any_other_error_in_a_middleware_is_still_a_500(monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role="supervisor"))

    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get("/api/live/incidents/")
    assert response.status_code == 500 and response.json()["code"] == "server_error"
