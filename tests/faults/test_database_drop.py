"""Fault: every connection to the database is terminated (pg_terminate_backend) while gunicorn
serves a steady load. Requests must fail cleanly (an HTTP answer, never a hang or a reset socket)
and the service must recover by itself, without a restart.

    make faults        # all fault tests; this one: pytest tests/faults/test_database_drop.py
"""

from __future__ import annotations

import collections
import time

import pytest

from .harness import run_load, terminate_backends
from .workloads import Citizens, citizen_complaint_request, has_complaint_api

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LOAD_SECONDS = 8.0
KILL_AT = 3.0
KILLS = 3  # three terminations, 0.5 s apart: connections re-opened in between die too


def test_terminated_database_connections_fail_cleanly_and_recover(stack):
    base = stack.start_web(workers=2)
    complaints = has_complaint_api(base)
    citizens = Citizens.from_db(stack.database_url, prefix="8") if complaints else None
    killed: list[int] = []

    def request(client, i):
        if complaints and i % 2:
            status, _ = citizen_complaint_request(client, base, i, citizens)
            return status, "complaint"
        return client.get(f"{base}/healthz").status_code, "healthz"

    def kill():
        for _ in range(KILLS):
            killed.append(terminate_backends(stack.database_url))
            time.sleep(0.5)

    samples = run_load(request, threads=6, seconds=LOAD_SECONDS, during=kill, at=KILL_AT)
    assert sum(killed) >= 1, "no connection of the app was open to terminate"

    outcome = collections.Counter((s.tag, s.status) for s in samples)
    print(f"\nterminated backends: {killed}; outcomes (endpoint, status): {dict(outcome)}")
    # Clean failure: every request got an HTTP answer, quickly.
    no_answer = [s for s in samples if s.status == 0]
    assert not no_answer, f"requests without an HTTP answer: {no_answer[:5]}"
    assert max(s.seconds for s in samples) < 10, "a request hung"
    # Only the app's clean refusal (503) or success while the database was cut.
    unclean = {key: n for key, n in outcome.items() if key[1] >= 500 and key[1] != 503}
    assert not unclean, f"5xx other than 503 while connections were terminated: {unclean}"
    # Recovery by itself: the last two seconds succeed entirely.
    tail = [s for s in samples if s.started > LOAD_SECONDS - 2]
    assert tail and all(200 <= s.status < 300 for s in tail), collections.Counter(s.status for s in tail)
