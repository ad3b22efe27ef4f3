"""Escalation sweep benchmark (one command):

    .venv/bin/python bench/escalation_sweep.py [--tickets 1000000] [--due 2000,10000]

On a bench database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cg_escalation_bench,
created if missing) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/2):
1. loads N open tickets with their SLA rows and clocks (INSERT ... SELECT in PostgreSQL, once;
   reused afterwards);
2. times one sweep with nothing due (target < 20 ms) and prints the query plan (index, not a scan);
3. for each D: makes D tickets fall due together a few seconds ahead, starts a real Celery worker,
   schedules the precise delayed sweep as the engine does, and measures the time until every one
   of them has escalated (target < 10 s) and the lag from due time to notification queued (p99 < 5 s);
   then the anchor (D bare one-row INSERT transactions on the same machine, now) and the ratio,
   and the resident memory of the worker's processes after the run.
The load average is printed before each part: on a shared machine the ratios hold, not the seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
    """N open P1 tickets, each with its SLA row (next action 1 h to 30 days ahead) and two clocks
    (first response stopped, resolution running), written by PostgreSQL itself in chunks
    (INSERT ... SELECT FROM generate_series): 1,000,000 tickets in minutes, not an hour."""
    from django.db import connection, transaction

    from accounts.models import District
    from escalation.models import Policy
    from escalation.policies import snapshot
    from tickets.models import Category, Ticket

    have = Ticket.objects.filter(number__startswith="B").count()
    if have >= n:
        print(f"bench data present: {have} open tickets")
        return
    policy = Policy.objects.get(name="P1 critical (24x7)")
    snap = json.dumps(snapshot(policy))
    districts = list(District.objects.order_by("pk").values_list("pk", flat=True))
    category = Category.objects.get(code="portal-down")
    started = time.monotonic()
    chunk = 50_000
    for offset in range(have, n, chunk):
        last = min(offset + chunk, n) - 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tickets_ticket (number, requester_kind, channel, priority, status, subject, description,"
                " requester_name, requester_mobile, requester_language, registration_reference, secret_hash,"
                " chased_count, reopened_count, version, created_at, updated_at, category_id, district_id)"
                " SELECT 'B' || lpad(g::text, 7, '0'), 'citizen', 'web', 'P1', 'in_progress', '', 'bench', '', '',"
                " 'en', '', '', 0, 0, 1, now(), now(), %s, (%s::bigint[])[1 + g %% %s]"
                " FROM generate_series(%s, %s) g",
                [category.pk, districts, len(districts), offset, last])
            bench = ("FROM tickets_ticket t WHERE t.number >= %s AND t.number <= %s AND t.number LIKE 'B%%'")
            bounds = [f"B{offset:07d}", f"B{last:07d}"]
            cursor.execute(
                "INSERT INTO escalation_ticketsla (ticket_id, policy_id, snapshot, next_action_at, created_at)"
                " SELECT t.id, %s, %s::jsonb, now() + interval '1 hour'"
                " + make_interval(secs => (substr(t.number, 2)::int * 23) %% (30 * 86400)), now() " + bench,
                [policy.pk, snap, *bounds])
            cursor.execute(
                "INSERT INTO escalation_clock (sla_id, ticket_id, kind, cycle, state, goal_minutes, business,"
                " started_at, elapsed_business, elapsed_wall, pause_reason, warnings_done, ladder_done, stop_reason,"
                " stopped_at, resumed_at, due_at)"
                " SELECT s.ticket_id, s.ticket_id, 'first_response', 1, 'stopped', 15, true, now(), interval '0', interval '0', '',"
                " 0, 0, 'met', now(), NULL, NULL FROM escalation_ticketsla s JOIN tickets_ticket t ON t.id = s.ticket_id"
                " WHERE t.number >= %s AND t.number <= %s AND t.number LIKE 'B%%'"
                " UNION ALL"
                " SELECT s.ticket_id, s.ticket_id, 'resolution', 1, 'running', 240, true,"
                " s.next_action_at - interval '240 minutes', interval '0', interval '0', '', 2, 0, '', NULL,"
                " s.next_action_at - interval '240 minutes', s.next_action_at"
                " FROM escalation_ticketsla s JOIN tickets_ticket t ON t.id = s.ticket_id"
                " WHERE t.number >= %s AND t.number <= %s AND t.number LIKE 'B%%'",
                [*bounds, *bounds])
        print(f"  loaded {last + 1} tickets ({time.monotonic() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE escalation_ticketsla")
        cursor.execute("VACUUM ANALYZE escalation_clock")


def load_avg() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def idle_sweep(tickets: int) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from escalation import engine, tasks
    from escalation.models import TicketSLA

    # Tickets escalated by an earlier run have their next ladder steps minutes ahead: park them a
    # day ahead, so that nothing falls due during the measurement.
    TicketSLA.objects.filter(next_action_at__lte=timezone.now() + dt.timedelta(minutes=30)).update(
        next_action_at=timezone.now() + dt.timedelta(days=1))
    engine.sweep()  # warm up
    open_count = TicketSLA.objects.filter(next_action_at__isnull=False).count()
    print(f"\nsweep with nothing due, {open_count} open tickets with a next action ({load_avg()}):")
    for label, run in (("engine.sweep()", engine.sweep), ("the sweep task's body (sweep + heartbeat)", tasks.sweep.run)):
        timings = []
        for _ in range(50):
            t0 = time.perf_counter()
            processed = run()
            timings.append((time.perf_counter() - t0) * 1000)
            assert processed == 0
        print(f"  {label}, 50 runs: median {statistics.median(timings):.2f} ms, p99 {pct(timings, 99):.2f} ms, "
              f"max {max(timings):.2f} ms (target < 20 ms)")
    with CaptureQueriesContext(connection) as queries:
        engine.sweep()
    print(f"  statements of one idle sweep: {len(queries.captured_queries)}: "
          + "; ".join(q["sql"] for q in queries.captured_queries))
    timings = []
    for _ in range(50):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        timings.append((time.perf_counter() - t0) * 1000)
    print(f"  anchor, a bare SELECT 1 through the same connection, 50 runs: median {statistics.median(timings):.2f} ms, "
          f"p99 {pct(timings, 99):.2f} ms ({load_avg()})")
    probe = (queries.captured_queries[0]["sql"], [])  # the idle sweep's own statement, as sent
    with transaction.atomic():
        claim = engine.claim(timezone.now(), 100).query.sql_with_params()
    for label, (sql, params) in (("the idle probe", probe), ("the claim query of a batch", claim)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"  query plan of {label}:")
            for (line,) in cursor.fetchall():
                print("   ", line)


def anchor_inserts(count: int) -> float:
    """The same machine's raw cost of `count` bare one-row INSERT transactions (one client,
    autocommit): the yardstick that makes the lag a ratio on a loaded machine."""
    import psycopg

    with psycopg.connect(DB_URL, autocommit=True) as conn:
        conn.execute("CREATE TEMPORARY TABLE bench_anchor (id bigserial PRIMARY KEY, at timestamptz, body text)")
        t0 = time.perf_counter()
        for _ in range(count):
            conn.execute("INSERT INTO bench_anchor (at, body) VALUES (now(), 'x')")
        return time.perf_counter() - t0


def worker_memory(pid: int) -> list[tuple[int, int]]:
    """(pid, resident KiB) of the Celery worker's main process and of each of its children."""
    out = subprocess.run(["ps", "-o", "pid=,rss=", "--pid", str(pid), "--ppid", str(pid)],
                         capture_output=True, text=True, check=False).stdout
    return [(int(a), int(b)) for a, b in (line.split() for line in out.splitlines() if line.strip())]


def escalate_together(due_count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from escalation import engine
    from escalation.models import Clock, EscalationNotice, EscalationRecord, TicketSLA
    from notifications.models import OutboxMessage

    OutboxMessage.objects.all().delete()
    EscalationNotice.objects.all().delete()
    EscalationRecord.objects.all().delete()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the bench's own Redis database
    chosen = list(TicketSLA.objects.filter(ticket__number__startswith="B").order_by("ticket_id")
                  .values_list("ticket_id", flat=True)[:due_count])
    due = timezone.now() + dt.timedelta(seconds=8 + due_count / 1000)  # after the updates below, before the worker is up
    Clock.objects.filter(ticket_id__in=chosen, kind="resolution").update(
        state="running", due_at=due, started_at=due - dt.timedelta(minutes=240),
        resumed_at=due - dt.timedelta(minutes=240), warnings_done=2, breached_at=None, ladder_done=0,
        acknowledged_at=None, stopped_at=None, stop_reason="", elapsed_business=dt.timedelta(0),
        elapsed_wall=dt.timedelta(0))
    TicketSLA.objects.filter(ticket_id__in=chosen).update(next_action_at=due)
    connection.close()
    if (due - timezone.now()).total_seconds() < 3:
        print("  (the machine is slow: the rows were made due with less than 3 s to spare)")

    concurrency = os.environ.get("BENCH_WORKER_CONCURRENCY", "4")
    print(f"\n{due_count} tickets due together at one instant, Celery worker (prefork, {concurrency} processes), "
          f"{load_avg()} before the run:")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-c", concurrency, "-l", "WARNING",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    memory: list[tuple[int, int]] = []
    try:
        engine.schedule_sweep_at(due, timezone.now())  # what arming a clock does (outside a transaction: now)
        deadline = time.monotonic() + 120 + due_count * 0.03
        while time.monotonic() < deadline:
            queued = OutboxMessage.objects.filter(ticket_id__in=chosen).count()
            if queued >= due_count:
                break
            time.sleep(0.25)
        done_at = timezone.now()
        time.sleep(2)  # let the delivery tasks of the last batches run, then read the memory
        memory = worker_memory(worker.pid)
        sent = OutboxMessage.objects.filter(ticket_id__in=chosen, status="sent").count()
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
    print(f"  escalation records: {records}, notifications queued: {len(rows)} (sent by the end: {sent})")
    print(f"  all escalated within {(last - due).total_seconds():.2f} s of the due time (target < 10 s)")
    if lags:
        print(f"  lag due -> notification queued: p50 {pct(lags, 50):.2f} s, p99 {pct(lags, 99):.2f} s, "
              f"max {max(lags):.2f} s (target p99 < 5 s)")
    anchor = anchor_inserts(due_count)
    print(f"  anchor, same machine now ({load_avg()}): {due_count} bare one-row INSERT transactions take "
          f"{anchor:.2f} s ({anchor / due_count * 1000:.2f} ms each)")
    if lags:
        print(f"  ratio: lag p99 = {pct(lags, 99) / anchor:.1f}x the anchor; all escalated = "
              f"{(last - due).total_seconds() / anchor:.1f}x the anchor")
    if memory:
        main_pid, main_rss = memory[0] if memory[0][0] == worker.pid else (worker.pid, 0)
        children = [rss for pid, rss in memory if pid != main_pid]
        print(f"  resident memory after the run: worker main process {main_rss / 1024:.0f} MiB, "
              f"{len(children)} pool processes " + ", ".join(f"{rss / 1024:.0f}" for rss in children) + " MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", default="2000,10000", help="comma-separated: one run per count")
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
    idle_sweep(args.tickets)
    for count in (int(c) for c in args.due.split(",") if c.strip()):
        escalate_together(count)


if __name__ == "__main__":
    main()
