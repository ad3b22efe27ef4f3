#!/usr/bin/env python
"""Offline sync benchmark: many centres sending a day's records at once, against the production
shape (gunicorn sync workers, PostgreSQL, Redis).

    .venv/bin/python bench/offline_sync.py [--centres 50] [--records 200] [--batch 50] [--workers 4]
                                           [--replays 0.1]

One command:
1. creates (if missing) and migrates BENCH_DATABASE_URL (default .../cg_bench_offline);
2. creates --centres new centres (one per run: fresh center ids), each with today's Covishield
   session (capacity above the load) and a centre-staff login, whose Django session and CSRF
   pair are written directly (as a login would);
3. starts gunicorn sync workers (HELPDESK_SERVER=wsgi) on a free port;
4. every centre at once sends --records walk-ins (a third with a mobile) in batches of --batch,
   as the centre app does (oldest first, one request at a time per centre); a fraction --replays
   of the batches is sent a second time, as a phone does when an answer is lost;
5. measures the time to drain (first request to the last record accepted), requests/s, records/s,
   p50/p99 per batch, and checks the database: every client id accepted exactly once (0 lost,
   0 duplicates), one walk-in beneficiary and one vaccinated appointment per record, two change
   feed rows per record, seats counted right; prints the load average before and after.
Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import free_port, gunicorn, prepare_database, stop, wait_port  # noqa: E402

PY = str(ROOT / ".venv/bin/python")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cg_bench_offline")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")


def server_env() -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "HELPDESK_SERVER": "wsgi",
           "CHANNEL_PREFIX": "hd-bench-offline", "LOG_LEVEL": "ERROR", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def prepare() -> None:
    env = server_env()
    env.pop("HELPDESK_SERVER")
    prepare_database(DATABASE_URL, env)


def make_centres(count: int, capacity: int) -> list[dict]:
    """Fresh centres with today's session and a logged-in centre-staff user each."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from accounts.models import District, Role, User
    from bookings.models import Centre, Session
    from bookings.seed import SLOTS
    from helpdesk.validation import today_ist

    base = 100_000_000 + (int(time.time()) % 9_000_000) * 100
    districts = list(District.objects.exclude(cowin_id=None).order_by("cowin_id"))
    out = []
    for n in range(count):
        district = districts[n % len(districts)]
        centre = Centre.objects.create(center_id=base + n, name=f"Bench centre {base + n}", district=district,
                                       pincode="492001")
        Session.objects.create(centre=centre, date=today_ist(), vaccine="COVISHIELD", min_age_limit=18,
                               capacity_dose1=capacity, capacity_dose2=0, slots=SLOTS)
        user = User.objects.create(username=f"bench-{base + n}", role=Role.CENTRE_STAFF, centre=centre,
                                   district=district, first_name="Bench")
        store = SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "accounts.backends.RoleBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        csrf = _get_new_csrf_string()
        out.append({"centre": centre, "device": str(uuid.uuid4()), "headers": {
            "X-CSRFToken": csrf, "Cookie": f"sessionid={store.session_key}; csrftoken={csrf}"}})
    return out


def walk_ins(centre, count: int, run: int) -> list[dict]:
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=5, minutes=30))).replace(microsecond=0)
    records = []
    for i in range(count):
        record = {"client_id": str(uuid.uuid4()), "kind": "registration", "center_id": centre.center_id,
                  "recorded_at": (now - dt.timedelta(seconds=count - i)).isoformat(),
                  "name": f"Bench Person {centre.center_id} {i}", "birth_year": 1960 + i % 40, "gender": "MF"[i % 2],
                  "id_type": "aadhaar", "id_last4": f"{i % 10000:04d}", "vaccine": "COVISHIELD", "dose": 1}
        if i % 3 == 0:
            record["mobile"] = f"6{(run * 7919 + centre.center_id * 211 + i) % 10**9:09d}"
        records.append(record)
    return records


async def centre_sync(client, site: dict, records: list[dict], batch: int, replays: float, stats: dict) -> None:
    import httpx

    headers = site["headers"]
    device = site["device"]
    queue = list(records)
    while queue:
        chunk = queue[:batch]
        body = {"device_id": device, "sent_at": dt.datetime.now(dt.UTC).isoformat(), "waiting": len(queue),
                "oldest_waiting_at": chunk[0]["recorded_at"], "records": chunk}
        started = time.monotonic()
        try:
            response = await client.post("/api/centre/sync/", json=body, headers=headers)
        except httpx.HTTPError:  # a timeout or a cut connection: the phone sends the same batch again
            stats["transport_errors"] += 1
            await asyncio.sleep(1)
            continue
        stats["latency"].append(time.monotonic() - started)
        stats["requests"] += 1
        if response.status_code != 200:
            stats["errors"] += 1
            stats["statuses"].add(response.status_code)
            await asyncio.sleep(1)
            continue
        results = {r["client_id"]: r for r in response.json()["results"]}
        done = [r for r in chunk if results.get(r["client_id"], {}).get("status") in ("accepted", "refused")]
        for record in done:
            result = results[record["client_id"]]
            stats["outcomes"][record["client_id"]] = result["status"]
            stats["replayed"] += int(result["replay"])
        if random.random() < replays:  # the answer was "lost": the phone sends the same batch again
            stats["replays_sent"] += 1
            continue
        queue = [r for r in queue if r["client_id"] not in {d["client_id"] for d in done}]
    stats["drained_at"] = max(stats.get("drained_at", 0), time.monotonic())


async def run_load(port: int, sites: list[dict], records: dict, batch: int, replays: float) -> dict:
    import httpx

    stats = {"latency": [], "requests": 0, "errors": 0, "transport_errors": 0, "statuses": set(), "outcomes": {}, "replayed": 0,
             "replays_sent": 0}
    limits = httpx.Limits(max_connections=len(sites) + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as client:
        for site in sites:  # warm-up: every worker has loaded the app; each phone's first contact (a heartbeat)
            response = await client.post("/api/centre/sync/", headers=site["headers"], json={
                "device_id": site["device"], "sent_at": dt.datetime.now(dt.UTC).isoformat(), "waiting": 0,
                "records": []})
            assert response.status_code == 200, response.text
        started = time.monotonic()
        await asyncio.gather(*(centre_sync(client, site, records[site["centre"].pk], batch, replays, stats)
                               for site in sites))
    stats["started"] = started
    return stats


def check(sites: list[dict], records: dict, outcomes: dict) -> dict:
    from django.db.models import Count

    from bookings.models import Appointment, Beneficiary, ChangeRecord, Session
    from bookings.offline.models import OfflineRecord

    centres = [s["centre"] for s in sites]
    sent = {r["client_id"] for rows in records.values() for r in rows}
    stored = OfflineRecord.objects.filter(centre__in=centres)
    accepted = set(map(str, stored.filter(status="accepted").values_list("client_id", flat=True)))
    per_key = stored.values("centre", "client_id").annotate(n=Count("id")).filter(n__gt=1).count()
    walk_ins = Beneficiary.objects.filter(name__startswith="Bench Person ", channel="onsite",
                                          appointments__session__centre__in=centres)
    names = walk_ins.values("name").annotate(n=Count("id"))
    seats = sum(Session.objects.filter(centre__in=centres).values_list("booked_dose1", flat=True))
    first_id = stored.order_by("received_at").values_list("received_at", flat=True).first()
    feed = ChangeRecord.objects.filter(kind__in=["beneficiary.registered", "appointment.vaccinated"],
                                       created_at__gte=first_id).filter(reference_id__in=walk_ins.values("reference_id"))
    return {"sent": len(sent), "stored": stored.count(), "accepted": len(accepted), "lost": len(sent - accepted),
            "duplicate_keys": per_key, "beneficiaries": walk_ins.count(),
            "duplicate_people": names.filter(n__gt=1).count(),
            "vaccinated": Appointment.objects.filter(session__centre__in=centres, status="vaccinated").count(),
            "seats": seats, "feed_rows": feed.count(), "client_answers": len(outcomes)}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--centres", type=int, default=50)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--replays", type=float, default=0.1, help="fraction of batches sent twice")
    args = parser.parse_args()
    prepare()
    run = int(time.time())
    sites = make_centres(args.centres, capacity=args.records + 10)
    records = {s["centre"].pk: walk_ins(s["centre"], args.records, run) for s in sites}
    port = free_port()
    server = gunicorn(port, workers=args.workers, env=server_env(), extra=["--backlog", "4096", "--timeout", "120"])
    try:
        wait_port(port)
        print(f"{args.centres} centres x {args.records} records, batches of {args.batch}, {args.replays:.0%} of batches "
              f"sent twice; gunicorn sync workers: {args.workers}; 2 cores shared with the load generator")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        stats = asyncio.run(run_load(port, sites, records, args.batch, args.replays))
        drain = stats["drained_at"] - stats["started"]
        total = args.centres * args.records
        print(f"drained {total} records in {drain:.1f}s: {total / drain:.0f} records/s, {stats['requests']} requests "
              f"({stats['requests'] / drain:.1f}/s), batch p50 {percentile(stats['latency'], .5) * 1000:.0f} ms, "
              f"p99 {percentile(stats['latency'], .99) * 1000:.0f} ms; HTTP errors {stats['errors']} {sorted(stats['statuses'])}, "
              f"timeouts/cut connections (batch re-sent) {stats['transport_errors']}; "
              f"batches sent twice {stats['replays_sent']}, records answered as replays {stats['replayed']}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        stop(server)
    result = check(sites, records, stats["outcomes"])
    print("database: " + ", ".join(f"{k} {v}" for k, v in result.items()))
    total = args.centres * args.records
    ok = (result["lost"] == 0 and result["duplicate_keys"] == 0 and result["duplicate_people"] == 0
          and result["stored"] == result["accepted"] == result["beneficiaries"] == result["vaccinated"] == total
          and result["seats"] == total and result["feed_rows"] == 2 * total)
    print("checks: " + ("0 lost, 0 duplicates: OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
