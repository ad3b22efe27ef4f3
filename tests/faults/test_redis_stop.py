"""Fault: the Redis server (cache, channel layer, Celery broker) stops while citizens file
complaints over HTTP against the production shape (gunicorn, uvicorn, Celery worker and beat),
then comes back empty, as after a crash.

Required: every complaint is stored exactly once (201, or a 5xx the client retries with the same
Idempotency-Key until 201: never a lost ticket, never a double); live updates reach a console
websocket again once Redis is back (the client reconnects like live.js); escalations that fell
due during the outage fire once it is back, exactly as an undisturbed sweep fires them.

    make faults    # or: pytest tests/faults/test_redis_stop.py -s
"""

from __future__ import annotations

import collections
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest

from .escalation import RUN_SWEEPS, ledger, make_due, prepare_due_tickets
from .harness import create_database, database_url_for, drop_database, run_django, sql, wait_for
from .workloads import Citizens, LiveListener, assert_complaint_api, login_session

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DUE_TICKETS = 6
PHASE = 4.0  # seconds of filing before, during and after the outage
THREADS = 4
LIVE_RESUME_S = 60  # seconds allowed for live events to flow again once Redis is back


def test_redis_stop_loses_no_ticket_and_live_updates_and_escalations_resume(stack):
    # Tickets whose ladder will fall due during the outage, and the control sweep of that state.
    due_ids = prepare_due_tickets(stack.env(), DUE_TICKETS, hours=0)
    db_name = urlsplit(stack.database_url).path.lstrip("/")
    control_url = database_url_for(db_name + "_ctl")
    create_database(control_url, template=db_name)
    try:
        make_due(control_url, due_ids)
        run_django(stack.env(DATABASE_URL=control_url, REDIS_URL=stack.redis_url.rsplit("/", 1)[0] + "/1"),
                   RUN_SWEEPS)
        expected = ledger(control_url, due_ids)
    finally:
        drop_database(control_url)
    assert expected["records"], "nothing would fall due: the control sweep fired no step"

    base = stack.start_web(workers=2)
    assert_complaint_api(base)
    ws_base = stack.start_ws()
    stack.start_worker()
    stack.start_beat()
    citizens = Citizens.from_db(stack.database_url, prefix="9")
    cookies = login_session(base, "agent")
    listener = LiveListener(ws_base.replace("http", "ws") + "/ws/console/", origin=base, cookies=cookies).start()
    wait_for(listener.connected, 20, what="the console websocket")

    results: dict[int, tuple[int | None, list[int]]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def citizen(n: int) -> None:
        with httpx.Client(timeout=httpx.Timeout(15.0, connect=3.0)) as client:
            i = 0
            while not stop.is_set():
                i += 1
                number = n * 100_000 + i
                response, seen = citizens.file_until_stored(client, base, number, time.monotonic() + 60,
                                                            retry_on=(0, 500, 502, 503, 504))
                with lock:
                    results[number] = (response.status_code if response is not None else None, seen)

    threads = [threading.Thread(target=citizen, args=(n,), daemon=True) for n in range(1, THREADS + 1)]
    for thread in threads:
        thread.start()
    time.sleep(PHASE)
    assert listener.saw(lambda e: e.get("type", "").startswith("ticket.")), "no live event before the outage"

    stack.stop_redis()
    outage_started = time.monotonic()
    make_due(stack.database_url, due_ids)  # the ladder falls due while Redis is down
    time.sleep(PHASE)
    fired_during = sum(ledger(stack.database_url, due_ids)["records"].values())
    stack.start_redis()
    back = time.monotonic()
    time.sleep(PHASE)
    stop.set()
    for thread in threads:
        thread.join(90)

    # Live updates resume: complaints filed now reach the (reconnected) console socket. How long
    # after Redis returned the first one arrives is printed; more than LIVE_RESUME_S fails.
    resumed_after = None
    with httpx.Client(timeout=15) as client:
        for k in range(LIVE_RESUME_S):
            fresh = citizens.file(client, base, 999_000 + k)
            assert fresh.status_code == 201, fresh.text
            fresh_number = fresh.json()["number"]
            try:
                wait_for(lambda n=fresh_number: listener.saw(lambda e: n in str(e), since=back), 1.0,
                         interval=0.1, what="a live event")
                resumed_after = time.monotonic() - back
                break
            except TimeoutError:
                continue
    resumed = resumed_after is not None
    listener.stop()

    # Escalations due during the outage fire once it is back, exactly once.
    try:
        wait_for(lambda: ledger(stack.database_url, due_ids)["records"] == expected["records"], 60, interval=1,
                 what="the escalations due during the outage")
    except TimeoutError:
        pass
    time.sleep(2)
    actual = ledger(stack.database_url, due_ids)

    statuses = collections.Counter(s for _, seen in results.values() for s in seen)
    final = collections.Counter(code for code, _ in results.values())
    retried = sum(1 for _, seen in results.values() if len(seen) > 1)
    print(f"\ncomplaints: {len(results)}, final statuses {dict(final)}, every attempt {dict(statuses)}, "
          f"retried with the same key: {retried}; websocket connects {len(listener.connects)}, closes "
          f"{[c[1] for c in listener.closes][:3]}; live events again {resumed_after and round(resumed_after, 1)} s "
          f"after Redis returned; escalation records "
          f"committed during the outage: {fired_during}, after: {sum(actual['records'].values())} "
          f"(expected {sum(expected['records'].values())}); outage {back - outage_started:.1f}s")

    # Nothing lost, nothing doubled.
    assert set(final) == {201}, f"complaints not stored in the end: {dict(final)}"
    mobiles = [citizens.mobile(i) for i in results]
    rows = dict(sql(stack.database_url, "SELECT requester_mobile, count(*) FROM tickets_ticket "
                    "WHERE requester_mobile = ANY(%s) GROUP BY requester_mobile", (mobiles,)))
    assert len(rows) == len(mobiles) and set(rows.values()) == {1}, "a ticket lost or stored twice"
    assert resumed, "live updates did not resume after Redis came back"
    assert actual["records"] == expected["records"], "escalations due during the outage: skipped or doubled"
    assert actual["outbox"] == expected["outbox"], "their notifications: lost or doubled"


def test_a_complaint_during_a_redis_outage_gets_a_clear_503_and_its_retry_is_stored(stack):
    base = stack.start_web(workers=1)
    assert_complaint_api(base)
    citizens = Citizens.from_db(stack.database_url, prefix="6")
    stack.stop_redis()
    with httpx.Client(timeout=15) as client:
        during = citizens.file(client, base, 1)
        assert during.status_code in (201, 503), f"{during.status_code}: {during.text[:200]}"
        if during.status_code == 503:
            assert during.headers.get("Retry-After"), "a 503 without Retry-After"
        stack.start_redis()
        retry = citizens.file(client, base, 1)  # same Idempotency-Key, same body
    assert retry.status_code == 201, retry.text
    assert sql(stack.database_url, "SELECT count(*) FROM tickets_ticket WHERE requester_mobile = %s",
               (citizens.mobile(1),)) == [(1,)]
