"""Fault: Redis (the Celery broker) is SIGKILLed for a long outage (60 s by default) while the
Celery worker holds delayed tasks (the precise sweeps that arming a clock schedules), and comes
back empty, as after a crash.

Required: the worker and beat are still running afterwards (before the fix, Celery 5.7's worker
logged "Restoring N unacknowledged message(s)" and exited with "Unrecoverable error:
AttributeError('NoneType' object has no attribute 'hostname')"); the worker consumes again; every
ladder step that fell due during the outage fires exactly once after Redis returns, as an
undisturbed sweep of an identical copy of the database fires it.

    FAULT_REDIS_OUTAGE_SECONDS=60 pytest tests/faults/test_redis_outage_worker.py -s
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import urlsplit

import pytest

from .escalation import RUN_SWEEPS, ledger, make_due, outbox_status, prepare_due_tickets
from .harness import create_database, database_url_for, drop_database, run_django, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TICKETS = 6
OUTAGE_SECONDS = float(os.environ.get("FAULT_REDIS_OUTAGE_SECONDS", "60"))


def _unfinished(log: str) -> list[str]:
    """Names of the tasks the worker received and has not finished (running, or held for an ETA)."""
    received = {task_id: name for name, task_id in re.findall(r"Task ([\w.]+)\[([0-9a-f-]+)\] received", log)}
    finished = set(re.findall(r"Task [\w.]+\[([0-9a-f-]+)\] (?:succeeded|failed|raised)", log))
    return [name for task_id, name in received.items() if task_id not in finished]


def _holding_delayed_sweeps_and_idle(worker) -> int:
    """How many delayed sweeps the worker holds, once nothing else is unfinished and its log has
    been quiet for a second (0 until then)."""
    before = worker.log(200_000)
    time.sleep(1.0)
    after = worker.log(200_000)
    unfinished = _unfinished(after)
    idle = before == after and set(unfinished) == {"escalation.tasks.sweep"}
    return len(unfinished) if idle else 0


def test_worker_survives_a_long_redis_outage_holding_delayed_tasks_and_due_steps_fire_once(stack):
    # Tickets armed now: their clocks schedule delayed sweeps (a few minutes ahead) on this Redis.
    ids = prepare_due_tickets(stack.env(), TICKETS, hours=0)
    db_name = urlsplit(stack.database_url).path.lstrip("/")
    control_url = database_url_for(db_name + "_ctl")
    create_database(control_url, template=db_name)
    try:
        make_due(control_url, ids)
        run_django(stack.env(DATABASE_URL=control_url, REDIS_URL=stack.redis_url.rsplit("/", 1)[0] + "/1"),
                   RUN_SWEEPS)
        expected = ledger(control_url, ids)
    finally:
        drop_database(control_url)
    assert expected["records"], "nothing would fall due: the control sweep fired no step"

    worker = stack.start_worker()
    # Beat every 10 s: the worker is idle, waiting on the broker, most of the time (as in
    # production, and as when the crash happened: it needs the worker blocked in BRPOP).
    beat = stack.start_beat(env={"SLA_SWEEP_SECONDS": "10", "OUTBOX_RETRY_SECONDS": "10"})
    # The worker has taken the delayed sweeps off the queue and holds them (ETA in the future).
    held = wait_for(lambda: _holding_delayed_sweeps_and_idle(worker), 60, interval=0.1,
                    what=f"the worker to hold a delayed sweep, idle otherwise: {worker.log()}")

    stack.stop_redis()  # SIGKILL: nothing saved, the held messages exist nowhere else
    down_at = time.monotonic()
    make_due(stack.database_url, ids)  # the whole ladder falls due while Redis is down
    time.sleep(OUTAGE_SECONDS)
    fired_during = sum(ledger(stack.database_url, ids)["records"].values())
    alive_during = worker.alive(), beat.alive()
    stack.start_redis()
    back_at = time.monotonic()

    def settled():
        now = ledger(stack.database_url, ids)
        status = outbox_status(stack.database_url, ids)
        return now["records"] == expected["records"] and status.get("pending", 0) == status.get("sending", 0) == 0

    try:
        wait_for(settled, 120, interval=1, what="the escalations due during the outage")
    except TimeoutError:
        pass
    fired_after = time.monotonic() - back_at
    time.sleep(3)  # a late duplicate would show up now
    actual = ledger(stack.database_url, ids)
    status = outbox_status(stack.database_url, ids)
    log = worker.log(200_000)
    print(f"\nworker held {held} delayed sweep(s); Redis down {back_at - down_at:.0f} s; worker/beat alive during "
          f"the outage {alive_during}, after {worker.alive()}/{beat.alive()}; steps committed during the outage "
          f"{fired_during}; after Redis returned: {sum(actual['records'].values())} steps (expected "
          f"{sum(expected['records'].values())}) within {fired_after:.0f} s; outbox {dict(status)}")

    assert "Unrecoverable error" not in log, log[-3000:]
    assert worker.alive(), f"the worker exited: {log[-3000:]}"
    assert beat.alive(), f"beat exited: {beat.log()}"
    assert re.search(r"Connected to redis", log[log.rfind("Restoring") if "Restoring" in log else 0:]), \
        "the worker did not reconnect"
    assert actual["records"] == expected["records"], "a ladder step due during the outage was skipped or fired twice"
    assert actual["outbox"] == expected["outbox"], "a notification was lost or queued twice"
    assert actual["events"] == expected["events"], "SLA events differ from an undisturbed sweep"
    assert set(status) == {"sent"}, f"notifications not all delivered: {dict(status)}"
