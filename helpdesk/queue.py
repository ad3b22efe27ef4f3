"""Queueing Celery tasks after commit, without letting a broker outage fail the request.

Tasks are only lag-shorteners: the work they do is already recorded in the database (outbox rows,
SLA next-action times, import runs) and a periodic sweep finds it. So when the broker (Redis) is
unreachable, the commit stands, the failure is logged, and the sweep picks the work up later.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
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


def enqueue_coalesced_on_commit(task, *args, key: str, window: int = 1) -> None:
    """Like `enqueue_on_commit`, for a task that reads the current state of the database (a
    spike count), not something handed to it: at most two runs per `window` seconds per `key`,
    and always one that starts after this commit. The first commit of a window queues the task at
    once; later commits of the same window leave one trailing run `window` seconds after the
    first of them, so a commit is never missed. During a surge that is one task a second instead
    of one per ticket. In process (tasks run eagerly) every commit runs it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        enqueue_on_commit(task, *args)
        return

    def send() -> None:
        try:
            if cache.add(f"coalesce:{key}", 1, timeout=window):
                task.apply_async(args)
            elif cache.add(f"coalesce-trail:{key}", 1, timeout=window):
                task.apply_async(args, countdown=window)
        except Exception:  # broker or cache down: the work is in the database for the sweeps
            log.warning("could not queue %s%r", task.name, args, exc_info=True)

    transaction.on_commit(send)
