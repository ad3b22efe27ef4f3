"""The production shape, started piece by piece so that pieces can be broken: a private
redis-server on a free port, gunicorn sync workers, uvicorn for websockets, a Celery worker and
Celery beat, all on one PostgreSQL database. Used by the fault tests (tests/faults/) and the soak
(bench/soak.py).

Only processes started here are ever signalled, by their own pid (each runs in its own session,
so a signal to the group reaches its children: gunicorn's and celery's workers). The machine's
shared Redis (6379) and PostgreSQL are never touched; `terminate_backends` only ends the
connections of the one database given.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; that value. Raises TimeoutError."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - polled until the deadline
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_exc})" if last_exc else ""))


def database_url_for(name: str, base_url: str | None = None) -> str:
    """DATABASE_URL with its database name replaced by `name` (e.g. pytest-django's test_ db)."""
    parts = urlsplit(base_url or os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def terminate_backends(database_url: str) -> int:
    """End every connection to this one database except the caller's; how many were ended."""
    import psycopg

    parts = urlsplit(database_url)
    dbname = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            (dbname,),
        ).fetchall()
    return sum(1 for (ok,) in rows if ok)


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, sig)  # its own session: pgid == pid
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 15) -> None:
        if not self.alive():
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(5)

    def kill(self) -> None:
        """SIGKILL the whole group (a worker dies mid-task: no cleanup, no ack)."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(10)

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""


@dataclass
class Stack:
    """One deployment of the app on `database_url`, with a private Redis. Use as a context manager."""

    database_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    redis_port: int = field(default_factory=free_port)
    procs: dict[str, Proc] = field(default_factory=dict)

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self, **more: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
        env.update(
            DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, CHANNEL_PREFIX=f"hd-fault-{self.redis_port}",
            FAST_PASSWORD_HASHER="1", PYTHONUNBUFFERED="1", HELPDESK_VAR_DIR=str(self.workdir),
            DJANGO_SETTINGS_MODULE="helpdesk.settings", LOG_LEVEL="WARNING",
        )
        env.pop("CELERY_BROKER_URL", None)
        env.update(self.extra_env)
        env.update(more)
        return env

    def _spawn(self, name: str, argv: list[str], **env: str) -> Proc:
        log_path = self.workdir / f"{name}.log"
        log = open(log_path, "ab")  # noqa: SIM115 - inherited by the child, closed below
        try:
            popen = subprocess.Popen(argv, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        finally:
            log.close()
        proc = Proc(name, popen, log_path)
        self.procs[name] = proc
        return proc

    # --- Redis (private) ----------------------------------------------------------------------
    def start_redis(self) -> Proc:
        proc = self._spawn("redis", [
            "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.workdir), "--daemonize", "no", "--loglevel", "warning",
        ])
        wait_for(lambda: self.redis_ping(), 10, what="redis-server")
        return proc

    def redis_ping(self) -> bool:
        import redis

        client = redis.Redis(port=self.redis_port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop_redis(self) -> None:
        """Stop the private Redis (its data is lost: nothing is saved, like a crashed cache)."""
        self.procs["redis"].kill()

    # --- The app ------------------------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 300) -> str:
        out = subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env(),
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {out.stdout[-2000:]}{out.stderr[-3000:]}")
        return out.stdout

    def start_web(self, workers: int = 2, port: int | None = None, timeout: int = 30) -> str:
        port = port or free_port()
        self._spawn("web", [
            str(BIN / "gunicorn"), "helpdesk.wsgi:application", "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", "--timeout", str(timeout), "--graceful-timeout", "5",
        ], HELPDESK_SERVER="wsgi")
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503), 60,
                 what=f"gunicorn on {port}: {self.procs['web'].log()}")
        self.web_base = base
        return base

    def start_ws(self, port: int | None = None) -> str:
        port = port or free_port()
        self._spawn("ws", [
            str(BIN / "uvicorn"), "helpdesk.asgi:application", "--host", "127.0.0.1", "--port", str(port),
            "--ws", "websockets-sansio", "--lifespan", "off", "--log-level", "warning",
        ], HELPDESK_SERVER="asgi")
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503), 60,
                 what=f"uvicorn on {port}: {self.procs['ws'].log()}")
        self.ws_base = base
        return base

    def start_worker(self, name: str = "worker", concurrency: int = 1, queues: str | None = None,
                     env: dict[str, str] | None = None, app: str = "helpdesk") -> Proc:
        argv = [str(BIN / "celery"), "-A", app, "worker", "--loglevel", "INFO", "--concurrency",
                str(concurrency), "--hostname", f"{name}-{self.redis_port}@%h", "--without-gossip",
                "--without-mingle", "--prefetch-multiplier", "1"]
        if queues:
            argv += ["--queues", queues]
        start = self.procs[name].log_path.stat().st_size if name in self.procs else 0
        proc = self._spawn(name, argv, **(env or {}))
        wait_for(lambda: "ready" in proc.log_path.read_text(errors="replace")[start:] or not proc.alive(), 60, what=f"celery {name}")
        if not proc.alive():
            raise RuntimeError(f"celery {name} exited: {proc.log()}")
        return proc

    def start_beat(self, env: dict[str, str] | None = None) -> Proc:
        return self._spawn("beat", [
            str(BIN / "celery"), "-A", "helpdesk", "beat", "--loglevel", "INFO",
            "--schedule", str(self.workdir / "celerybeat-schedule"),
        ], **(env or {}))

    def stop(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc:
            proc.stop()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.procs[name].stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{proc.log(2000)}" for name, proc in self.procs.items())

    def __enter__(self) -> Stack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()


# --- Databases of their own -----------------------------------------------------------------------
def _admin_url(database_url: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))


def drop_database(database_url: str) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(database_url: str, template: str | None = None) -> None:
    """(Re)create the database named in `database_url`, empty or as a copy of `template`."""
    import psycopg

    drop_database(database_url)
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def sql(database_url: str, query: str, params: tuple = ()) -> list[tuple]:
    """One query on that database, autocommit."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def run_django(env: dict[str, str], code: str, timeout: float = 120) -> object:
    """Run `code` in a fresh process with these settings (django set up); the value it assigns to
    `result`, through JSON. For setup the HTTP API does not offer, and to call the engine."""
    import json

    script = (
        "import django, json\n"
        "django.setup()\n"
        "result = None\n" + code + "\n"
        "print('@@RESULT@@' + json.dumps(result, default=str))\n"
    )
    out = subprocess.run([str(BIN / "python"), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"snippet failed: {out.stderr[-3000:]}")
    marker = out.stdout.rsplit("@@RESULT@@", 1)
    return json.loads(marker[1]) if len(marker) == 2 else None


# --- Load ------------------------------------------------------------------------------------------
@dataclass
class Sample:
    started: float  # seconds since the load began
    seconds: float
    status: int  # 0: no HTTP answer (connection error or client timeout)
    error: str = ""
    tag: str = ""


def run_load(request, *, threads: int, seconds: float, during=None, at: float = 0.0) -> list[Sample]:
    """Call `request(client, i)` -> (status, tag) in `threads` threads for `seconds`; run `during()`
    once, `at` seconds in. Every call's outcome is returned, failures included."""
    import threading

    samples: list[Sample] = []
    lock = threading.Lock()
    stop = threading.Event()
    origin = time.monotonic()

    def worker(n: int) -> None:
        with httpx.Client(timeout=httpx.Timeout(20.0, connect=5.0)) as client:
            i = 0
            while not stop.is_set():
                i += 1
                started = time.monotonic()
                try:
                    status, tag = request(client, n * 1_000_000 + i)
                    sample = Sample(started - origin, time.monotonic() - started, status, tag=tag)
                except httpx.HTTPError as exc:
                    sample = Sample(started - origin, time.monotonic() - started, 0, f"{type(exc).__name__}: {exc}")
                with lock:
                    samples.append(sample)

    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    if during is not None:
        time.sleep(at)
        during()
        time.sleep(max(0.0, seconds - at))
    else:
        time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join(60)
    return sorted(samples, key=lambda s: s.started)
