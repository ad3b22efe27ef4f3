#!/usr/bin/env python
"""Bookings benchmark, against the production shape (gunicorn sync workers, PostgreSQL, Redis).

    .venv/bin/python bench/bookings.py [--seconds 15] [--clients 32] [--workers 4] [--size 1000000]

One command:
1. creates (if missing) and migrates BENCH_DATABASE_URL (default .../cg_bookings) and seeds the
   bookings volume if it is not there yet (`manage.py seed_bookings --size N`: N beneficiaries,
   1,000 centres across the 33 districts, 7 days of sessions, 0.8 N appointments; COPY);
2. writes citizen tokens directly (as an OTP confirmation would) for 2,000 seeded mobiles;
3. starts gunicorn sync workers (HELPDESK_SERVER=wsgi) on a free port;
4. citizen lookup: --clients concurrent clients GET /api/bookings/citizen/beneficiaries/ with a
   bearer token (token check + beneficiaries + appointments), for --seconds;
5. CoWIN calendarByDistrict over the 28 CoWIN districts (cached JSON bytes), for --seconds;
6. the ceiling in the same conditions: CoWIN's states list (fast path, no database);
7. contention: 1,000 simultaneous rebook requests (each its own connection, all sent at once)
   into one session with 50 free seats; then counts successes, refusals (APPOIN0040), and
   oversells from the database (booked appointments beyond capacity; must be 0).
Prints req/s, p50 and p99 and the server's CPU per request for 4-6, and
successes/refusals/oversells/elapsed for 7.

The load generator is a small asyncio HTTP/1.1 client (gunicorn's sync workers close the
connection after each response) running on the same two cores as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import free_port, gunicorn, prepare_database, stop, wait_port  # noqa: E402

PY = str(ROOT / ".venv/bin/python")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cg_bookings")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
CONTENDERS = 1000
SEATS = 50


def server_env() -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "HELPDESK_SERVER": "wsgi",
           "CHANNEL_PREFIX": "hd-bench-bookings", "LOG_LEVEL": "ERROR", "DEBUG": "0",
           "RATE_COWIN_IP": "100000000/5min"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def prepare(size: int) -> None:
    env = server_env()
    env.pop("HELPDESK_SERVER")
    prepare_database(DATABASE_URL, env)
    from bookings.models import Beneficiary
    from bookings.seed import _bulk_reference

    if not Beneficiary.objects.filter(reference_id=_bulk_reference(size - 1)).exists():
        started = time.monotonic()
        subprocess.run([PY, "manage.py", "seed_bookings", "--size", str(size)], cwd=ROOT, env=env, check=True)
        print(f"seeded {size} beneficiaries in {time.monotonic() - started:.0f}s")
    counts = {name: model.objects.count() for name, model in _models().items()}
    print("volume: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


def _models():
    from bookings.models import Appointment, Beneficiary, Centre, Session

    return {"beneficiaries": Beneficiary, "appointments": Appointment, "centres": Centre, "sessions": Session}


def make_tokens(mobiles: list[str]) -> dict[str, str]:
    """Citizen tokens as otp_confirm would write them, valid for an hour. {mobile: raw token}."""
    import secrets

    from django.utils import timezone

    from bookings.models import CitizenToken
    from bookings.otp import token_hash

    now = timezone.now()
    raw = {mobile: secrets.token_urlsafe(32) for mobile in mobiles}
    CitizenToken.objects.bulk_create([CitizenToken(token_hash=token_hash(token), mobile=mobile, created_at=now,
                                                   expires_at=now + dt.timedelta(hours=1)) for mobile, token in raw.items()])
    return raw


# --- HTTP client ------------------------------------------------------------------------------
async def request(port: int, raw: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    data = await reader.read(-1)
    writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return status, data


def get(path: str, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n".encode()


def post(path: str, body: dict, token: str) -> bytes:
    payload = json.dumps(body).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n")
    return head.encode() + payload


def server_cpu_seconds(master_pid: int) -> float:
    """user+system CPU of the gunicorn workers so far (Linux /proc), to report the server's CPU
    cost per request independently of what else runs on the machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in [master_pid, *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def measured(port: int, master_pid: int, make_request, *, clients: int, seconds: float) -> dict:
    before = server_cpu_seconds(master_pid)
    result = asyncio.run(load(port, make_request, clients=clients, seconds=seconds))
    cpu = server_cpu_seconds(master_pid) - before
    result["server_cpu_ms_per_request"] = cpu * 1000 / max(result["requests"], 1)
    return result


def report(name: str, result: dict) -> None:
    cpu = result["server_cpu_ms_per_request"]
    print(f"{name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
          f"errors {result['errors']} of {result['requests']}; server CPU {cpu:.2f} ms/request "
          f"(two idle cores given to the app alone: ~{2000 / cpu:.0f} req/s)" if cpu else "")


async def load(port: int, make_request, *, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        i = n
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _body = await request(port, make_request(i))
            except OSError:
                status = 0
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors += 1
            i += clients

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors,
            "p50_ms": latencies[len(latencies) // 2] * 1000, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000}


def contention_setup():
    """A fresh target session with 50 seats, and 1,000 booked dose-1 appointments elsewhere
    (never rescheduled, sessions from tomorrow) with a token for each one's mobile."""
    from bookings.models import Appointment, Centre, Session
    from bookings.seed import SLOTS
    from helpdesk.validation import today_ist

    today = today_ist()
    centre = Centre.objects.order_by("-center_id").first()
    target = Session.objects.create(centre=centre, date=today + dt.timedelta(days=5), vaccine="COVISHIELD",
                                    min_age_limit=18, capacity_dose1=SEATS, capacity_dose2=0, slots=SLOTS)
    candidates = list(Appointment.objects.filter(status="booked", dose=1, reschedule_count=0,
                                                 session__date__gt=today + dt.timedelta(days=1))
                      .exclude(session=target)
                      .select_related("beneficiary").order_by("?")[:CONTENDERS])
    tokens = make_tokens(sorted({a.beneficiary.mobile for a in candidates}))
    return target, candidates, tokens


def contention_check(target, candidates) -> dict:
    from bookings.models import Appointment, Session

    target.refresh_from_db()
    in_target = Appointment.objects.filter(session=target, status="booked").count()
    origins = {a.session_id for a in candidates}
    drift = 0
    for session in Session.objects.filter(pk__in=origins):
        drift += abs(session.booked_dose1 - Appointment.objects.filter(session=session, status="booked", dose=1).count())
    still_booked = Appointment.objects.filter(pk__in=[a.pk for a in candidates], status="booked").count()
    return {"target_booked_counter": target.booked_dose1, "target_appointments": in_target,
            "oversells": max(0, in_target - SEATS) + max(0, target.booked_dose1 - SEATS),
            "counter_drift_in_origin_sessions": drift, "contenders_still_booked": still_booked}


async def contention(port: int, target, candidates, tokens) -> dict:
    connections = []
    for appointment in candidates:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        connections.append((reader, writer, appointment))
    payloads = [post(f"/api/bookings/citizen/appointments/{a.appointment_id}/rebook/",
                     {"session_id": str(target.session_id), "slot": "11:00AM-01:00PM", "expected_version": a.version},
                     tokens[a.beneficiary.mobile]) for _r, _w, a in connections]
    started = time.monotonic()
    for (_reader, writer, _a), payload in zip(connections, payloads, strict=True):
        writer.write(payload)

    async def answer(reader, writer):
        data = await reader.read(-1)
        writer.close()
        return int(data[9:12]) if data[:5] == b"HTTP/" else 0, data

    results = await asyncio.gather(*(answer(r, w) for r, w, _a in connections))
    elapsed = time.monotonic() - started
    statuses = [status for status, _ in results]
    full = sum(1 for status, data in results if status == 409 and b"APPOIN0040" in data)
    return {"attempts": len(results), "successes": statuses.count(200), "refused_full": full,
            "other": len(results) - statuses.count(200) - full, "elapsed_s": elapsed,
            "other_statuses": sorted({s for s in statuses if s not in (200, 409)})}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    prepare(args.size)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass

    from bookings.seed import BULK_CENTRE_BASE  # noqa: F401 - the seeded volume is the bulk one
    lookup_mobiles = [f"7{k:09d}" for k in random.sample(range(args.size // 4), 2000)]
    lookup_tokens = list(make_tokens(lookup_mobiles).values())
    target, candidates, contention_tokens = contention_setup()

    port = free_port()
    server = gunicorn(port, workers=args.workers, env=server_env(), extra=["--backlog", "4096"])
    try:
        wait_port(port)
        today = time.strftime("%d-%m-%Y", time.gmtime(time.time() + 5.5 * 3600))
        districts = list(range(109, 137))
        print(f"gunicorn sync workers: {args.workers}; clients: {args.clients}; {args.seconds:.0f}s per run; "
              f"2 cores shared with the load generator")

        def lookup_request(i):
            return get("/api/bookings/citizen/beneficiaries/", lookup_tokens[i % len(lookup_tokens)])

        def calendar_request(i):
            return get(f"/api/v2/appointment/sessions/public/calendarByDistrict?district_id={districts[i % 28]}&date={today}")

        print(f"load average before: {os.getloadavg()[0]:.1f}")
        asyncio.run(load(port, lookup_request, clients=args.clients, seconds=2))  # warm-up
        report("citizen lookup (bearer token -> beneficiaries + appointments)",
               measured(port, server.pid, lookup_request, clients=args.clients, seconds=args.seconds))
        asyncio.run(load(port, calendar_request, clients=args.clients, seconds=2))
        report("CoWIN calendarByDistrict",
               measured(port, server.pid, calendar_request, clients=args.clients, seconds=args.seconds))
        report("ceiling in the same conditions: GET /api/v2/admin/location/states (fast path, no database)",
               measured(port, server.pid, lambda i: get("/api/v2/admin/location/states"), clients=args.clients,
                        seconds=min(args.seconds, 10)))
        cpu_before = server_cpu_seconds(server.pid)
        fight = asyncio.run(contention(port, target, candidates, contention_tokens))
        fight_cpu = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / max(fight["attempts"], 1)
        check = contention_check(target, candidates)
        print(f"contention: {fight['attempts']} simultaneous rebooks for {SEATS} seats: "
              f"successes {fight['successes']}, refusals (APPOIN0040) {fight['refused_full']}, "
              f"other {fight['other']} {fight['other_statuses']}, oversells {check['oversells']}, "
              f"elapsed {fight['elapsed_s']:.2f}s; server CPU {fight_cpu:.2f} ms/request")
        print(f"  database: target counter {check['target_booked_counter']}, target appointments "
              f"{check['target_appointments']}, contenders still booked {check['contenders_still_booked']}/"
              f"{len(candidates)}, counter drift in their old sessions {check['counter_drift_in_origin_sessions']}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        stop(server, timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
