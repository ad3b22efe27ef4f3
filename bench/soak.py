"""Soak: a bounded run of the production shape under a mixed load, with the escalation engine
running, then the checks of nothing lost and nothing duplicated.

    .venv/bin/python bench/soak.py                 # 3 minutes
    .venv/bin/python bench/soak.py --seconds 600   # longer

Starts, on a fresh PostgreSQL database (default cg_proof_soak, recreated) and a private
redis-server on a free port: gunicorn sync workers (HTTP), uvicorn (websockets), a Celery worker
and Celery beat (sweep every second), after migrate + seed_demo. The demo P1 "portal down" policy is
shortened to 1-minute targets so tickets escalate during the run (level 1 at due, then one level
a minute). Load, from one asyncio process:
- citizens file complaints (POST /api/public/tickets/, Idempotency-Key, retried with the same key
  on a 5xx or no answer) and look up their status;
- agents open tickets for callers (POST /api/tickets/), list the queue and acknowledge tickets;
- district officials (Raipur, Bastar) file and list their district's tickets;
- vendor engineers acknowledge escalations from the signed links of their SMS (outbox rows,
  console backend): GET the page, POST the button;
- websockets: agents' consoles (/ws/console/) and the public status page (/ws/status/).

Prints throughput, latency p50/p99 per kind, errors, live delivery lag, and the checks: every
2xx ticket stored exactly once; no duplicate escalation record, notice or outbox row per key; no
overdue SLA row or undelivered notification left once the run settles. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402

from tests.faults.harness import Stack, create_database, database_url_for, sql  # noqa: E402

STATUS_PATH = "/api/public/tickets/status/"
# A notification is in flight while the worker's queue drains (the ladder keeps firing after the
# load); one still due after 3 minutes is stuck (lost) for this check.
STUCK_SQL = ("SELECT count(*) FROM escalation_outboxmessage WHERE status IN ('pending', 'sending') "
             "AND (next_attempt_at IS NULL OR next_attempt_at < now() - interval '180 seconds')")
SHORTEN_DEMO_POLICY = """UPDATE escalation_policy SET first_response_minutes = 1, resolution_minutes = 1,
    vendor_ack_minutes = 1, warn_before_minutes = 1 WHERE name LIKE 'Demo:%%'"""


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.status: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.errors: list[str] = []

    def record(self, kind: str, seconds: float, status: int, expected: tuple[int, ...] = (200, 201)) -> None:
        self.latency[kind].append(seconds)
        self.status[kind][status] += 1
        if status not in expected and len(self.errors) < 30:
            self.errors.append(f"{kind}: {status}")


async def timed(stats: Stats, kind: str, call, expected=(200, 201)) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await call  # a coroutine: the request starts here
    except httpx.HTTPError as exc:
        stats.record(kind, time.perf_counter() - started, 0, expected)
        if len(stats.errors) < 30:
            stats.errors.append(f"{kind}: {type(exc).__name__}")
        return None
    stats.record(kind, time.perf_counter() - started, response.status_code, expected)
    return response


async def login(base: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = await client.post("/accounts/login/", data={
        "username": username, "password": "helpdesk-demo", "csrfmiddlewaretoken": token, "next": "/"})
    assert response.status_code == 302, f"login {username}: {response.status_code}"
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


class Soak:
    def __init__(self, args, stack: Stack, base: str, ws_base: str) -> None:
        self.args = args
        self.stack = stack
        self.base = base
        self.ws_base = ws_base
        self.stats = Stats()
        self.stop = asyncio.Event()
        self.stop_sockets = asyncio.Event()  # a few seconds after the load: the last events arrive
        self.districts = [r[0] for r in sql(stack.database_url, "SELECT id FROM accounts_district ORDER BY id")]
        self.categories = [r[0] for r in sql(stack.database_url, "SELECT code FROM tickets_category WHERE is_active")]
        self.stored: dict[str, str] = {}  # Idempotency-Key -> ticket number (2xx, created)
        self.stored_mobiles: dict[str, str] = {}  # citizen complaint mobile -> ticket number
        self.created_at: dict[str, float] = {}  # ticket number -> when the client got its 201
        self.live_seen: dict[str, float] = {}  # ticket number -> first ticket.created on a console socket
        self.live_events = collections.Counter()
        self.acked_notices: set[int] = set()
        self.seen_links: set[str] = set()
        self.counter = 0

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    # --- Clients -------------------------------------------------------------------------------
    async def citizen(self, n: int) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                i = self.next_id()
                mobile = f"{6 + n % 4}{(n * 10_000_000 + i) % 10**9:09d}"
                category = "portal-down" if i % 5 == 0 else random.choice(self.categories)
                body = {"name": f"Citizen {i}", "mobile": mobile, "district": random.choice(self.districts),
                        "category": category, "description": f"Soak complaint {i}", "language": random.choice("eh")
                        .replace("e", "en").replace("h", "hi")}
                key = f"soak-{uuid.uuid4().hex}"
                for _attempt in range(5):
                    response = await timed(self.stats, "citizen complaint", client.post(
                        "/api/public/tickets/", json=body, headers={"Idempotency-Key": key}))
                    if response is not None and response.status_code < 500:
                        break
                    await asyncio.sleep(0.5)
                if response is not None and response.status_code == 201:
                    number = response.json()["number"]
                    self.stored[key] = number
                    self.stored_mobiles[mobile] = number
                    self.created_at[number] = time.monotonic()
                    if random.random() < 0.3:
                        await timed(self.stats, "citizen status lookup", client.post(
                            STATUS_PATH, json={"number": response.json()["display_number"], "mobile": mobile}))
                await asyncio.sleep(self.args.think)

    async def agent(self, username: str) -> None:
        client = await login(self.base, username)
        try:
            while not self.stop.is_set():
                i = self.next_id()
                key = f"soak-{uuid.uuid4().hex}"
                body = {"district": random.choice(self.districts), "category": random.choice(self.categories),
                        "description": f"Caller {i} on the phone", "name": f"Caller {i}",
                        "mobile": f"9{(5_000_000 + i) % 10**9:09d}", "channel": "phone", "attach_to_open": False}
                response = await timed(self.stats, "agent opens ticket", client.post(
                    "/api/tickets/", json=body, headers={"Idempotency-Key": key}))
                if response is not None and response.status_code == 201:
                    number = response.json()["ticket"]["number"]
                    self.stored[key] = number
                    self.created_at[number] = time.monotonic()
                page = await timed(self.stats, "agent queue list", client.get(
                    "/api/tickets/", params={"status": "new", "page_size": 20}))
                if page is not None and page.status_code == 200:
                    rows = page.json().get("results", [])
                    if rows:
                        ticket = random.choice(rows)
                        await timed(self.stats, "agent acknowledges ticket", client.post(
                            f"/api/tickets/{ticket['number']}/transition/",
                            json={"to": "acknowledged", "expected_version": ticket.get("version")},
                            headers={"Idempotency-Key": f"soak-{uuid.uuid4().hex}"}), expected=(200, 409))
                await asyncio.sleep(self.args.think)
        finally:
            await client.aclose()

    async def district(self, username: str) -> None:
        client = await login(self.base, username)
        try:
            while not self.stop.is_set():
                key = f"soak-{uuid.uuid4().hex}"
                response = await timed(self.stats, "district files issue", client.post(
                    "/api/tickets/", json={"category": random.choice(self.categories),
                                           "description": "Centre reports registration failures"},
                    headers={"Idempotency-Key": key}), expected=(200, 201))
                if response is not None and response.status_code == 201:
                    number = response.json()["ticket"]["number"]
                    self.stored[key] = number
                    self.created_at[number] = time.monotonic()
                await timed(self.stats, "district list", client.get("/api/tickets/", params={"page_size": 20}))
                await asyncio.sleep(self.args.think * 4)
        finally:
            await client.aclose()

    async def vendor(self, n: int) -> None:
        """Acknowledge escalations from the signed links in the SMS to the vendor's people."""
        async with httpx.AsyncClient(timeout=30) as client:
            while not self.stop.is_set():
                rows = await asyncio.to_thread(sql, self.stack.database_url, """
                    SELECT o.body FROM escalation_outboxmessage o
                    JOIN escalation_escalationnotice n ON n.id = o.notice_id
                    WHERE o.channel = 'sms' AND n.acknowledged_at IS NULL ORDER BY o.id DESC LIMIT 20""")
                links = [m.group(0) for (body,) in rows for m in [re.search(r"https?://\S+/ack/\S+?/", body)] if m]
                links = [link for link in links if link not in self.seen_links and hash(link) % self.args.vendors == n]
                for link in links[:3]:
                    self.seen_links.add(link)
                    url = link.replace("http://127.0.0.1:8000", self.base)
                    page = await timed(self.stats, "vendor opens ack link", client.get(url))
                    if page is None or page.status_code != 200 or 'id="ack-button"' not in page.text:
                        continue
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
                    await timed(self.stats, "vendor acknowledges", client.post(
                        url, data={"csrfmiddlewaretoken": token}, headers={"Referer": url}))
                await asyncio.sleep(1.0)

    async def socket(self, path: str, cookies: dict[str, str] | None) -> None:
        uri = self.ws_base.replace("http", "ws") + path
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else None
        while not self.stop_sockets.is_set():
            try:
                async with websockets.connect(uri, origin=self.base, additional_headers=headers) as ws:
                    while not self.stop_sockets.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), 1.0)
                        except TimeoutError:
                            continue
                        event = json.loads(raw)
                        self.live_events[(path, event.get("type", "?"))] += 1
                        if path.startswith("/ws/console") and event.get("type") == "ticket.created":
                            self.live_seen.setdefault(event.get("number", ""), time.monotonic())
            except Exception as exc:  # noqa: BLE001 - reconnect like live.js
                self.live_events[(path, f"reconnect:{type(exc).__name__}")] += 1
                await asyncio.sleep(1.0)

    async def run(self) -> float:
        console_cookies = dict((await login(self.base, "agent2")).cookies)
        tasks = [asyncio.create_task(self.socket("/ws/console/", console_cookies), name=f"socket-c{n}")
                 for n in range(self.args.consoles)]
        tasks += [asyncio.create_task(self.socket("/ws/status/", None), name=f"socket-s{n}")
                  for n in range(self.args.status_sockets)]
        await asyncio.sleep(1.0)
        started = time.monotonic()
        tasks += [asyncio.create_task(self.citizen(n)) for n in range(self.args.citizens)]
        tasks += [asyncio.create_task(self.agent(name)) for name in ["agent", "agent2", "supervisor"][: self.args.agents]]
        tasks += [asyncio.create_task(self.district(name)) for name in ["raipur", "bastar"][: self.args.districts]]
        tasks += [asyncio.create_task(self.vendor(n)) for n in range(self.args.vendors)]
        last = started
        while time.monotonic() - started < self.args.seconds:
            await asyncio.sleep(1.0)
            if time.monotonic() - last >= 30:
                last = time.monotonic()
                done = sum(len(v) for v in self.stats.latency.values())
                print(f"  {last - started:5.0f}s  requests {done}  tickets {len(self.stored)}", flush=True)
        self.stop.set()
        elapsed = time.monotonic() - started
        clients = [t for t in tasks if not t.get_name().startswith("socket")]
        await asyncio.wait(clients, timeout=40)
        await asyncio.sleep(3)
        self.stop_sockets.set()
        await asyncio.wait(tasks, timeout=20)
        return elapsed


def checks(database_url: str, soak: Soak) -> list[tuple[str, object, bool]]:
    out = []
    numbers = list(soak.stored.values())
    found = dict(sql(database_url, "SELECT number, count(*) FROM tickets_ticket WHERE number = ANY(%s) GROUP BY number",
                     (numbers,)))
    lost = [n for n in numbers if found.get(n) != 1]
    out.append(("2xx tickets stored exactly once", f"{len(numbers) - len(lost)}/{len(numbers)}", not lost and numbers))
    mobiles = list(soak.stored_mobiles)
    per_mobile = dict(sql(database_url, "SELECT requester_mobile, count(*) FROM tickets_ticket "
                          "WHERE requester_mobile = ANY(%s) GROUP BY requester_mobile", (mobiles,)))
    doubled = [m for m in mobiles if per_mobile.get(m, 0) != 1]
    out.append(("citizen complaints: one ticket per complaint (retries included)", len(doubled), not doubled))
    for label, query in [
        ("duplicate escalation steps (ticket, clock, level, loop)",
         "SELECT count(*) FROM (SELECT 1 FROM escalation_escalationrecord GROUP BY ticket_id, clock_id, level, loop "
         "HAVING count(*) > 1) d"),
        ("duplicate notices (step, person)",
         "SELECT count(*) FROM (SELECT 1 FROM escalation_escalationnotice WHERE user_id IS NOT NULL "
         "GROUP BY record_id, user_id HAVING count(*) > 1) d"),
        ("duplicate outbox rows (idempotency key)",
         "SELECT count(*) FROM (SELECT 1 FROM escalation_outboxmessage GROUP BY idempotency_key HAVING count(*) > 1) d"),
        ("duplicate outbox rows (notice, channel)",
         "SELECT count(*) FROM (SELECT 1 FROM escalation_outboxmessage WHERE notice_id IS NOT NULL "
         "GROUP BY notice_id, channel HAVING count(*) > 1) d"),
        ("SLA rows overdue by more than 60 s (escalations not fired)",
         "SELECT count(*) FROM escalation_ticketsla WHERE next_action_at < now() - interval '60 seconds'"),
        ("notifications stuck (due more than 180 s ago, not delivered)", STUCK_SQL),
    ]:
        value = sql(database_url, query)[0][0]
        out.append((label, value, value == 0))
    acked = sql(database_url, "SELECT count(*) FROM escalation_escalationnotice WHERE ack_via = 'link'")[0][0]
    records = sql(database_url, "SELECT count(*) FROM escalation_escalationrecord")[0][0]
    out.append(("escalation steps fired during the run", records, records > 0))
    out.append(("acknowledged from signed links", acked, acked > 0))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--database-url", default=database_url_for(
        "cg_proof_soak", os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")))
    parser.add_argument("--citizens", type=int, default=16)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--districts", type=int, default=2)
    parser.add_argument("--vendors", type=int, default=2)
    parser.add_argument("--consoles", type=int, default=4)
    parser.add_argument("--status-sockets", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.05, help="pause between a client's requests (s)")
    parser.add_argument("--settle", type=float, default=120,
                        help="seconds allowed for the engine and the outbox to catch up after the load")
    args = parser.parse_args()

    create_database(args.database_url)
    env = {"RATE_ANON_IP": "1000000/min", "RATE_ANON_MOBILE": "100000/min", "SLA_SWEEP_SECONDS": "1",
           "OUTBOX_RETRY_SECONDS": "5", "BOOKINGS_RATE_OTP_IP": "100000/hour"}
    with tempfile.TemporaryDirectory(prefix="hd-soak-") as tmp, \
            Stack(database_url=args.database_url, workdir=Path(tmp), extra_env=env) as stack:
        stack.start_redis()
        print(f"soak: database {args.database_url.rsplit('/', 1)[1]}, private redis :{stack.redis_port}; "
              "migrate + seed_demo ...", flush=True)
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("seed_demo")
        sql(args.database_url, SHORTEN_DEMO_POLICY)
        base = stack.start_web(workers=args.web_workers)
        ws_base = stack.start_ws()
        stack.start_worker(concurrency=2)
        stack.start_beat()
        print(f"gunicorn x{args.web_workers} {base}, uvicorn {ws_base}, celery worker x2 + beat; "
              f"load for {args.seconds:.0f}s: {args.citizens} citizens, {args.agents} agents, {args.districts} "
              f"district officials, {args.vendors} vendor engineers, {args.consoles} console + "
              f"{args.status_sockets} status websockets", flush=True)
        soak = Soak(args, stack, base, ws_base)
        elapsed = asyncio.run(soak.run())

        settle_started = time.monotonic()
        deadline = settle_started + args.settle
        while time.monotonic() < deadline:
            overdue = sql(args.database_url, "SELECT count(*) FROM escalation_ticketsla "
                          "WHERE next_action_at < now() - interval '60 seconds'")[0][0]
            pending = sql(args.database_url, "SELECT count(*) FROM escalation_outboxmessage WHERE status IN "
                          "('pending', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at < now())")[0][0]
            if not overdue and (not pending or time.monotonic() - settle_started > 60):
                break
            time.sleep(2)
        settled_in = time.monotonic() - settle_started
        results = checks(args.database_url, soak)
        total = sum(len(v) for v in soak.stats.latency.values())
        errors = sum(n for kind, counts in soak.stats.status.items() for code, n in counts.items()
                     if code not in (200, 201) and not (code == 409 and "acknowledges ticket" in kind))

        print(f"\n== soak: {elapsed:.0f} s, {total} requests, {total / elapsed:.0f} req/s, "
              f"{len(soak.stored)} tickets created ({len(soak.stored) / elapsed:.1f}/s), errors {errors}")
        print(f"{'kind':<28}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses")
        for kind, values in sorted(soak.stats.latency.items()):
            statuses = dict(sorted(soak.stats.status[kind].items()))
            print(f"{kind:<28}{len(values):>8}{len(values) / elapsed:>8.1f}{pct(values, .5) * 1000:>9.0f}"
                  f"{pct(values, .99) * 1000:>9.0f}  {statuses}")
        all_latency = [v for values in soak.stats.latency.values() for v in values]
        print(f"{'all':<28}{total:>8}{total / elapsed:>8.1f}{pct(all_latency, .5) * 1000:>9.0f}"
              f"{pct(all_latency, .99) * 1000:>9.0f}")
        # Live lag: from the client's 201 to the first console socket's ticket.created (the event is
        # sent on commit, so it often arrives before the HTTP response: counted as 0).
        lags = [max(0.0, soak.live_seen[n] - at) for n, at in soak.created_at.items() if n in soak.live_seen]
        missed = [n for n in soak.created_at if n not in soak.live_seen]
        print(f"live: ticket.created on a console socket for {len(lags)}/{len(soak.created_at)} tickets "
              f"(missed {len(missed)}); after the 201: p50 {pct(lags, .5) * 1000:.0f} ms, p99 {pct(lags, .99) * 1000:.0f} ms; "
              f"events by socket and type: {dict(soak.live_events.most_common(8))}")
        if soak.stats.errors:
            print(f"first errors: {soak.stats.errors[:10]}")
        print(f"\nafter the load: settled in {settled_in:.0f} s (allowed {args.settle:.0f} s; the ladders of "
              "unacknowledged tickets keep firing, so the outbox may still be draining)")
        print("\n== checks")
        ok = True
        for label, value, passed in results:
            ok &= bool(passed)
            print(f"  [{'ok' if passed else 'FAIL'}] {label}: {value}")
        outbox = dict(sql(args.database_url, "SELECT status, count(*) FROM escalation_outboxmessage GROUP BY status"))
        lags = [row[0] for row in sql(args.database_url, "SELECT extract(epoch FROM sent_at - created_at) "
                                      "FROM escalation_outboxmessage WHERE status = 'sent'")]
        print(f"  outbox by status: {outbox}; delivery lag (queued -> sent) p50 {pct(lags, .5):.1f} s, "
              f"p99 {pct(lags, .99):.1f} s, max {max(lags, default=0):.1f} s")
        if not ok:
            for name in ("worker", "beat", "web"):
                print(f"--- {name} log (tail)\n{stack.procs[name].log(2500)}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
