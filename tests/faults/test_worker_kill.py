"""Fault: the Celery worker is killed (SIGKILL, the whole process group) in the middle of an
escalation sweep, then restarted. Every due ladder step must fire exactly once: the escalation
ledger, the outbox rows it queued and the SLA events must equal those of an undisturbed sweep
over an identical copy of the database.

The kill lands inside a step: the first worker runs the app of holding_worker.py (after creating
the step's records, uncommitted, it writes a file and waits), and the test kills it as soon as the
file appears. Celery beat keeps sweeping every second meanwhile.

    make faults    # or: pytest tests/faults/test_worker_kill.py -s
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

import pytest

from .escalation import RUN_SWEEPS, ledger, outbox_status, prepare_due_tickets
from .harness import create_database, database_url_for, drop_database, run_django, sql, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TICKETS = 12


def _committed_records(url: str, ids: list[int]) -> int:
    return sql(url, "SELECT count(*) FROM escalation_escalationrecord WHERE ticket_id = ANY(%s)", (ids,))[0][0]


def test_sigkill_of_the_worker_mid_sweep_fires_every_due_step_exactly_once(stack, tmp_path):
    ids = prepare_due_tickets(stack.env(), TICKETS)

    # The control: the same database, swept in-process without any fault.
    control_url = database_url_for(urlsplit(stack.database_url).path.lstrip("/") + "_ctl")
    create_database(control_url, template=urlsplit(stack.database_url).path.lstrip("/"))
    try:
        rounds = run_django(stack.env(DATABASE_URL=control_url, REDIS_URL=stack.redis_url.rsplit("/", 1)[0] + "/1"),
                            RUN_SWEEPS)
        expected = ledger(control_url, ids)
    finally:
        drop_database(control_url)
    assert expected["records"], f"the control sweep fired nothing ({rounds}): no step was due"

    # The fault: a worker that holds inside the first step, killed there.
    hold = tmp_path / "step-held"
    worker = stack.start_worker(env={"STEP_HOLD_FILE": str(hold)}, app="tests.faults.holding_worker")
    stack.start_beat()
    wait_for(hold.exists, 60, what=f"a step to start in the worker: {worker.log()}")
    worker.kill()
    assert not worker.alive()
    at_kill = _committed_records(stack.database_url, ids)
    assert at_kill < sum(expected["records"].values()), "the sweep had finished before the kill"

    # Restart (no hold) and let beat's sweeps finish the work.
    os.unlink(hold)
    stack.start_worker()

    def settled():
        now = ledger(stack.database_url, ids)
        status = outbox_status(stack.database_url, ids)
        return now["records"] == expected["records"] and status.get("pending", 0) == status.get("sending", 0) == 0

    try:
        wait_for(settled, 120, interval=1, what="the restarted worker to finish the sweep")
    except TimeoutError:
        pass
    time.sleep(3)  # any late duplicate would show up now
    actual = ledger(stack.database_url, ids)
    status = outbox_status(stack.database_url, ids)
    print(f"\nsteps due: {sum(expected['records'].values())} records, {sum(expected['outbox'].values())} outbox rows; "
          f"committed at the kill: {at_kill}; after restart: {sum(actual['records'].values())} records, "
          f"outbox {dict(status)}")
    assert actual["records"] == expected["records"], "a ladder step was skipped or fired twice"
    assert actual["outbox"] == expected["outbox"], "a notification was lost or queued twice"
    assert actual["events"] == expected["events"], "SLA events differ from an undisturbed sweep"
    assert set(status) == {"sent"}, f"notifications not all delivered: {dict(status)}; {stack.logs()}"
