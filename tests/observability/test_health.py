"""Readiness with the database really unreachable: 503, `down` names the database, and the
public answer has no exception text, host, port, path or DSN (those go to the log)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture
def database_unreachable(transactional_db):
    """Point the default connection at a port where no database listens, then put it back.
    PostgreSQL only: the embedded default's SQLite test database lives in memory."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="9499")
    secret = ["127.0.0.1", "9499", saved["NAME"]]
    try:
        yield secret
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        connection.ensure_connection()


pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_readiness_names_the_database_without_leaking_internals(client, database_unreachable, path, caplog):
    response = client.get(path)
    assert response.status_code == 503
    body = response.json()
    # The sweep's heartbeat is read from the database too: it is down with it.
    assert body["status"] == "unavailable" and body["down"][0] == "database"
    assert set(body["down"]) <= {"database", "sweep"}
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"] in ("unavailable", "timeout")
    assert set(body["checks"]["database"]) == {"ok", "error", "ms"}
    text = response.content.decode()
    for internal in [*database_unreachable, "Error", "error:", "connection to server", "Traceback", "postgres://"]:
        assert internal not in text, internal
    # The details are in the log, for the operator.
    assert any("readiness check database failed" in r.getMessage() and r.exc_info for r in caplog.records)


def test_liveness_does_not_depend_on_the_database(client, database_unreachable):
    response = client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_scrape_with_the_database_down_still_answers(client, database_unreachable, settings):
    """/metrics stays up: every state collector says it could not read, the text has no host."""
    settings.METRICS_TOKEN = "t"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t")
    assert response.status_code == 200
    text = response.content.decode()
    for collector in ("replication", "outbox", "sweep", "p1_unacknowledged"):
        assert f'helpdesk_metrics_collector_up{{collector="{collector}"}} 0.0' in text
    assert "\nhelpdesk_outbox_oldest_pending_seconds " not in text  # no figure made up
    for internal in database_unreachable:
        assert internal not in text
