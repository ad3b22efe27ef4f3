"""A real Celery worker process, killed with SIGKILL in the middle of a ladder step: after a
restart the step happens exactly once (one record, one message per recipient x channel)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from escalation import tasks
from escalation.models import EscalationRecord
from notifications.models import OutboxMessage
from tests.escalation.test_concurrency import make_due

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]


def start_worker(tmp_path, hold_file: str = ""):
    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
           "REDIS_URL": settings.REDIS_URL, "STEP_HOLD_FILE": hold_file, "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        # With a hold file, the app of tests/faults/holding_worker.py: it stops inside a step.
        [sys.executable, "-m", "celery", "-A", "tests.faults.holding_worker" if hold_file else "helpdesk", "worker", "-P", "solo", "--without-heartbeat",
         "--without-mingle", "--without-gossip", "-l", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_killed_mid_step_fires_it_exactly_once_after_restart(tmp_path, policy, people, make_ticket):
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # this test's own Redis database
    ticket = make_ticket()
    make_due(ticket, 60 + 16)  # levels 1 and 2 due
    hold = tmp_path / "holding"
    worker, log = start_worker(tmp_path, str(hold))
    try:
        tasks.sweep.delay()
        wait_for(hold.exists, 60, "the worker to be in the middle of a step")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    assert EscalationRecord.objects.filter(ticket=ticket).count() == 0  # the half-done step rolled back
    assert OutboxMessage.objects.filter(ticket=ticket).count() == 0

    worker, log = start_worker(tmp_path)
    try:
        tasks.sweep.delay()  # what beat does every SLA_SWEEP_SECONDS
        tasks.sweep.delay()  # and a duplicate (a redelivered or delayed run)
        wait_for(lambda: OutboxMessage.objects.filter(ticket=ticket, status="sent").count() == 3, 60,
                 "the notifications to be sent")
        time.sleep(1)  # let any duplicate run finish before counting
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
    records = EscalationRecord.objects.filter(ticket=ticket).order_by("level")
    assert [(r.level, r.loop) for r in records] == [(1, 1), (2, 1)]
    assert OutboxMessage.objects.filter(ticket=ticket).count() == 3
    assert ticket.events.filter(kind="escalation_fired").count() == 2
