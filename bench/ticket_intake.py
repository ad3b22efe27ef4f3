#!/usr/bin/env python
"""Ticket intake, side by side with django-helpdesk 2.6.1, in the production shape.

    .venv/bin/python bench/ticket_intake.py [--seconds 15] [--connections 32] [--threads 2]
        [--workers 4] [--rounds 3] [--preload N] [--skip-peer]

One run, one load generator (wrk, Debian's package), the same gunicorn sync worker count and the
same connection count for both systems, one after the other. Both stay up for the whole run and
every path is measured once per round (the peer's form first); the table shows each figure's
median over the rounds and each ratio is the median of the rounds' own ratios, so that a
neighbour's burst on this shared machine moves one round, not one system. Each phase also
prints the CPU seconds that each kind of process (the peer's web workers, ours, our Celery
worker, PostgreSQL, Redis, wrk) spent during it, per ticket created (per request for the
ceilings), from /proc:
1. the peer (bench/peer.py: django-helpdesk from PyPI in a scratch venv outside the repository,
   PostgreSQL, DEBUG=False, a public queue): the ceiling of a trivial view (`/ping/`) and its public
   form `POST /helpdesk/tickets/submit/` (CSRF pair taken once, like a browser tab re-posting);
2. this project (its own database, Redis, gunicorn for HTTP and a Celery worker, as `bin/prod`
   runs them): the ceiling of `GET /api/categories/`, the citizen path `POST /api/public/tickets/`
   and the agent path `POST /api/tickets/` (a session logged in once; CSRF header).
Every ticket has a fresh random mobile (or e-mail), so every request creates one. Tickets are
counted as rows in each database before and after each phase; wrk's latency distribution gives
p50/p99; any non-2xx/3xx answer or socket error is an error. It prints one table with the ratio
to the peer's public form, the load average before each phase, and the resident memory of each
web worker and Celery worker after the run.

--preload N starts this project's database afresh with N tickets (`seed_demo --size N`, then VACUUM
ANALYZE, as autovacuum would before long), for the "cost stays flat as data grows" runs; --preload 0
is an empty database. Without it the database is kept as the last run left it, the SLA actions
of its earlier tickets parked (their warnings and escalations would fall due during this run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peer  # noqa: E402
import servers  # noqa: E402
from servers import free_port, stop, wait_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
GUNICORN = str(ROOT / ".venv/bin/gunicorn")
CELERY = str(ROOT / ".venv/bin/celery")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cg_bench_tickets")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
AGENT, PASSWORD = "bench-agent-0", "bench-agent-pw"

LUA_COMMON = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + tid * 7919)
  init_args(args)
end
local function mobile()
  return string.format("%d%09d", math.random(6, 9), math.random(0, 999999999))
end
"""

LUA_CITIZEN = LUA_COMMON + r"""
local districts, categories = {}, {}
function init_args(args)
  for d in string.gmatch(args[1], "[^,]+") do table.insert(districts, d) end
  for c in string.gmatch(args[2], "[^,]+") do table.insert(categories, c) end
end
function request()
  local body = string.format(
    '{"name":"Bench Citizen","mobile":"%s","district":%s,"category":"%s",' ..
    '"description":"OTP not received for two hours","language":"%s"}',
    mobile(), districts[math.random(#districts)], categories[math.random(#categories)],
    (math.random(2) == 1) and "en" or "hi")
  return wrk.format("POST", "/api/public/tickets/", {["Content-Type"] = "application/json"}, body)
end
"""

LUA_AGENT = LUA_COMMON + r"""
local districts, categories, cookie, csrf = {}, {}, "", ""
function init_args(args)
  for d in string.gmatch(args[1], "[^,]+") do table.insert(districts, d) end
  for c in string.gmatch(args[2], "[^,]+") do table.insert(categories, c) end
  cookie, csrf = args[3], args[4]
end
function request()
  local body = string.format(
    '{"district":%s,"category":"%s","channel":"phone","name":"Caller","mobile":"%s",' ..
    '"description":"Caller cannot see slots at her centre"}',
    districts[math.random(#districts)], categories[math.random(#categories)], mobile())
  return wrk.format("POST", "/api/tickets/", {["Content-Type"] = "application/json",
    ["Cookie"] = cookie, ["X-CSRFToken"] = csrf, ["Referer"] = "http://127.0.0.1/"}, body)
end
"""

LUA_PEER_FORM = LUA_COMMON + r"""
local cookie, token = "", ""
function init_args(args)
  cookie, token = args[1], args[2]
end
function request()
  local body = string.format(
    "csrfmiddlewaretoken=%s&title=OTP+not+received&body=OTP+not+received+for+two+hours&" ..
    "submitter_email=citizen%d%d%%40example.org&priority=3",
    token, tid, math.random(0, 999999999))
  return wrk.format("POST", "/helpdesk/tickets/submit/", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie,
    ["Referer"] = "http://127.0.0.1/helpdesk/tickets/submit/"}, body)
end
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def server_env() -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "HELPDESK_SERVER": "wsgi",
           "CHANNEL_PREFIX": "hd-bench-tickets", "RATE_ANON_IP": "100000000/min",
           "RATE_ANON_MOBILE": "100000000/min", "LOG_LEVEL": "WARNING", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(*args: str, capture: bool = False) -> str:
    env = server_env()
    env.pop("HELPDESK_SERVER")
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=capture, text=True)
    return done.stdout if capture else ""


def prepare(preload: int | None) -> tuple[list[int], list[str]]:
    import psycopg

    name = urlparse(DATABASE_URL).path.lstrip("/")
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if preload is not None:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "-v", "0")
    # The bench's own Redis database: tasks queued by earlier runs (or runs without a worker)
    # would otherwise be drained by this run's worker, on the same two cores, during the phases.
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    if preload is None:
        # A kept database holds the tickets of earlier runs, whose SLA warnings and ladder steps
        # fall due an hour later: their escalations are not this run's intake, so they are parked.
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('escalation_ticketsla')").fetchone()[0]:
                parked = conn.execute("UPDATE escalation_ticketsla SET next_action_at = NULL "
                                      "WHERE next_action_at IS NOT NULL").rowcount
                conn.execute("UPDATE escalation_outboxmessage SET status = 'cancelled' WHERE status = 'pending'")
                print(f"earlier runs' tickets with a next SLA action parked: {parked:,}", flush=True)
    if preload:
        print(f"preloading {preload:,} tickets (seed_demo --size)", flush=True)
        manage("seed_demo", "--size", str(preload))
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load, not during the phases
    script = (
        "from accounts.models import User, District\nfrom tickets.models import Category\n"
        f"u, _ = User.objects.get_or_create(username='{AGENT}', defaults={{'role': 'agent'}})\n"
        f"u.set_password('{PASSWORD}'); u.save()\n"
        "print(list(District.objects.values_list('pk', flat=True)))\n"
        "print(list(Category.objects.filter(is_active=True).values_list('code', flat=True)))\n"
    )
    lines = manage("shell", "-c", script, capture=True).strip().splitlines()
    return json.loads(lines[-2]), json.loads(lines[-1].replace("'", '"'))


def count(database_url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def parse_wrk(out: str) -> dict:
    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    result = {"p50": ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
              "p99": ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
              "requests": int(re.search(r"(\d+) requests in", out).group(1)),
              "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["errors"] = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return result


def wrk(port: int, path: str, args: argparse.Namespace, script: str | None = None,
        script_args: list[str] = (), seconds: float | None = None) -> dict:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{int(seconds or args.seconds)}s",
           "--latency", "--timeout", "10s"]
    if script:
        lua = Path(tempfile.mkdtemp()) / "load.lua"
        lua.write_text(script)
        cmd += ["-s", str(lua)]
    cmd += [f"http://127.0.0.1:{port}{path}"]
    if script_args:
        cmd += ["--", *script_args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    try:
        return parse_wrk(done.stdout)
    except AttributeError:
        raise SystemExit(f"could not read wrk's output:\n{done.stdout}\n{done.stderr}") from None


CPU_KINDS = ("peer web", "our web", "our celery", "postgres", "redis", "wrk")


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far of every process of the kinds above, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if "gunicorn" in cmd:
            kind = "peer web" if "peer_wsgi" in cmd else "our web"
        elif "celery" in cmd:
            kind = "our celery"
        elif name.startswith("postgres") or cmd.startswith("postgres"):
            kind = "postgres"
        else:
            kind = {"redis-server": "redis", "wrk": "wrk"}.get(name)
        if kind:
            fields = stat[stat.rindex(")") + 2:].split()
            out[int(entry.name)] = (kind, (int(fields[11]) + int(fields[12])) / tick)
    return out


def phase(label: str, run, counter=None) -> dict:
    """One wrk phase; for ticket phases also the CPU each kind of process spent per ticket."""
    before_load = load()
    before = counter() if counter else 0
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds()
    spent = dict.fromkeys(CPU_KINDS, 0.0)
    for pid, (kind, seconds) in cpu_after.items():
        spent[kind] += seconds - cpu_before.get(pid, (kind, 0.0))[1]
    if counter:
        result["rows"] = counter() - before
        result["rate"] = result["rows"] / elapsed
    else:
        result["rate"] = result["rps"]
    units = result["rows"] if counter else result["requests"]
    result["cpu_ms"] = {kind: seconds * 1000 / max(units, 1) for kind, seconds in spent.items() if seconds > 0.05}
    result["label"], result["load"] = label, before_load
    per = "ticket" if counter else "request"
    print(f"  {label}: {result['rate']:.0f}/s, p99 {result['p99']:.0f} ms, errors {result['errors']} "
          f"(load before {before_load}); CPU ms per {per}: "
          + ", ".join(f"{kind} {ms:.1f}" for kind, ms in result["cpu_ms"].items()), flush=True)
    return result


def rss_of_children(pid: int) -> list[int]:
    """Resident memory (MiB) of each child process of `pid` (gunicorn or Celery workers)."""
    sizes = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", status, re.M):
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) // 1024)
    return sizes


LOGS = Path(tempfile.mkdtemp(prefix="bench-intake-"))


def start(cmd: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    """A server in its own process group; its output goes to a log file (printed on failure)."""
    return servers.start(cmd, env, cwd=cwd, log=LOGS / f"{Path(cmd[0]).name}-{len(list(LOGS.iterdir()))}.log")


@contextlib.contextmanager
def peer_server(args):
    """The peer up and warmed; yields (phases, memory) for the rounds."""
    peer.prepare()
    peer.write_wsgi()
    port = free_port()
    server = start(peer.server(port, args.workers), peer.env(), peer.PEER_DIR / "project")
    try:
        wait_port(port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            page = client.get("/helpdesk/tickets/submit/")
            page.raise_for_status()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            cookie = f"csrftoken={client.cookies['csrftoken']}"
        wrk(port, "/ping/", args, seconds=2)  # warm-up
        tickets = lambda: count(peer.PEER_DATABASE_URL, "helpdesk_ticket")  # noqa: E731
        yield [
            (CEILING_PEER, lambda: wrk(port, "/ping/", args, seconds=min(args.seconds, 10)), None),
            (PEER_FORM, lambda: wrk(port, "/helpdesk/tickets/submit/", args, LUA_PEER_FORM, [cookie, token]),
             tickets),
        ], lambda: rss_of_children(server.pid)
    finally:
        stop(server)


@contextlib.contextmanager
def our_server(args, districts, categories):
    """This project up (gunicorn + a Celery worker) and warmed; yields (phases, memory)."""
    port = free_port()
    env = server_env()
    server = start([GUNICORN, "helpdesk.wsgi:application", "--workers", str(args.workers),
                    "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--backlog", "2048",
                    "--timeout", "30", "--log-level", "warning"], env, ROOT)
    worker_env = {k: v for k, v in env.items() if k != "HELPDESK_SERVER"}
    worker = start([CELERY, "-A", "helpdesk", "worker", "--concurrency", str(args.celery),
                    "--loglevel", "INFO" if args.celery_info else "WARNING", "--without-gossip", "--without-mingle"],
                   worker_env, ROOT)
    try:
        wait_port(port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            page = client.get("/accounts/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            answer = client.post("/accounts/login/", data={
                "username": AGENT, "password": PASSWORD, "csrfmiddlewaretoken": token},
                headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"})
            if answer.status_code != 302 or "sessionid" not in client.cookies:
                raise SystemExit(f"agent login failed: {answer.status_code}")
            csrf = client.cookies["csrftoken"]
            cookie = f"sessionid={client.cookies['sessionid']}; csrftoken={csrf}"
        lists = [",".join(map(str, districts)), ",".join(categories)]
        tickets = lambda: count(DATABASE_URL, "tickets_ticket")  # noqa: E731
        wrk(port, "/api/categories/", args, seconds=2)  # warm-up
        wrk(port, "/api/public/tickets/", args, LUA_CITIZEN, lists, seconds=2)
        yield [
            (CEILING_OURS, lambda: wrk(port, "/api/categories/", args, seconds=min(args.seconds, 10)), None),
            (OURS_CITIZEN, lambda: wrk(port, "/api/public/tickets/", args, LUA_CITIZEN, lists), tickets),
            (OURS_AGENT, lambda: wrk(port, "/api/tickets/", args, LUA_AGENT, [*lists, cookie, csrf]), tickets),
        ], lambda: (rss_of_children(server.pid), rss_of_children(worker.pid))
    finally:
        stop(server)
        stop(worker)


CEILING_PEER, PEER_FORM = "peer ceiling GET /ping/", "peer public form"
CEILING_OURS = "ours ceiling GET /api/categories/"
OURS_CITIZEN, OURS_AGENT = "ours citizen POST /api/public/tickets/", "ours agent POST /api/tickets/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes (prefork)")
    parser.add_argument("--celery-info", action="store_true",
                        help="the Celery worker logs at INFO (every task and its run time) into the run's log directory")
    parser.add_argument("--preload", type=int, default=None)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of every path; the table shows each figure's median over them")
    args = parser.parse_args()
    try:
        run(args)
    except Exception:
        for log in sorted(LOGS.iterdir()):
            print(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
        raise


def run(args: argparse.Namespace) -> None:
    print(f"load average at start: {load()}; wrk -t{args.threads} -c{args.connections} "
          f"-d{args.seconds:g}s, gunicorn sync x{args.workers} for both, {args.rounds} round(s)", flush=True)
    districts, categories = prepare(args.preload)
    preloaded = count(DATABASE_URL, "tickets_ticket")
    with contextlib.ExitStack() as stack:
        peer_phases, peer_rss = ([], lambda: []) if args.skip_peer else stack.enter_context(peer_server(args))
        our_phases, our_rss = stack.enter_context(our_server(args, districts, categories))
        # Both systems are up (idle while the other is measured); each round measures every path
        # once, the peer's form first, so a round's ratios compare moments a minute apart, not
        # the two ends of the run (this machine's speed drifts with its neighbours' work).
        rounds = []
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"round {number}:", flush=True)
            rounds.append({label: phase(label, run_, counter)
                           for label, run_, counter in [*peer_phases, *our_phases]})
        memory = peer_rss(), *our_rss()
    summarise(preloaded, rounds, memory)


def summarise(preloaded: int, rounds: list[dict], memory) -> None:
    labels = list(rounds[0])
    print()
    print(f"tickets already in this project's database before the run: {preloaded:,}")
    print(f"{'path (median of the rounds)':44} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'x peer form':>12}")
    median = statistics.median
    ratios: dict[str, list[float]] = {}
    for label in labels:
        results = [r[label] for r in rounds]
        if PEER_FORM in rounds[0] and "ceiling" not in label:
            ratios[label] = [r[label]["rate"] / r[PEER_FORM]["rate"] for r in rounds]
        ratio = f"{median(ratios[label]):.2f}" if label in ratios else ""
        print(f"{label:44} {median(x['rate'] for x in results):8.0f} {median(x['p50'] for x in results):8.1f} "
              f"{median(x['p99'] for x in results):8.1f} {sum(x['errors'] for x in results):7d} {ratio:>12}")
    if len(rounds) > 1:
        for label, values in ratios.items():
            if label != PEER_FORM:
                print(f"  {label}: ratio per round " + ", ".join(f"{v:.2f}" for v in values))
    print("CPU ms per ticket or request (median of the rounds), by kind of process:")
    for label in labels:
        kinds = dict.fromkeys(kind for r in rounds for kind in r[label]["cpu_ms"])
        print(f"  {label}: " + ", ".join(
            f"{kind} {median(r[label]['cpu_ms'].get(kind, 0.0) for r in rounds):.1f}" for kind in kinds))
    peer_rss, web_rss, celery_rss = memory
    print(f"resident memory after the run (MiB): peer web workers {peer_rss}, "
          f"our web workers {web_rss}, our Celery workers {celery_rss}")
    if PEER_FORM in rounds[0]:
        met = all(median(ratios[label]) >= 5 and median(r[label]["p99"] for r in rounds) < 250
                  and not any(r[label]["errors"] for r in rounds) for label in (OURS_CITIZEN, OURS_AGENT))
        print("target (each path >= 5x the peer's public form, p99 < 250 ms, 0 errors):",
              "met" if met else "NOT met")


if __name__ == "__main__":
    main()
