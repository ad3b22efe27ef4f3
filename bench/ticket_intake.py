#!/usr/bin/env python
"""Ticket intake benchmark: citizens and agents creating tickets over HTTP, in the production shape.

    .venv/bin/python bench/ticket_intake.py [--seconds 20] [--clients 32] [--workers 4]

What it does, in one command:
1. creates (if missing) and migrates a dedicated PostgreSQL database (BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/cg_bench_tickets) and uses Redis db BENCH_REDIS_URL (default
   redis://127.0.0.1:6379/1) for the cache/rate-limit counters and the Celery broker;
2. starts gunicorn sync workers (HELPDESK_SERVER=wsgi) on a free port, with the anonymous rate
   limits raised through RATE_ANON_IP / RATE_ANON_MOBILE (all clients come from 127.0.0.1; the
   limits themselves are tested in tests/tickets);
3. logs the bench agents in once each (session cookie + CSRF token; never a password per request);
4. runs --clients concurrent clients for --seconds: half post citizen complaints
   (POST /api/public/tickets/), half post agents' phone tickets (POST /api/tickets/), every
   ticket with a fresh mobile so each request creates a ticket (SMS receipt queued in the outbox);
5. then, on the same server in the same run, the same clients hit a trivial endpoint
   (GET /api/categories/: Django + DRF, no database) for the ceiling;
6. prints tickets/s, p50/p99 latency, errors, and the intake rate as a share of the ceiling.

The load generator is a minimal asyncio HTTP/1.1 client (gunicorn's sync workers close the
connection after each response), so it costs little CPU on the shared two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
GUNICORN = str(ROOT / ".venv/bin/gunicorn")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cg_bench_tickets")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
AGENTS = 8
PASSWORD = "bench-agent-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "HELPDESK_SERVER": "wsgi",
           "CHANNEL_PREFIX": "hd-bench-tickets", "RATE_ANON_IP": "100000000/min", "RATE_ANON_MOBILE": "100000000/min",
           "LOG_LEVEL": "WARNING", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def prepare() -> None:
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = server_env()
    env.pop("HELPDESK_SERVER")
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    script = (
        "from accounts.models import User\n"
        f"for i in range({AGENTS}):\n"
        "    u, created = User.objects.get_or_create(username=f'bench-agent-{i}', defaults={'role': 'agent'})\n"
        f"    u.set_password('{PASSWORD}'); u.save()\n"
        "from tickets.models import Category; from accounts.models import District\n"
        "print(list(District.objects.values_list('pk', flat=True)), list(Category.objects.filter(is_active=True)"
        ".values_list('code', flat=True)))\n"
    )
    out = subprocess.run([PY, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    global DISTRICTS, CATEGORIES
    DISTRICTS, CATEGORIES = eval(out.replace("] [", "], ["), {})  # noqa: S307 - our own printed lists


DISTRICTS: list[int] = []
CATEGORIES: list[str] = []


async def http(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    data = await reader.read()
    writer.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status = int(head[9:12]) if head.startswith(b"HTTP/1.") else 0
    return status, head.decode("latin-1"), payload


async def login(port: int, i: int) -> dict[str, str]:
    status, head, page = await http(port, "GET", "/accounts/login/")
    csrf = re.search(r"csrftoken=([^;]+)", head).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = f"username=bench-agent-{i}&password={PASSWORD}&csrfmiddlewaretoken={token}".encode()
    status, head, _ = await http(port, "POST", "/accounts/login/", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    session = re.search(r"sessionid=([^;]+)", head)
    if status != 302 or not session:
        raise SystemExit(f"agent login failed: {status}")
    csrf = (re.search(r"csrftoken=([^;]+)", head) or re.search(r"(.*)", csrf)).group(1)
    return {"Cookie": f"sessionid={session.group(1)}; csrftoken={csrf}", "X-CSRFToken": csrf,
            "Referer": f"http://127.0.0.1:{port}/"}


def citizen_request(rng: random.Random) -> tuple[str, bytes, dict]:
    body = {"name": "Bench Citizen", "mobile": f"{rng.choice('6789')}{rng.randrange(10**9):09d}",
            "district": rng.choice(DISTRICTS), "category": rng.choice(CATEGORIES),
            "description": "OTP not received for two hours", "language": rng.choice(["en", "hi"])}
    return "/api/public/tickets/", json.dumps(body).encode(), {"Content-Type": "application/json"}


def agent_request(rng: random.Random, session: dict) -> tuple[str, bytes, dict]:
    body = {"district": rng.choice(DISTRICTS), "category": rng.choice(CATEGORIES), "channel": "phone",
            "description": "Caller cannot see slots at her centre", "name": "Caller",
            "mobile": f"{rng.choice('6789')}{rng.randrange(10**9):09d}"}
    return "/api/tickets/", json.dumps(body).encode(), {"Content-Type": "application/json", **session}


async def run_phase(port: int, clients: int, seconds: float, make) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        rng = random.Random(n * 7919 + int(time.time()))
        while time.perf_counter() < deadline:
            method, path, body, headers = make(n, rng)
            started = time.perf_counter()
            try:
                status, _, payload = await http(port, method, path, body, headers)
            except OSError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - started)
            if status not in (200, 201):
                key = f"HTTP {status}"
                errors[key] = errors.get(key, 0) + 1
                if errors[key] == 1:
                    print(f"  first {key}: {payload[:200]!r}", file=sys.stderr)

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    ok = len(latencies) - sum(v for k, v in errors.items() if k.startswith("HTTP"))

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(latencies), "ok": ok, "rate": ok / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "errors": errors, "seconds": elapsed}


async def bench(port: int, clients: int, seconds: float) -> None:
    sessions = [await login(port, i) for i in range(AGENTS)]

    def intake(n, rng):
        if n % 2 == 0:
            path, body, headers = citizen_request(rng)
        else:
            path, body, headers = agent_request(rng, sessions[n % AGENTS])
        return "POST", path, body, headers

    def trivial(n, rng):
        return "GET", "/api/categories/", b"", {}

    await run_phase(port, clients, 2, intake)  # warm-up: imports, connections, caches
    result = await run_phase(port, clients, seconds, intake)
    ceiling = await run_phase(port, clients, min(seconds, 10), trivial)
    share = result["rate"] / ceiling["rate"] * 100 if ceiling["rate"] else 0
    print(f"ticket intake: {clients} clients, {result['seconds']:.1f}s, half citizens / half agents")
    print(f"  tickets/s   {result['rate']:.0f}")
    print(f"  p50 / p99   {result['p50_ms']:.1f} ms / {result['p99_ms']:.1f} ms")
    print(f"  tickets     {result['ok']}   errors {sum(result['errors'].values())} {result['errors'] or ''}")
    print(f"ceiling (GET /api/categories/, same server): {ceiling['rate']:.0f} req/s, "
          f"p99 {ceiling['p99_ms']:.1f} ms, errors {sum(ceiling['errors'].values())}")
    print(f"  intake = {share:.0f}% of the ceiling")
    target = result["rate"] >= 300 and result["p99_ms"] < 250 and not result["errors"] and share >= 10
    print("target (>= 300 tickets/s, p99 < 250 ms, no errors, >= 10% of ceiling):", "met" if target else "NOT met")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--without-listeners", action="store_true",
                        help="diagnostic only: unsubscribe the other apps' tickets.hooks listeners (SLA clocks, "
                             "live broadcasts) in the server, to see what the intake path itself costs")
    args = parser.parse_args()
    prepare()
    port = free_port()
    app, extra = "helpdesk.wsgi:application", []
    if args.without_listeners:
        import tempfile

        shim = Path(tempfile.mkdtemp()) / "intake_without_listeners.py"
        shim.write_text("from helpdesk.wsgi import application\nfrom tickets import hooks\nhooks._listeners.clear()\n")
        app, extra = "intake_without_listeners:application", ["--pythonpath", str(shim.parent)]
        print("DIAGNOSTIC RUN: other apps' ticket listeners are switched off in the server")
    server = subprocess.Popen(
        [GUNICORN, app, *extra, "--workers", str(args.workers), "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "30", "--log-level", "warning"],
        cwd=ROOT, env=server_env(), start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        print(f"gunicorn sync x{args.workers} on 127.0.0.1:{port}, database {urlparse(DATABASE_URL).path[1:]}")
        asyncio.run(bench(port, args.clients, args.seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
