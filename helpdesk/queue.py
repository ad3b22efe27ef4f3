"""Queueing Celery tasks after commit, without letting a broker outage fail the request.

Tasks are only lag-shorteners: the work they do is already recorded in the database (outbox rows,
SLA next-action times, import runs) and a periodic sweep finds it. So when the broker (Redis) is
unreachable, the commit stands, the failure is logged, and the sweep picks the work up later.
"""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **options) -> None:
    """`task.apply_async(args, **options)` once the current transaction commits (at once if none)."""

    def send() -> None:
        try:
            task.apply_async(args, **options)
        except Exception:  # broker down: the database still holds the work for the sweeps
            log.warning("could not queue %s%r; the periodic sweep will do it", task.name, args, exc_info=True)

    transaction.on_commit(send)
