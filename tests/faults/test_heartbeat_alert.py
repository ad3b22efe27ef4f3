"""Fault: the Celery worker dies (SIGKILL) and stays dead. The sweep's heartbeat goes stale; the
watchdog in Celery beat (a process that does not depend on the worker) alerts every supervisor
once, through the outbox, delivering the messages itself; /readyz names the stale sweep (200,
"degraded": the web still takes complaints). When a worker is back, the heartbeat is fresh again.

The threshold is shortened (SWEEP_STALE_SECONDS=8 instead of 120) to keep the test short.

    pytest tests/faults/test_heartbeat_alert.py -s
"""

from __future__ import annotations

import time

import httpx
import pytest

from .harness import sql, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

STALE = 8

ALERTS_SQL = "SELECT status, count(*) FROM escalation_outboxmessage WHERE idempotency_key LIKE 'heartbeat:sweep:%%' GROUP BY status"


def _ready(base: str) -> dict:
    response = httpx.get(f"{base}/readyz", timeout=5)
    return {"code": response.status_code, **response.json()}


def test_a_dead_worker_alerts_supervisors_once_from_beat_and_readyz_names_the_sweep(stack):
    stack.extra_env.update(SWEEP_STALE_SECONDS=str(STALE), HEARTBEAT_CHECK_SECONDS="1")
    expected = sql(stack.database_url, """SELECT count(*) FROM accounts_user WHERE is_active
        AND role IN ('supervisor', 'admin') AND (mobile <> '' OR email <> '')""")[0][0]
    assert expected > 0, "the demo data has no supervisor to alert"
    base = stack.start_web(workers=1)
    worker = stack.start_worker()
    beat = stack.start_beat()
    wait_for(lambda: _ready(base)["checks"]["sweep"]["last_run_seconds_ago"] is not None, 60,
             what="a first sweep stamp")
    assert _ready(base)["status"] == "ok"

    worker.kill()  # and it stays dead
    killed_at = time.monotonic()
    wait_for(lambda: dict(sql(stack.database_url, ALERTS_SQL)).get("sent", 0) >= expected, 60, interval=0.5,
             what=f"the supervisors' alert to be sent: {beat.log()}")
    alerted_after = time.monotonic() - killed_at
    ready = _ready(base)
    time.sleep(4)  # four more watchdog checks: nothing new may be sent for the same outage
    alerts = dict(sql(stack.database_url, ALERTS_SQL))
    rows = sql(stack.database_url, "SELECT count(*) FROM escalation_heartbeatalert")[0][0]
    bodies = [b for (b,) in sql(stack.database_url, "SELECT body FROM escalation_outboxmessage "
                                 "WHERE idempotency_key LIKE 'heartbeat:sweep:%%'")]
    print(f"\nworker killed; alert sent to {alerts.get('sent', 0)} supervisor address(es) {alerted_after:.1f} s later "
          f"(threshold {STALE} s, checked every 1 s by beat); readyz {ready['code']} {ready['status']} down "
          f"{ready['down']}; e.g. {bodies[0][:120]!r}")

    assert alerts == {"sent": expected}, f"alert not exactly once per supervisor: {alerts}"
    assert rows == 1, "more than one alert for one outage"
    assert ready["code"] == 200 and ready["status"] == "degraded" and ready["down"] == ["sweep"], ready
    assert ready["checks"]["sweep"]["last_run_seconds_ago"] >= STALE
    assert beat.alive() and not worker.alive()

    # A worker again: the sweep runs, the heartbeat is fresh, readiness is ok.
    stack.start_worker()
    wait_for(lambda: _ready(base)["status"] == "ok", 60, what="the heartbeat to be fresh again")
    assert dict(sql(stack.database_url, ALERTS_SQL)) == {"sent": expected}
