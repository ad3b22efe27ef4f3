"""`make failover`: the helpdesk survives the loss of its primary PostgreSQL and its primary Redis.

Starts, all by itself, on private ports (tests/failover/cluster.py): etcd, two PostgreSQL 15 nodes
under Patroni (synchronous replication; `--async` for asynchronous), a Redis primary + replica and
three Sentinels; then the production shape exactly as bin/prod starts it (supervisord: gunicorn,
uvicorn, Celery worker and beat) with DATABASE_URL=postgres://...@node1,node2/...?
target_session_attrs=read-write and REDIS_URL=sentinel://.... Under load (citizens filing
complaints with an Idempotency-Key and retrying on 503, a supervisor posting incident updates, a
public status websocket listening, ticket ladders falling due) it SIGKILLs the primary's postmaster,
then the primary Redis, and checks:

- every complaint and incident update answered 2xx exists exactly once (none lost, none doubled);
- every failed attempt was a 503 with Retry-After (never a 500, never a hang);
- writes succeed again within --target seconds (default 30) of each kill, with no process
  restarted by hand (supervisord's pids are compared too);
- the escalation ledger of the tickets due across each switch equals that of an undisturbed
  sweep of the same state (no step fired twice, none skipped);
- the status websocket reconnects and receives events after each switch;
- the old primary rejoins as a replica by itself (Patroni, pg_rewind when needed).

Prints the figures; exits 1 if a check fails. Everything is bounded in time and stopped by pid.

    make failover                  # synchronous replication (RPO 0)
    make failover FAILOVER_ARGS=--async
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.failover.cluster import Cluster, ensure_packages, wait_for  # noqa: E402
from tests.failover.pitr import restore_and_check, take_base_backup  # noqa: E402
from tests.faults.escalation import RUN_SWEEPS, ledger, make_due, prepare_due_tickets  # noqa: E402
from tests.faults.harness import run_django, sql  # noqa: E402
from tests.faults.workloads import Citizens, LiveListener, login_session  # noqa: E402

BIN = Path(sys.executable).parent
WEB_PORT, WS_PORT = 55451, 55452
LOAD_ENV = {"RATE_ANON_IP": "1000000/min", "RATE_ANON_MOBILE": "100000/min", "RATE_OTP_IP": "100000/hour",
            "RATE_OTP_MOBILE": "100000/hour", "SLA_SWEEP_SECONDS": "1", "OUTBOX_RETRY_SECONDS": "2"}
CREATE_INCIDENT = """
from accounts.models import User
from live import services
from live.seed import ensure_components
component = ensure_components()[0]
incident = services.incident_create(title="Failover drill", actor=User.objects.get(username="supervisor"),
    components=[component], component_status="degraded", body_en="Investigating.", body_hi="Investigating.")
result = incident.pk
"""


class Load:
    """Citizens filing complaints and a supervisor posting incident updates, every attempt recorded."""

    def __init__(self, base: str, citizens: Citizens, supervisor: dict, incident_id: int, threads: int) -> None:
        self.base, self.citizens, self.supervisor, self.incident_id = base, citizens, supervisor, incident_id
        self.threads = threads
        self.attempts: list[tuple[float, str, int, bool]] = []  # (started, kind, status, had Retry-After)
        self.complaints: dict[int, str] = {}  # complaint i -> ticket number given to the citizen
        self.updates: dict[str, int] = {}  # body of an update answered 201 -> its id
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.pool: list[threading.Thread] = []

    def _post_until_stored(self, client: httpx.Client, kind: str, url: str, body: dict, headers: dict):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                response = client.post(url, json=body, headers=headers)
                status, retry_after = response.status_code, "Retry-After" in response.headers
            except httpx.HTTPError:
                response, status, retry_after = None, 0, False
            with self.lock:
                self.attempts.append((started, kind, status, retry_after))
            if 200 <= status < 300:
                return response
            if status not in (0, 502, 503, 504):
                return response  # recorded; a 4xx/500 is reported as a failure
            time.sleep(min(2.0, float(response.headers.get("Retry-After") or 0.5) if response is not None else 0.5))
        return None

    def _citizen(self, n: int) -> None:
        with httpx.Client(timeout=httpx.Timeout(20.0, connect=3.0)) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                number = n * 100_000 + i
                response = self._post_until_stored(
                    client, "complaint", f"{self.base}/api/public/tickets/", self.citizens.payload(number),
                    {"Idempotency-Key": f"fo-{n}-{i}"})
                if response is not None and response.status_code == 201:
                    with self.lock:
                        self.complaints[number] = response.json()["number"]

    def _supervisor(self) -> None:
        headers = {"X-CSRFToken": self.supervisor["csrftoken"]}
        with httpx.Client(timeout=httpx.Timeout(20.0, connect=3.0), cookies=self.supervisor, headers=headers) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                body = f"Failover drill update {i} {uuid.uuid4().hex[:8]}"
                response = self._post_until_stored(
                    client, "update", f"{self.base}/api/live/incidents/{self.incident_id}/updates/",
                    {"body_en": body, "body_hi": body}, {"Idempotency-Key": f"fo-upd-{i}", **headers})
                if response is not None and response.status_code == 201:
                    with self.lock:
                        self.updates[body] = response.json().get("id")
                time.sleep(0.3)

    def start(self) -> None:
        self.pool = [threading.Thread(target=self._citizen, args=(n,), daemon=True) for n in range(1, self.threads + 1)]
        self.pool.append(threading.Thread(target=self._supervisor, daemon=True))
        for thread in self.pool:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.pool:
            thread.join(150)

    def first_success_after(self, moment: float) -> float | None:
        with self.lock:
            ok = [t for t, kind, status, _ in self.attempts if t >= moment and 200 <= status < 300]
        return min(ok) - moment if ok else None


def supervised_pids(env: dict) -> dict[str, str]:
    out = subprocess.run([str(BIN / "supervisorctl"), "-c", "deploy/supervisord.conf", "status"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=30)
    return {line.split()[0]: line.split("pid ")[1].split(",")[0] for line in out.stdout.splitlines() if "pid " in line}


def switch(name: str, kill, load: Load, listener: LiveListener, target: float) -> dict:
    """Kill one primary under load; how long until a write succeeds again, and the socket's return."""
    connects_before = len(listener.connects)
    killed_at = time.monotonic()
    what = kill()
    try:
        wait_for(lambda: load.first_success_after(killed_at + 0.01) is not None, max(target * 3, 90),
                 f"a write to succeed after the {name} kill", interval=0.2)
    except TimeoutError:
        pass
    recovered = load.first_success_after(killed_at + 0.01)
    time.sleep(8)  # keep filing on the promoted node
    events_after = listener.saw(lambda e: e.get("type") not in (None, "hello", "pong"), since=killed_at + (recovered or 0))
    return {"name": name, "killed": what, "recovered_s": recovered, "socket_reconnects": len(listener.connects) - connects_before,
            "socket_events_after": events_after, "killed_at": killed_at}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--async", dest="asynchronous", action="store_true", help="asynchronous replication")
    parser.add_argument("--threads", type=int, default=3, help="citizens filing in parallel")
    parser.add_argument("--due", type=int, default=4, help="tickets whose ladder falls due at each switch")
    parser.add_argument("--target", type=float, default=30.0, help="seconds allowed until writes succeed again")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, data) afterwards")
    args = parser.parse_args()
    ensure_packages()
    workdir = Path(tempfile.mkdtemp(prefix="hd-failover-"))
    print(f"work directory {workdir}; load: {os.getloadavg()}", flush=True)
    failures: list[str] = []
    prod: subprocess.Popen | None = None
    with Cluster(workdir, synchronous=not args.asynchronous) as cluster:
        t0 = time.monotonic()
        cluster.start_etcd()
        cluster.start_postgres_cluster()
        cluster.start_redis()
        print(f"cluster up in {time.monotonic() - t0:.0f} s:\n{cluster.patronictl('list')}", flush=True)
        sql(cluster.dsn(), "CREATE DATABASE helpdesk")
        app_dir = workdir / "app"
        app_dir.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "CELERY_"))}
        env.update(LOAD_ENV, DATABASE_URL=cluster.dsn("helpdesk"), REDIS_URL=cluster.redis_url(0),
                   REDIS_SENTINEL_MASTER="helpdesk", CHANNEL_PREFIX="hd-failover", HELPDESK_VAR_DIR=str(app_dir),
                   WEB_PORT=str(WEB_PORT), WS_PORT=str(WS_PORT), WEB_WORKERS="3", CELERY_CONCURRENCY="2",
                   DEMO_DATA="1", FAST_PASSWORD_HASHER="1", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
                   DJANGO_SETTINGS_MODULE="helpdesk.settings", LOG_LEVEL="WARNING", DB_CONNECT_TIMEOUT="3",
                   PREFLIGHT_WAIT="30", BIN=str(BIN))
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run([str(BIN / "python"), "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=900,
                           capture_output=True)
        backup_s = take_base_backup(cluster)
        print(f"pgBackRest stanza and full backup in {backup_s:.0f} s (WAL archived continuously)", flush=True)
        # Tickets whose ladders fall due at each switch, and what an undisturbed sweep fires for them.
        groups = {"postgres": prepare_due_tickets(env, args.due, hours=0), "redis": prepare_due_tickets(env, args.due, hours=0)}
        sql(cluster.dsn(), "CREATE DATABASE helpdesk_ctl TEMPLATE helpdesk")
        control = cluster.dsn("helpdesk_ctl")
        for ids in groups.values():
            make_due(control, ids)
        run_django({**env, "DATABASE_URL": control, "REDIS_URL": cluster.redis_url(1)}, RUN_SWEEPS)
        expected = {name: ledger(control, ids) for name, ids in groups.items()}
        assert all(e["records"] for e in expected.values()), "the control sweep fired no step"

        prod_log = open(workdir / "prod.log", "ab")  # noqa: SIM115
        prod = subprocess.Popen(["bin/prod"], cwd=ROOT, env=env, stdout=prod_log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        base, ws_base = f"http://127.0.0.1:{WEB_PORT}", f"ws://127.0.0.1:{WS_PORT}"
        try:
            wait_for(lambda: httpx.get(f"{base}/readyz", timeout=3).status_code == 200, 600, "bin/prod to serve")
            wait_for(lambda: httpx.get(f"http://127.0.0.1:{WS_PORT}/livez", timeout=3).status_code == 200, 120, "uvicorn")
            pids_before = supervised_pids(env)
            incident_id = run_django(env, CREATE_INCIDENT)
            listener = LiveListener(f"{ws_base}/ws/status/", origin=base).start()
            wait_for(listener.connected, 30, "the status websocket")
            load = Load(base, Citizens.from_db(env["DATABASE_URL"], prefix="7"), login_session(base, "supervisor"),
                        incident_id, args.threads)
            load.start()
            time.sleep(6)
            switches = []
            make_due(env["DATABASE_URL"], groups["postgres"])
            time.sleep(1.5)  # the sweep is firing their steps when the primary dies
            switches.append(switch("postgres", cluster.kill_primary_postgres, load, listener, args.target))
            wait_for(lambda: cluster.redis_replicas_seen() >= 1, 30, "the Redis replica")
            make_due(env["DATABASE_URL"], groups["redis"])
            time.sleep(1.5)
            switches.append(switch("redis", cluster.kill_redis_primary, load, listener, args.target))
            load.finish()
            listener.stop()
            for name, ids in groups.items():
                try:
                    wait_for(lambda ids=ids, name=name: ledger(env["DATABASE_URL"], ids)["records"] == expected[name]["records"],
                             90, f"the {name} group's escalations", interval=1)
                except TimeoutError:
                    pass
            time.sleep(3)
            actual = {name: ledger(env["DATABASE_URL"], ids) for name, ids in groups.items()}
            pids_after = supervised_pids(env)

            def file_one_more() -> str:
                late = Load(base, load.citizens, {}, 0, 0)
                with httpx.Client(timeout=20) as client:
                    response = late._post_until_stored(client, "late", f"{base}/api/public/tickets/",
                                                       load.citizens.payload(999_999), {"Idempotency-Key": "fo-late"})
                assert response is not None and response.status_code == 201, "the late complaint was not stored"
                return load.citizens.mobile(999_999)

            pitr = restore_and_check(cluster, env["DATABASE_URL"], [load.citizens.mobile(i) for i in load.complaints],
                                     file_one_more)
            rejoined = wait_for(lambda: cluster.replica_streaming() and len(cluster.cluster_state()) == 2, 120,
                                "the old primary to rejoin")
            print(f"\nafter the drill:\n{cluster.patronictl('list')}", flush=True)
        except Exception as exc:  # noqa: BLE001 - reported with the logs below
            failures.append(f"drill aborted: {type(exc).__name__}: {exc}")
            print((workdir / "prod.log").read_text(errors="replace")[-4000:])
            switches, load, actual, pids_before, pids_after, rejoined, pitr = [], None, {}, {}, {}, False, {}
        finally:
            if prod.poll() is None:
                os.killpg(prod.pid, signal.SIGTERM)
                try:
                    prod.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(prod.pid, signal.SIGKILL)
            prod_log.close()

        if load is not None:
            failures += report(load, switches, actual, expected, env, args, pids_before, pids_after, rejoined)
            failures += report_pitr(pitr)
    print(f"\nload at the end: {os.getloadavg()}")
    print("FAILED:\n  " + "\n  ".join(failures) if failures else "all checks passed")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    return 1 if failures else 0


def report(load, switches, actual, expected, env, args, pids_before, pids_after, rejoined) -> list[str]:
    failures = []
    statuses = collections.Counter((kind, status) for _, kind, status, _ in load.attempts)
    bad = [(kind, status) for _, kind, status, _ in load.attempts if status and not 200 <= status < 300 and status != 503]
    no_retry_after = sum(1 for _, _, status, ra in load.attempts if status == 503 and not ra)
    mobiles = [load.citizens.mobile(i) for i in load.complaints]
    rows = dict(sql(env["DATABASE_URL"], "SELECT requester_mobile, count(*) FROM tickets_ticket "
                    "WHERE requester_mobile = ANY(%s) GROUP BY requester_mobile", (mobiles,)))
    lost = [m for m in mobiles if m not in rows]
    doubled = [m for m, n in rows.items() if n > 1]
    bodies = list(load.updates)
    update_rows = dict(sql(env["DATABASE_URL"], "SELECT body_en, count(*) FROM live_incidentupdate WHERE body_en = ANY(%s) "
                           "GROUP BY body_en", (bodies,)))
    updates_lost = [b for b in bodies if b not in update_rows]
    updates_doubled = [b for b, n in update_rows.items() if n > 1]
    mode = "asynchronous" if args.asynchronous else "synchronous"
    print(f"\n== failover drill ({mode} replication, {args.threads} citizens + 1 supervisor)")
    print(f"attempts (kind, status): {dict(statuses)}")
    print(f"complaints acknowledged {len(mobiles)}: lost {len(lost)}, stored twice {len(doubled)}; incident updates "
          f"acknowledged {len(bodies)}: lost {len(updates_lost)}, stored twice {len(updates_doubled)}")
    print(f"failed attempts other than 503: {len(bad)} {collections.Counter(bad)}; 503 without Retry-After: {no_retry_after}")
    for sw in switches:
        rec = sw["recovered_s"]
        print(f"{sw['name']} primary killed ({sw['killed']}): writes succeed again after "
              f"{'never' if rec is None else f'{rec:.1f} s'}; status socket reconnects {sw['socket_reconnects']}, "
              f"events after the switch: {sw['socket_events_after']}")
        if rec is None or rec > args.target:
            failures.append(f"{sw['name']}: writes did not succeed again within {args.target:.0f} s ({rec})")
        if not sw["socket_events_after"]:
            failures.append(f"{sw['name']}: the status websocket received nothing after the switch")
    for name, ledgers in actual.items():
        fired = sum(ledgers["records"].values())
        want = sum(expected[name]["records"].values())
        doubled_steps = sum(max(0, n - expected[name]["records"].get(k, 0)) for k, n in ledgers["records"].items())
        skipped = sum(max(0, n - ledgers["records"].get(k, 0)) for k, n in expected[name]["records"].items())
        print(f"escalation steps due across the {name} switch: fired {fired} (undisturbed sweep: {want}), "
              f"twice {doubled_steps}, skipped {skipped}; notifications equal: {ledgers['outbox'] == expected[name]['outbox']}")
        if doubled_steps or skipped:
            failures.append(f"{name}: escalation steps fired twice ({doubled_steps}) or skipped ({skipped})")
        if ledgers["outbox"] != expected[name]["outbox"]:
            failures.append(f"{name}: the notifications queued differ from an undisturbed sweep's")
    restarted = sorted(name for name, pid in pids_after.items() if pids_before.get(name) != pid)
    print(f"supervised processes restarted (by supervisord, none by hand): {restarted or 'none'}")
    print(f"old primary rejoined as a replica: {bool(rejoined)}")
    if lost and not args.asynchronous:
        failures.append(f"{len(lost)} acknowledged complaints lost with synchronous replication")
    if doubled or updates_doubled:
        failures.append(f"stored twice: {len(doubled)} complaints, {len(updates_doubled)} updates")
    if updates_lost and not args.asynchronous:
        failures.append(f"{len(updates_lost)} acknowledged incident updates lost")
    if bad or no_retry_after:
        failures.append(f"unclean failures: {len(bad)} non-503 errors, {no_retry_after} 503 without Retry-After")
    if not rejoined:
        failures.append("the old primary did not rejoin")
    return failures


def report_pitr(pitr: dict) -> list[str]:
    if not pitr.get("ok"):
        return [f"point-in-time restore failed: {pitr.get('output', '')}"]
    print(f"point-in-time restore (bin/pitr-restore) to {pitr['target']}: {pitr['restore_s']:.0f} s; of "
          f"{pitr['acknowledged']} complaints acknowledged before the target {pitr['missing']} missing in the copy; "
          f"the one filed after it present: {pitr['late_present']}")
    failures = []
    if pitr["missing"]:
        failures.append(f"the restored copy lacks {pitr['missing']} complaints acknowledged before its target")
    if pitr["late_present"]:
        failures.append("the restored copy holds a complaint filed after its target")
    return failures


if __name__ == "__main__":
    sys.exit(main())
