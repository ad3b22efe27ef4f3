"""The Celery app of the worker-kill fault (test_worker_kill.py): the project's app, whose ladder
steps, once their records are written (inside the sweep's transaction, not committed), write the
file named by STEP_HOLD_FILE and wait to be killed. Started as `celery -A tests.faults.holding_worker`."""

from __future__ import annotations

import os
import time

from celery.signals import worker_process_init

from helpdesk.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _hold_inside_steps(**_kwargs) -> None:
    # In the pool's process, after Django is set up (models importable only now).
    from escalation import firing

    insert = firing.insert_new_records

    def insert_then_hold(records):
        inserted = insert(records)
        with open(os.environ["STEP_HOLD_FILE"], "w") as fh:
            fh.write("holding")
        time.sleep(60)
        return inserted

    firing.insert_new_records = insert_then_hold
