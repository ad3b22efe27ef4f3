"""Websocket fan-out: N clients on the public status stream, one incident update, delivery latency.

    .venv/bin/python bench/ws_fanout.py                 # N=2,000
    .venv/bin/python bench/ws_fanout.py --clients 5000

Starts the app's ASGI server itself (uvicorn, HELPDESK_SERVER=asgi, --workers 2 by default) on a
free port against PostgreSQL and the Redis channel layer (DATABASE_URL / REDIS_URL, defaults
below), opens N websockets to /ws/status/ from several client processes (one Python process
cannot drive thousands of sockets and measure them fairly on 2 cores), posts one public incident
update through the service (after commit it goes to the "status" group via Redis), and prints
how many clients connected and received it, and the delivery latency p50/p99/max (from just
before the update's transaction to each client's receipt; all processes share this machine's
clock).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import free_port  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cg_bench_ws"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- client processes -----------------------------------------------------------------------------

async def _clients(url: str, origin: str, count: int, ready, go, results, concurrency: int) -> None:
    import websockets

    sockets: list = []
    gate = asyncio.Semaphore(concurrency)
    failures = 0

    async def open_one():
        nonlocal failures
        async with gate:
            for _attempt in range(3):
                try:
                    ws = await websockets.connect(url, origin=origin, ping_interval=None, open_timeout=60,
                                                  max_queue=4, compression=None)
                    sockets.append(ws)
                    return
                except Exception:
                    await asyncio.sleep(0.5)
            failures += 1

    await asyncio.gather(*(open_one() for _ in range(count)))
    ready.put((len(sockets), failures))
    received: list[float] = []

    async def wait_one(ws):
        try:
            while True:
                event = json.loads(await ws.recv())
                if event.get("type") == "incident.update":
                    received.append(time.time())
                    return
        except Exception:
            return

    waiters = [asyncio.create_task(wait_one(ws)) for ws in sockets]
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    await asyncio.wait(waiters, timeout=30)
    results.put(received)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def client_process(url, origin, count, ready, go, results, concurrency):
    raise_nofile()
    asyncio.run(_clients(url, origin, count, ready, go, results, concurrency))


# --- the run ----------------------------------------------------------------------------------

def prepare_database(env: dict) -> None:
    import psycopg

    db_url = env["DATABASE_URL"]
    name = db_url.rsplit("/", 1)[1]
    admin = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--procs", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes in flight per client process")
    args = parser.parse_args()
    raise_nofile()

    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DB)
    env.setdefault("REDIS_URL", DEFAULT_REDIS)
    env.setdefault("CHANNEL_PREFIX", "hd-bench-ws")
    env["HELPDESK_SERVER"] = "asgi"
    env["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings"
    prepare_database(env)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX")})
    os.environ["HELPDESK_SERVER"] = ""
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # the update's SMS task runs here (no linked tickets)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from accounts.models import User
    from live import services
    from live.seed import ensure_components

    layer = settings.CHANNEL_LAYERS["default"]
    print(f"channel layer: {layer['BACKEND'].rsplit('.', 1)[-1]}, max_connections="
          f"{layer['CONFIG']['hosts'][0]['max_connections']}, capacity={layer['CONFIG']['capacity']}; "
          f"open-file limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "helpdesk.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers), "--ws", "websockets-sansio", "--lifespan", "off", "--log-level", "warning",
         "--backlog", "8192"],
        cwd=ROOT, env=env, preexec_fn=raise_nofile,
    )
    procs: list[mp.Process] = []
    try:
        import httpx

        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("server did not start")
        components = {c.code: c for c in ensure_components()}
        supervisor, _ = User.objects.get_or_create(username="bench-supervisor", defaults={"role": "supervisor"})
        incident = services.incident_create(
            title="Fan-out benchmark", title_hi="फैन-आउट बेंचमार्क", actor=supervisor, severity="minor",
            components=[components["otp-sms"]], body_en="Benchmark incident.", body_hi="बेंचमार्क घटना।")

        ctx = mp.get_context("fork")
        ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        share = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0) for i in range(args.procs)]
        url = f"ws://127.0.0.1:{port}/ws/status/"
        started = time.monotonic()
        for count in share:
            proc = ctx.Process(target=client_process, args=(url, base, count, ready, go, results, args.concurrency))
            proc.start()
            procs.append(proc)
        connected = failed = 0
        for _ in procs:
            ok, bad = ready.get(timeout=600)
            connected += ok
            failed += bad
        connect_seconds = time.monotonic() - started
        print(f"connected {connected}/{args.clients} in {connect_seconds:.1f} s ({failed} failed)")
        time.sleep(2)  # let the last group_add calls settle
        go.set()
        time.sleep(0.2)
        t0 = time.time()
        services.incident_post_update(incident_id=incident.pk, actor=supervisor, body_en="Benchmark update.",
                                      body_hi="बेंचमार्क अपडेट।")
        received: list[float] = []
        for _ in procs:
            received += results.get(timeout=120)
        latencies = [max(0.0, r - t0) for r in received]
        print(f"delivered {len(latencies)}/{args.clients}")
        if latencies:
            print(f"latency p50 {percentile(latencies, 50) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms,"
                  f" max {max(latencies) * 1000:.0f} ms")
        services.incident_transition(incident_id=incident.pk, to="resolved", actor=supervisor)
        return 0 if len(latencies) == args.clients else 1
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
