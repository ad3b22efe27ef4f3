"""Escalation sweep benchmark (one command):

    .venv/bin/python bench/escalation_sweep.py [--tickets 100000] [--due 2000]

On a bench database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cg_escalation_bench,
created if missing) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/2):
1. loads N open tickets with their SLA rows and clocks (bulk insert, once; reused afterwards);
2. times one sweep with nothing due (target < 20 ms) and prints the query plan (index, not a scan);
3. makes D tickets fall due together a few seconds ahead, starts a real Celery worker, schedules
   the precise delayed sweep as the engine does, and measures the time until every one of them
   has escalated (target < 10 s) and the lag from due time to notification queued (p99 < 5 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cg_escalation_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
os.environ.update(DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="helpdesk.settings",
                  LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"), CHANNEL_PREFIX="hd-escalation-bench")


def ensure_database() -> None:
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def load(n: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import District
    from escalation.models import Clock, Policy, TicketSLA
    from escalation.policies import snapshot
    from tickets.models import Category, Ticket

    have = Ticket.objects.filter(number__startswith="B").count()
    if have >= n:
        print(f"bench data present: {have} open tickets")
        return
    policy = Policy.objects.get(name="P1 critical (24x7)")
    snap = snapshot(policy)
    districts = list(District.objects.values_list("pk", flat=True))
    category = Category.objects.get(code="portal-down")
    now = timezone.now()
    started = time.monotonic()
    chunk = 5000
    for offset in range(have, n, chunk):
        size = min(chunk, n - offset)
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create([
                Ticket(number=f"B{offset + i:07d}", requester_kind="citizen", channel="web",
                       district_id=districts[(offset + i) % len(districts)], category=category, priority="P1",
                       status="in_progress", description="bench") for i in range(size)])
            slas = TicketSLA.objects.bulk_create([
                TicketSLA(ticket=t, policy=policy, snapshot=snap,
                          next_action_at=now + dt.timedelta(hours=1, seconds=(offset + i) * 23 % (30 * 86400)))
                for i, t in enumerate(tickets)])
            clocks = []
            for sla in slas:
                due = sla.next_action_at
                clocks.append(Clock(sla=sla, ticket_id=sla.ticket_id, kind="first_response", goal_minutes=15,
                                    started_at=now, state="stopped", stopped_at=now, stop_reason="met"))
                clocks.append(Clock(sla=sla, ticket_id=sla.ticket_id, kind="resolution", goal_minutes=240,
                                    started_at=due - dt.timedelta(minutes=240), resumed_at=due - dt.timedelta(minutes=240),
                                    due_at=due, warnings_done=2))
            Clock.objects.bulk_create(clocks)
        print(f"  loaded {offset + size} tickets ({time.monotonic() - started:.0f} s)", flush=True)


def idle_sweep() -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from escalation import engine

    engine.sweep()  # warm up (and clear anything left due)
    timings = []
    for _ in range(50):
        t0 = time.perf_counter()
        processed = engine.sweep()
        timings.append((time.perf_counter() - t0) * 1000)
        assert processed == 0
    print(f"\nsweep with nothing due (100k open tickets), 50 runs: median {statistics.median(timings):.2f} ms, "
          f"p99 {pct(timings, 99):.2f} ms, max {max(timings):.2f} ms (target < 20 ms)")
    with CaptureQueriesContext(connection) as queries:
        engine.sweep()
    sql = next(q["sql"] for q in queries.captured_queries if "FOR NO KEY UPDATE" in q["sql"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        print("query plan of the sweep's claim query:")
        for (line,) in cursor.fetchall():
            print("   ", line)


def escalate_together(due_count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from escalation import engine
    from escalation.models import (
        Clock,
        EscalationNotice,
        EscalationRecord,
        OutboxMessage,
        TicketSLA,
    )

    OutboxMessage.objects.all().delete()
    EscalationNotice.objects.all().delete()
    EscalationRecord.objects.all().delete()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the bench's own Redis database
    chosen = list(TicketSLA.objects.filter(ticket__number__startswith="B").order_by("ticket_id")
                  .values_list("ticket_id", flat=True)[:due_count])
    due = timezone.now() + dt.timedelta(seconds=8)
    Clock.objects.filter(ticket_id__in=chosen, kind="resolution").update(
        state="running", due_at=due, started_at=due - dt.timedelta(minutes=240),
        resumed_at=due - dt.timedelta(minutes=240), warnings_done=2, breached_at=None, ladder_done=0,
        acknowledged_at=None, stopped_at=None, stop_reason="", elapsed_business=dt.timedelta(0),
        elapsed_wall=dt.timedelta(0))
    TicketSLA.objects.filter(ticket_id__in=chosen).update(next_action_at=due)
    connection.close()

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-c", os.environ.get("BENCH_WORKER_CONCURRENCY", "4"), "-l", "WARNING",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        engine.schedule_sweep_at(due, timezone.now())  # what arming a clock does (outside a transaction: now)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            queued = OutboxMessage.objects.filter(ticket_id__in=chosen).count()
            if queued >= due_count:
                break
            time.sleep(0.25)
        done_at = timezone.now()
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
    records = EscalationRecord.objects.filter(ticket_id__in=chosen).count()
    rows = list(OutboxMessage.objects.filter(ticket_id__in=chosen).values_list("created_at", "notice__record__due_at"))
    lags = [(created - due_at).total_seconds() for created, due_at in rows]
    last = max(created for created, _d in rows) if rows else done_at
    print(f"\n{due_count} tickets due together at one instant, Celery worker (prefork, {os.environ.get('BENCH_WORKER_CONCURRENCY', '4')} processes):")
    print(f"  escalation records: {records}, notifications queued: {len(rows)}")
    print(f"  all escalated within {(last - due).total_seconds():.2f} s of the due time (target < 10 s)")
    if lags:
        print(f"  lag due -> notification queued: p50 {pct(lags, 50):.2f} s, p99 {pct(lags, 99):.2f} s, "
              f"max {max(lags):.2f} s (target p99 < 5 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2000)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from escalation.models import Policy

    if not Policy.objects.filter(name="P1 critical (24x7)").exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    load(args.tickets)
    idle_sweep()
    escalate_together(args.due)


if __name__ == "__main__":
    main()
