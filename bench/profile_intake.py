#!/usr/bin/env python
"""Where the time per ticket goes: N citizen and N agent tickets through the whole Django stack
(middleware, views, services, listeners, after-commit hooks) in this process, on PostgreSQL and
Redis as in production, under cProfile; prints CPU ms per ticket, SQL statements per ticket by
kind, and the top functions by cumulative time.

    .venv/bin/python bench/profile_intake.py [--tickets 300] [--top 30]
    # BENCH_DATABASE_URL / BENCH_REDIS_URL as bench/ticket_intake.py (run that once first: it migrates)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cg_bench_tickets"),
    REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"),
    HELPDESK_SERVER="wsgi", RATE_ANON_IP="100000000/min", RATE_ANON_MOBILE="100000000/min",
    LOG_LEVEL="WARNING", CHANNEL_PREFIX="hd-bench-tickets", ALLOWED_HOSTS="testserver,127.0.0.1",
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import District, User  # noqa: E402
from tickets.models import Category  # noqa: E402


def kind_of(sql: str) -> str:
    """'INSERT tickets_ticket', 'SELECT tickets_ticket', 'SAVEPOINT', ... for one statement."""
    words = sql.replace('"', "").split()
    verb = words[0].upper()
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    if verb in ("UPDATE", "DELETE"):
        return f"{verb} {words[1] if verb == 'UPDATE' else words[2]}"
    if verb == "SELECT" and "FROM" in (w.upper() for w in words):
        upper = [w.upper() for w in words]
        return f"SELECT {words[upper.index('FROM') + 1]}"
    return verb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    parser.add_argument("--dump", default="", help="also write each profile to DUMP.<kind>.pstats")
    parser.add_argument("--no-profile", action="store_true", help="CPU per ticket without the profiler's cost")
    args = parser.parse_args()
    districts = list(District.objects.values_list("pk", flat=True))
    categories = list(Category.objects.filter(is_active=True).values_list("code", flat=True))
    agent, _ = User.objects.get_or_create(username="bench-profile-agent", defaults={"role": "agent"})
    citizen, staff = Client(), Client(enforce_csrf_checks=False)
    staff.force_login(agent)
    rng = random.Random()

    def body(kind: str) -> bytes:
        data = {"mobile": f"{rng.choice('6789')}{rng.randrange(10**9):09d}", "district": rng.choice(districts),
                "category": rng.choice(categories), "description": "OTP not received for two hours"}
        if kind == "citizen":
            data.update(name="Bench Citizen", language=rng.choice(["en", "hi"]))
        else:
            data.update(channel="phone", name="Caller")
        return json.dumps(data).encode()

    def one(kind: str) -> None:
        client, path = (citizen, "/api/public/tickets/") if kind == "citizen" else (staff, "/api/tickets/")
        answer = client.post(path, body(kind), content_type="application/json")
        assert answer.status_code == 201, (answer.status_code, answer.content[:300])

    for kind in ("citizen", "agent"):
        for _ in range(20):  # warm-up
            one(kind)
        statements: Counter[str] = Counter()

        def count(execute, sql, params, many, context, statements=statements):
            statements[kind_of(sql)] += 1
            return execute(sql, params, many, context)

        # CPU time of this thread, not wall time: on a shared machine waits would drown the profile
        # (the broadcast sender thread's CPU is in the per-ticket total, not in the table).
        profile = cProfile.Profile(time.thread_time)
        started_cpu, started_main, started = time.process_time(), time.thread_time(), time.perf_counter()
        with connection.execute_wrapper(count):
            if not args.no_profile:
                profile.enable()
            for _ in range(args.tickets):
                one(kind)
            profile.disable()
        cpu = (time.process_time() - started_cpu) / args.tickets * 1000
        cpu_main = (time.thread_time() - started_main) / args.tickets * 1000
        wall = (time.perf_counter() - started) / args.tickets * 1000
        total = sum(statements.values()) / args.tickets
        print(f"\n== {kind}: {args.tickets} tickets, {cpu:.2f} ms CPU ({cpu_main:.2f} in the request thread) and "
              f"{wall:.2f} ms wall per ticket "
              f"({'profiler off' if args.no_profile else 'profiler on'}), {total:.1f} SQL statements per ticket")
        for sql, n in statements.most_common():
            print(f"   {n / args.tickets:5.2f}  {sql}")
        if not args.no_profile:
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
            if args.dump:
                profile.dump_stats(f"{args.dump}.{kind}.pstats")


if __name__ == "__main__":
    main()
