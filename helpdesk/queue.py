"""Queueing Celery tasks after commit, without letting a broker outage fail the request.

Tasks are enqueued by name ("notifications.tasks.deliver_message"), so a service never imports
the tasks module of its own or another app (tasks import services, never the other way round):
the name is looked up in Celery's task registry, which autodiscovery fills with every app's
tasks module the first time a name is missing.

Tasks are only lag-shorteners: the work they do is already recorded in the database (outbox rows,
SLA next-action times, import runs) and a periodic sweep finds it. So when the broker (Redis) is
unreachable, the commit stands, the failure is logged, and the sweep picks the work up later.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from helpdesk.celery import app

from . import requestid

log = logging.getLogger(__name__)


def task_named(name: str):
    """The registered task called `name` (KeyError for a name no tasks module defines)."""
    tasks = app.tasks
    if name not in tasks:
        app.loader.import_default_modules()  # autodiscovery: every installed app's tasks module
    return tasks[name]


def _task(task):
    return task_named(task) if isinstance(task, str) else task


def enqueue(task, *args, **options) -> None:
    """`task.apply_async(args, **options)` now; `task` is a registered name (or the task)."""
    _task(task).apply_async(args, **options)


def enqueue_on_commit(task, *args, **options) -> None:
    """`task.apply_async(args, **options)` once the current transaction commits (at once if none).
    `task` is a registered task name (or the task itself, from its own tasks module)."""
    task = _task(task)

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
    task = _task(task)
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


def enqueue_batched_on_commit(task, item, *, window: float = 0.05) -> None:
    """Once the current transaction commits, add `item` (a JSON-able, hashable value: an id, a
    tuple of ids) to this process's next batch for `task`, a task that takes a list of items.
    Within `window` seconds of the first item of a batch, one message carries every item of
    the window (duplicates once), sent by a background thread: during a surge that is one task
    per window and process instead of one per commit, and the request never waits on the
    broker. The work must already be in the database (the periodic sweeps own it): a process
    killed inside a window loses only the hint. In process (tasks run eagerly) every commit
    runs the task at once with its one item. `task` is a registered name (or the task)."""
    task = _task(task)
    app = getattr(task, "app", None)
    if settings.CELERY_TASK_ALWAYS_EAGER or (app is not None and app.conf.task_always_eager):
        enqueue_on_commit(task, [item])
        return
    transaction.on_commit(lambda: _batcher.add(task, item, window, requestid.current()))


MAX_BATCH_REQUEST_IDS = 20


class _Batcher:
    """A daemon thread per process that sends each task's batch when its window ends."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._pid: int | None = None
        self._pending: dict[str, tuple[object, list, float]] = {}  # task name -> (task, items, due)

    def add(self, task, item, window: float, request_id: str = "-") -> None:
        with self._wake:
            if self._pid != os.getpid():  # first use in this process (or after a fork)
                self._pid = os.getpid()
                self._pending = {}
                threading.Thread(target=self._run, name="task-batcher", daemon=True).start()
                atexit.register(self.flush)
            entry = self._pending.get(task.name)
            if entry is None:
                entry = self._pending[task.name] = (task, [item], time.monotonic() + window, [])
                self._wake.notify()
            else:
                entry[1].append(item)
            if request_id != "-" and request_id not in entry[3] and len(entry[3]) < MAX_BATCH_REQUEST_IDS:
                entry[3].append(request_id)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
                now = time.monotonic()
                due = [name for name, (_t, _i, at, _r) in self._pending.items() if at <= now]
                if not due:
                    self._wake.wait(min(at for _t, _i, at, _r in self._pending.values()) - now)
                    continue
                ready = [self._pending.pop(name) for name in due]
            self._send(ready)

    @staticmethod
    def _send(ready) -> None:
        for task, items, _at, request_ids in ready:
            items = list(dict.fromkeys(items))
            try:
                # The requests whose commits filled the batch, in the task's headers (one id,
                # or several joined by commas): their log lines lead to this task's.
                with requestid.bound(",".join(request_ids) or "-"):
                    task.apply_async((items,))
            except Exception:  # broker down: the database still holds the work for the sweeps
                log.warning("could not queue %s for %s items; the periodic sweep will do it", task.name,
                            len(items), exc_info=True)

    def flush(self) -> None:
        """Send every batch now (a worker that exits; tests)."""
        if self._pid != os.getpid():
            return
        with self._wake:
            ready = list(self._pending.values())
            self._pending.clear()
        self._send(ready)


_batcher = _Batcher()


def flush_batches() -> None:
    _batcher.flush()
