"""A Celery worker keeps its PostgreSQL connection between tasks, as a web worker does between
requests (helpdesk/celery.py), instead of a new backend per task; and when the database ends
that connection, the next task reconnects (Django's health check) instead of failing."""

from __future__ import annotations

from urllib.parse import urlsplit

from .harness import sql, terminate_backends, wait_for

ENQUEUE = """
from django.db import transaction
from notifications.outbox import outbox_enqueue
with transaction.atomic():
    for n in range({count}):
        outbox_enqueue(channel="sms", recipient="98765%05d" % ({start} + n), body="test",
                       idempotency_key="connections-test-%s" % ({start} + n))
"""


def _backends(stack) -> set[tuple[int, str]]:
    """(pid, start time) of every other client connection to the app's database right now."""
    name = urlsplit(stack.database_url).path.lstrip("/")
    return set(sql(stack.database_url, "SELECT pid, backend_start::text FROM pg_stat_activity WHERE datname = %s "
                                       "AND backend_type = 'client backend' AND pid <> pg_backend_pid()", (name,)))


def _sent(stack) -> list[tuple[str, int]]:
    return sql(stack.database_url, "SELECT status, attempts FROM escalation_outboxmessage "
                                   "WHERE idempotency_key LIKE 'connections-test-%%'")


def _deliver(stack, start: int, count: int) -> None:
    from .harness import run_django

    run_django(stack.env(), ENQUEUE.format(start=start, count=count))  # one delivery task per message
    wait_for(lambda: sum(status == "sent" for status, _a in _sent(stack)) >= start + count, 60,
             what=f"{start + count} messages sent")


def test_a_worker_keeps_its_connection_between_tasks_and_reconnects_when_the_database_drops_it(stack):
    stack.start_worker(concurrency=1)
    _deliver(stack, 0, 5)  # the worker's process has connected once

    kept = _backends(stack)
    assert kept, "the worker closed its connection after its task"
    _deliver(stack, 5, 30)
    # 30 tasks later the same backend (pid and start time) still serves the worker.
    assert kept & _backends(stack), "a new database connection per task"

    assert terminate_backends(stack.database_url) >= 1  # the worker's connection among them
    _deliver(stack, 35, 10)
    rows = _sent(stack)
    assert len(rows) == 45 and all(status == "sent" and attempts == 1 for status, attempts in rows), rows
