#!/usr/bin/env python
"""Ticket lists and search at a million tickets, in the production shape.

    .venv/bin/python bench/ticket_search.py [--tickets 1000000] [--seconds 10] [--clients 32] [--workers 4]

1. Creates (once) the database cg_bench_search on 127.0.0.1:5432, migrates it, seeds the demo
   data and bulk-loads `--tickets` tickets with the tickets part of `manage.py seed_demo --size N`
   (COPY; varied Hindi/English names and descriptions), then, in SQL: SLA clocks for the open tickets (first response and resolution,
   due times spread around now, so "SLA at risk" and "breached" have rows), comments on one
   ticket in ten, a few assignments; VACUUM ANALYZE.
2. Prints the EXPLAIN ANALYZE plan of every measured list query (the page's rows and its capped
   count) as the selector builds it.
3. Starts gunicorn (`--workers` sync workers, HELPDESK_SERVER=wsgi, Redis db 5) on a free port and
   runs wrk (`--clients` connections, 2 threads, `--seconds` each) against every view and search,
   with a supervisor's, an agent's or a Raipur district official's session; prints requests/s,
   p50 and p99 per URL against the 200 ms p99 goal, the workers' CPU time per request (what the
   figures would be on an idle machine: 2 cores / CPU per request = the ceiling), and the load
   average before and after (the machine is shared).
   `--only-http` skips the preparation and the plans (the database must be there).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # noqa: E402

DB_NAME = "cg_bench_search"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/5"
GOAL_MS = 200

EXTRAS = """
INSERT INTO escalation_ticketsla (ticket_id, policy_id, snapshot, next_action_at, created_at)
SELECT id, NULL, '{"calendar": {"always_open": true}}', NULL, created_at FROM tickets_ticket
WHERE status IN ('new','acknowledged','in_progress','awaiting_citizen','awaiting_vendor','reopened')
ON CONFLICT DO NOTHING;
INSERT INTO escalation_clock (sla_id, ticket_id, kind, cycle, state, goal_minutes, business, started_at,
    elapsed_business, elapsed_wall, resumed_at, due_at, paused_at, pause_reason, warnings_done, breached_at,
    ladder_done, acknowledged_at, acknowledged_by_id, eta_at, eta_by_id, stopped_at, stop_reason)
SELECT t.id, t.id, k.kind, 1, 'running', k.goal, false, t.created_at, interval '0', interval '0', t.created_at,
       now() + (random() * 8 - 2) * interval '1 hour', NULL, '', 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, ''
FROM tickets_ticket t
CROSS JOIN (VALUES ('first_response', 30), ('resolution', 1440)) k(kind, goal)
WHERE t.status IN ('new','acknowledged','in_progress','awaiting_citizen','awaiting_vendor','reopened')
  AND NOT EXISTS (SELECT 1 FROM escalation_clock e WHERE e.ticket_id = t.id);
INSERT INTO tickets_comment (ticket_id, author_id, author_kind, is_public, channel, body, created_at)
SELECT id, NULL, 'staff', false, 'phone',
       (ARRAY['Caller says the OTP came after 20 minutes', 'Told the vendor, waiting for the fix',
              'कॉलर ने बताया कि केंद्र बंद था', 'दोबारा कॉल किया, पंजीकरण हो गया', 'Asked for the registration reference',
              'वेंडर को सूचित किया गया'])[1 + (id % 6)],
       created_at + interval '10 minutes'
FROM tickets_ticket t WHERE id % 10 = 0 AND NOT EXISTS (SELECT 1 FROM tickets_comment c WHERE c.ticket_id = t.id);
"""


def env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "CHANNEL_PREFIX": "hd-bench-search",
            "HELPDESK_SERVER": "wsgi", "LOG_LEVEL": "WARNING", "DEBUG": "0"}


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env(), check=True,
                            capture_output=capture, text=True)
    return result.stdout if capture else ""


def prepare(n_tickets: int) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    manage("migrate", "-v", "0")
    started = time.perf_counter()
    manage("seed_demo")
    # The tickets part of `seed_demo --size N` (COPY); the other apps' bulk data (a million
    # beneficiaries and appointments) plays no part in ticket lists.
    manage("shell", "-c", f"import sys; from tickets.seed import seed_bulk; seed_bulk(size={n_tickets}, stdout=sys.stdout)")
    print(f"  tickets.seed.seed_bulk (seed_demo --size {n_tickets}): {time.perf_counter() - started:.0f} s", flush=True)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(EXTRAS)
        conn.execute("UPDATE tickets_ticket SET assignee_id = (SELECT id FROM accounts_user WHERE username = 'agent') "
                     "WHERE id % 97 = 0 AND assignee_id IS NULL")
        for table in ("tickets_ticket", "tickets_comment", "escalation_clock"):
            conn.execute(f"VACUUM ANALYZE {table}")
        print(f"  clocks/comments/assignments/analyze: {time.perf_counter() - started:.0f} s", flush=True)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM tickets_ticket), (SELECT count(*) FROM tickets_ticket WHERE status IN "
            "('new','acknowledged','in_progress','awaiting_citizen','awaiting_vendor','reopened')), "
            "(SELECT count(*) FROM escalation_clock), (SELECT count(*) FROM tickets_comment)").fetchone()
        print(f"  database: {counts[0]:,} tickets ({counts[1]:,} open), {counts[2]:,} clocks, {counts[3]:,} comments")


SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
from tickets.models import Ticket
out = {}
for who, name in (("supervisor", "supervisor"), ("agent", "agent"), ("district", "raipur")):
    user = User.objects.get(username=name)
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the one that loads users (axes, first, only throttles)
    s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()
    out[who] = s.session_key
t = Ticket.objects.filter(description__startswith="[seed]").exclude(requester_mobile="").order_by("pk")[5000]
out.update(number=t.number, mobile=t.requester_mobile, district_id=t.district_id)
print("JSON" + json.dumps(out))
"""

EXPLAIN = """
import json, sys
from django.http import QueryDict
from accounts.models import User
from tickets.listing import parse_for, ticket_list_query
from tickets.listing.selector import COUNT_CAP
for who, query_string in json.loads(sys.argv[-1]):
    user = User.objects.get(username={"supervisor": "supervisor", "agent": "agent", "district": "raipur"}[who])
    query, views = parse_for(user, QueryDict(query_string))
    qs = ticket_list_query(user=user, query=query, views=views)
    start = (query.page - 1) * query.page_size
    print(f"\\n=== {who} ?{query_string}: rows")
    print(qs[start:start + query.page_size].explain(analyze=True))
    plan = qs[:COUNT_CAP + 1].explain(analyze=True).splitlines()
    print(f"--- count (capped at {COUNT_CAP + 1}): {plan[0].strip()} / {plan[-1].strip()}")
"""


def urls(ids: dict) -> list[tuple[str, str]]:
    return [
        ("agent", "/tickets/"),
        ("agent", "/tickets/?view=mine"),
        ("agent", "/tickets/?view=unassigned"),
        ("supervisor", "/tickets/?view=sla_at_risk"),
        ("supervisor", "/tickets/?view=breached"),
        ("supervisor", "/tickets/?view=awaiting_vendor"),
        ("supervisor", "/tickets/?view=reopened"),
        ("supervisor", f"/tickets/?view=by_district&district={ids['district_id']}"),
        ("supervisor", "/tickets/?view=all"),
        ("supervisor", "/tickets/?view=all&page=20"),
        ("supervisor", "/tickets/?view=all&priority=P1&sort=-updated"),
        ("district", "/tickets/"),
        ("district", "/tickets/?view=all&q=" + quote("ओटीपी")),
        ("agent", f"/api/tickets/?view=all&q={ids['mobile']}"),
        ("agent", f"/api/tickets/?view=all&q={ids['number']}"),
        ("agent", f"/api/tickets/?view=all&q={ids['mobile'][-6:]}"),
        ("agent", "/api/tickets/?view=all&q=" + quote("Rajesh Markam")),
        ("agent", "/api/tickets/?view=all&q=captcha"),
        ("agent", "/api/tickets/?view=all&q=" + quote("पंजीकरण विफल")),
        ("agent", "/api/tickets/?q=vendor"),
        ("agent", "/tickets/?view=all&q=" + quote("केंद्र बंद")),
    ]


def worker_cpu_seconds(master: int) -> float:
    """User + system CPU seconds of the gunicorn workers (children of `master`), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_wrk(base: str, cookie: str, path: str, seconds: int, clients: int) -> tuple[float, float, float, int]:
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-H", f"Cookie: sessionid={cookie}", base + path], capture_output=True, text=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (float(rate.group(1)) if rate else 0.0, ms("50%"), ms("99%"), int(errors.group(1)) if errors else 0)


def main() -> int:
    import json
    import signal

    import httpx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--only-http", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed (apt-get install wrk)")
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the server is stopped on kill
    print(f"preparing {DB_NAME} with {args.tickets:,} tickets", flush=True)
    if not args.only_http:
        prepare(args.tickets)
    ids = json.loads(manage("shell", "-c", SETUP, capture=True).split("JSON", 1)[1])
    targets = urls(ids)
    if not (args.no_explain or args.only_http):
        plans = [(who, path.split("?", 1)[1] if "?" in path else "") for who, path in targets]
        code = EXPLAIN.replace("sys.argv[-1]", repr(json.dumps(plans)))
        print(manage("shell", "-c", code, capture=True))
    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    server = servers.gunicorn(port, workers=args.workers, env=env(), extra=["--worker-class", "sync"])
    failures = 0
    try:
        servers.wait_http(f"{base}/healthz", ok=(200, 503))
        print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
              f" ({os.cpu_count()} cores); wrk -t2 -c{args.clients} -d{args.seconds}s, gunicorn {args.workers} sync workers")
        print(f"{'who':<11} {'url':<62} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10}")
        for who, path in targets:
            check = httpx.get(base + path, cookies={"sessionid": ids[who]}, timeout=30)
            if check.status_code != 200:
                print(f"{who:<11} {path:<62} HTTP {check.status_code}")
                failures += 1
                continue
            cpu_before = worker_cpu_seconds(server.pid)
            rate, p50, p99, errors = run_wrk(base, ids[who], path, args.seconds, args.clients)
            cpu = (worker_cpu_seconds(server.pid) - cpu_before) * 1000 / max(1.0, rate * args.seconds)
            flag = "" if p99 < GOAL_MS else "  <-- over the 200 ms goal"
            if errors:
                flag += f"  ({errors} non-2xx)"
                failures += 1
            print(f"{who:<11} {path[:62]:<62} {rate:7.1f} {p50:8.1f} {p99:8.1f} {cpu:10.1f}{flag}", flush=True)
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        servers.stop(server)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
