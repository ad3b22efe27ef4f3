"""The servers a benchmark measures, started and stopped in one way: a free port, a process in its
own process group (output inherited, or to a log file), waiting until it listens or answers, and
stopping the whole group (SIGTERM, then SIGKILL if it does not exit). Used by every benchmark that
starts its own gunicorn/uvicorn/Celery."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv/bin/gunicorn")


def prepare_database(database_url: str, env: dict) -> None:
    """The benchmark's own PostgreSQL database (created if missing) migrated with `env`, and
    Django set up in this process on the same database, Redis and channel prefix."""
    import sys
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(database_url).path.lstrip("/")
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                   env=env, check=True)
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def start(cmd: Sequence[str], env: dict, cwd: Path = ROOT, log: Path | None = None, **popen) -> subprocess.Popen:
    """A server in its own process group; its output goes to `log` when given, else inherited."""
    out = log.open("w") if log is not None else None
    return subprocess.Popen(list(cmd), cwd=cwd, env=env, start_new_session=True, stdout=out, stderr=out, **popen)


def gunicorn(port: int, *, workers: int, env: dict, extra: Sequence[str] = (), log: Path | None = None,
             cwd: Path = ROOT) -> subprocess.Popen:
    """The project's WSGI app under gunicorn sync workers on 127.0.0.1:`port`."""
    return start([GUNICORN, "helpdesk.wsgi:application", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                  "--log-level", "warning", *extra], env, cwd=cwd, log=log)


def wait_port(port: int, timeout: float = 30.0) -> None:
    """Until something accepts connections on `port` (SystemExit after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def wait_http(url: str, timeout: float = 30.0, ok: Sequence[int] = (200,)) -> None:
    """Until `url` answers one of the `ok` statuses (SystemExit after `timeout` seconds)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code in ok:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def stop(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Stop the server and every process of its group: SIGTERM, then SIGKILL after `timeout`."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)
