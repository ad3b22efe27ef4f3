#!/usr/bin/env python
"""Dashboard endpoints against a year of tickets, in the production shape.

    .venv/bin/python bench/dashboards.py [--tickets 1000000] [--requests 30] [--port 0]

Creates (once) the database cg_bench_reports on 127.0.0.1:5432, migrates it and fills it with
`--tickets` tickets spread over the past 365 days in arrival order, as a live table would
hold them (generated inside PostgreSQL with generate_series: ~1 % still open, the rest
resolved or closed), their first-response and
resolution clocks (escalation_clock, two per ticket) and the audit-trail events of the last 35
days' resolutions. Then starts gunicorn (2 sync workers, HELPDESK_SERVER=wsgi, Redis db 5) on a
free port, logs in as a supervisor and a district official, and prints p50/p99 per endpoint over
sequential requests: first with REPORTS_CACHE_SECONDS=0 (every request computes its figures),
then the pages and the 30-day periods again with the default cache of 60 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # noqa: E402

DB_NAME = "cg_bench_reports"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/5"
TARGET_MS = 300

FILL_TICKETS = """
WITH d AS (SELECT array_agg(id ORDER BY id) a FROM accounts_district),
     c AS (SELECT array_agg(id ORDER BY id) a FROM tickets_category)
INSERT INTO tickets_ticket (number, requester_kind, channel, district_id, category_id, priority, status, subject,
    description, requester_name, requester_mobile, requester_language, registration_reference, secret_hash,
    chased_count, reopened_count, version, created_at, updated_at, first_response_at, resolved_at, closed_at)
SELECT 'B' || lpad(to_hex(g), 10, '0'), 'citizen', (ARRAY['phone','web','api','sms'])[1 + floor(x.r8 * 4)::int],
       d.a[1 + floor(x.r6 * array_length(d.a, 1))::int], c.a[1 + floor(x.r7 * array_length(c.a, 1))::int],
       CASE WHEN x.r4 < 0.05 THEN 'P1' WHEN x.r4 < 0.25 THEN 'P2' WHEN x.r4 < 0.85 THEN 'P3' ELSE 'P4' END,
       y.status, '', 'bench', '', '', 'en', '', '', 0, CASE WHEN x.r9 < 0.03 THEN 1 ELSE 0 END, 1,
       y.created, y.created,
       CASE WHEN y.status <> 'new' THEN LEAST(now(), y.created + (5 + x.r5 * 115) * interval '1 minute') END,
       CASE WHEN y.status IN ('resolved', 'closed') THEN LEAST(now(), y.created + (60 + x.r3 * 4000) * interval '1 minute') END,
       CASE WHEN y.status = 'closed' THEN LEAST(now(), y.created + (1500 + x.r3 * 4000) * interval '1 minute') END
FROM generate_series(%(start)s, %(stop)s) g
CROSS JOIN d CROSS JOIN c
CROSS JOIN LATERAL (SELECT ((%(total)s - g) + random()) / %(total)s AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                           random() AS r6, random() AS r7, random() AS r8, random() AS r9) x
CROSS JOIN LATERAL (
    SELECT now() - x.r1 * interval '365 days' AS created,
           CASE WHEN (x.r1 * 365 < 1 AND x.r2 < 0.7) OR (x.r1 * 365 >= 1 AND x.r2 < 0.01)
                THEN (ARRAY['new','acknowledged','in_progress','awaiting_citizen','awaiting_vendor','reopened'])[1 + floor(x.r3 * 6)::int]
                WHEN x.r1 * 365 > 3 THEN 'closed' ELSE 'resolved' END AS status
) y
"""

FILL_CLOCKS = """
INSERT INTO escalation_ticketsla (ticket_id, policy_id, snapshot, next_action_at, created_at)
SELECT id, NULL, '{"calendar": {"always_open": true}}', NULL, created_at FROM tickets_ticket
ON CONFLICT DO NOTHING;
INSERT INTO escalation_clock (sla_id, ticket_id, kind, cycle, state, goal_minutes, business, started_at,
    elapsed_business, elapsed_wall, resumed_at, due_at, paused_at, pause_reason, warnings_done, breached_at,
    ladder_done, acknowledged_at, acknowledged_by_id, eta_at, eta_by_id, stopped_at, stop_reason)
SELECT t.id, t.id, k.kind, 1,
       CASE WHEN k.stop IS NULL THEN 'running' ELSE 'stopped' END, k.goal, false, t.created_at,
       COALESCE(k.stop, now()) - t.created_at, COALESCE(k.stop, now()) - t.created_at,
       CASE WHEN k.stop IS NULL THEN t.created_at END, t.created_at + k.goal * interval '1 minute', NULL, '', 0,
       CASE WHEN COALESCE(k.stop, now()) > t.created_at + k.goal * interval '1 minute'
            THEN t.created_at + k.goal * interval '1 minute' END,
       0, NULL, NULL, NULL, NULL, k.stop, CASE WHEN k.stop IS NULL THEN '' ELSE 'met' END
FROM tickets_ticket t
CROSS JOIN LATERAL (VALUES ('first_response', 30, t.first_response_at), ('resolution', 1440, t.resolved_at)) k(kind, goal, stop)
WHERE NOT EXISTS (SELECT 1 FROM escalation_clock e WHERE e.ticket_id = t.id);
"""

FILL_EVENTS = """
INSERT INTO tickets_ticketevent (ticket_id, actor_id, actor_label, kind, from_value, to_value, payload, is_public, created_at)
SELECT id, NULL, 'system', 'status_changed', 'in_progress', 'resolved', '{}', true, resolved_at
FROM tickets_ticket WHERE resolved_at > now() - interval '35 days'
  AND NOT EXISTS (SELECT 1 FROM tickets_ticketevent e WHERE e.kind = 'status_changed' AND e.created_at > now() - interval '35 days');
"""


def env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "CHANNEL_PREFIX": "hd-bench-reports",
            "REPORTS_CACHE_SECONDS": "0", "HELPDESK_SERVER": "wsgi", "LOG_LEVEL": "WARNING"}


def prepare(n_tickets: int) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env(), check=True)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]
        if have < n_tickets:
            started = time.perf_counter()
            step = 250_000
            for start in range(have + 1, n_tickets + 1, step):
                stop = min(n_tickets, start + step - 1)
                conn.execute(FILL_TICKETS, {"start": start, "stop": stop, "total": n_tickets})
                print(f"  tickets {stop:,}", flush=True)
            print(f"  filled tickets in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        conn.execute(FILL_CLOCKS)
        conn.execute(FILL_EVENTS)
        conn.execute("VACUUM ANALYZE tickets_ticket")
        conn.execute("VACUUM ANALYZE escalation_clock")
        conn.execute("VACUUM ANALYZE tickets_ticketevent")
        print(f"  clocks/events/analyze in {time.perf_counter() - started:.0f} s", flush=True)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM tickets_ticket), (SELECT count(*) FROM tickets_ticket WHERE status IN "
            "('new','acknowledged','in_progress','awaiting_citizen','awaiting_vendor','reopened')), "
            "(SELECT count(*) FROM escalation_clock), (SELECT count(*) FROM tickets_ticketevent)").fetchone()
        print(f"  database: {counts[0]:,} tickets ({counts[1]:,} open), {counts[2]:,} clocks, {counts[3]:,} events")


def sessions() -> dict[str, str]:
    """Session cookies for a supervisor, an agent and a Raipur district official."""
    code = """
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, BACKEND_SESSION_KEY
from accounts.models import District, User
out = []
for name, role in (("bench-supervisor", "supervisor"), ("bench-raipur", "district_official")):
    user, _ = User.objects.get_or_create(username=name, defaults={"role": role,
        "district": District.objects.get(code="raipur") if role == "district_official" else None})
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "accounts.backends.RoleBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()
    out.append(f"{role}={s.session_key}")
print(" ".join(out))
"""
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env(), check=True,
                            capture_output=True, text=True)
    return dict(item.split("=", 1) for item in result.stdout.split() if "=" in item)


ENDPOINTS = [
    # (who, path)
    ("supervisor", "/api/reports/open/"),
    ("supervisor", "/api/reports/intake/"),
    ("supervisor", "/api/reports/backlog/"),
    ("supervisor", "/api/reports/sla/"),
    ("supervisor", "/api/reports/response-times/"),
    ("supervisor", "/api/reports/districts/"),
    ("supervisor", "/api/reports/categories/"),
    ("supervisor", "/api/reports/vendor/"),
    ("supervisor", "/api/reports/incidents/"),
    ("supervisor", "/api/reports/shift/"),
    ("supervisor", "/api/reports/shift-opened/"),
    ("supervisor", "/api/reports/shift-closed/"),
    ("supervisor", "/api/reports/shift-pending/"),
    ("supervisor", "/api/reports/shift-breaches/"),
    ("supervisor", "/api/reports/tickets/"),
    ("district_official", "/api/reports/open/"),
    ("district_official", "/api/reports/position/"),
    ("district_official", "/api/reports/sla/"),
    ("supervisor", "/api/reports/sla/?from=MONTH_START"),
    ("supervisor", "/api/reports/response-times/?from=MONTH_START"),
    ("supervisor", "/api/reports/districts/?from=MONTH_START"),
    ("supervisor", "/reports/state/"),
    ("district_official", "/reports/district/"),
    ("supervisor", "/reports/handover/"),
]


CACHED_PHASE = [e for e in ENDPOINTS if "MONTH_START" in e[1] or not e[1].startswith("/api/")
                or e[1].endswith("/position/")]


def start_server(port: int, cache_seconds: int) -> subprocess.Popen:
    server = servers.gunicorn(port, workers=2, env={**env(), "REPORTS_CACHE_SECONDS": str(cache_seconds)})
    servers.wait_http(f"http://127.0.0.1:{port}/healthz", ok=(200, 503))
    return server


def measure(base: str, cookies: dict, endpoints, requests: int, month_start: str, label: str) -> int:
    import httpx

    failures = 0
    print(f"\n{label}\n{'who':<18} {'endpoint':<48} {'first ms':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for who, path in endpoints:
        path = path.replace("MONTH_START", month_start)
        with httpx.Client(base_url=base, cookies={"sessionid": cookies[who]}, timeout=60) as client:
            started = time.perf_counter()
            response = client.get(path)
            first = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                print(f"{who:<18} {path:<48} HTTP {response.status_code}")
                failures += 1
                continue
            for _ in range(2):  # warm up both workers
                client.get(path)
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    failures += 1
            times.sort()
            p50 = statistics.median(times)
            p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
            flag = "" if p99 < TARGET_MS else "  <-- over target"
            print(f"{who:<18} {path:<48} {first:9.1f} {p50:8.1f} {p99:8.1f} {times[-1]:8.1f}{flag}", flush=True)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    import datetime as dt
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the servers are stopped on kill
    print(f"preparing {DB_NAME} with {args.tickets:,} tickets", flush=True)
    prepare(args.tickets)
    cookies = sessions()
    port = args.port or servers.free_port()
    base = f"http://127.0.0.1:{port}"
    month_start = (dt.date.today() - dt.timedelta(days=29)).isoformat()
    failures = 0
    server = start_server(port, 0)
    try:
        failures += measure(base, cookies, ENDPOINTS, args.requests, month_start,
                            "Phase 1: REPORTS_CACHE_SECONDS=0, every request computes its figures")
    finally:
        servers.stop(server, timeout=20)
    server = start_server(port, 60)
    try:
        failures += measure(base, cookies, CACHED_PHASE, args.requests, month_start,
                            "Phase 2: REPORTS_CACHE_SECONDS=60 (the default): period figures cached, "
                            "'now' figures computed; 'first' is the request that fills the cache")
    finally:
        servers.stop(server, timeout=20)
    print(f"\n{args.requests} sequential requests per endpoint after 1 + 2 warm-ups; target p99 < {TARGET_MS} ms; "
          f"failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
