"""Periodic jobs. One schedule, two runners.

The schedule is settings.CELERY_BEAT_SCHEDULE (task name and period in seconds). With REDIS_URL
set, Celery beat enqueues those tasks for the workers. On the embedded default, `manage.py
serve` runs the same tasks on a thread in the server process (SQLite and the in-memory channel
layer do not cross processes), synchronously, one after another.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from helpdesk.celery import app

log = logging.getLogger(__name__)


def schedule() -> dict[str, float]:
    """{task name: period in seconds} from the beat schedule."""
    return {entry["task"]: float(entry["schedule"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}


class TimerThread(threading.Thread):
    """Runs every scheduled task on its period until stopped. A failing task is logged and run
    again on its next period; it never stops the others."""

    def __init__(self) -> None:
        super().__init__(name="helpdesk-timer", daemon=True)
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        app.loader.import_default_modules()
        periods = schedule()
        next_run = dict.fromkeys(periods, 0.0)
        while not self._stop_event.is_set():
            for name, period in periods.items():
                now = time.monotonic()
                if now < next_run[name]:
                    continue
                next_run[name] = now + period
                try:
                    close_old_connections()
                    app.tasks[name].apply(throw=True)
                except Exception:
                    log.exception("periodic task %s failed", name)
                finally:
                    close_old_connections()
            self._stop_event.wait(1.0)
