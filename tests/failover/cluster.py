"""A two-node PostgreSQL 15 cluster managed by Patroni (etcd as its store) and a Redis primary +
replica watched by three Sentinels, all on this machine, all started here and stopped by pid.

Ports (private to this harness): PostgreSQL 55401/55402, Patroni REST 55411/55412, etcd
55431/55432, Redis 55441 (primary) / 55442 (replica), Sentinels 26401-26403. PostgreSQL runs as
the `postgres` user (it refuses root); its data directories live under the work directory.
Synchronous replication (Patroni `synchronous_mode`, RPO 0) unless `synchronous=False`.
pgBackRest archives WAL from the primary into `<workdir>/pgbackrest` (stanza `helpdesk`).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORTS = (55401, 55402)
REST_PORTS = (55411, 55412)
ETCD_PORTS = (55431, 55432)
REDIS_PORTS = (55441, 55442)
SENTINEL_PORTS = (26401, 26402, 26403)
SCOPE = "hd-failover"
MASTER = "helpdesk"
STANZA = "helpdesk"
DEBIAN_PACKAGES = {"patroni": "patroni", "etcd": "etcd-server", "redis-sentinel": "redis-sentinel",
                   "pgbackrest": "pgbackrest"}


def ensure_packages() -> None:
    """Install the Debian packages the cluster needs when missing (like .ci/run installs chromium)."""
    missing = [pkg for tool, pkg in DEBIAN_PACKAGES.items() if not shutil.which(tool)]
    if not (PG_BIN / "postgres").exists():
        missing.append("postgresql-15")
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, timeout=600, env=env)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - polled until the deadline
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}" + (f" ({last})" if last else ""))


def _demote_to_postgres():
    entry = pwd.getpwnam("postgres")
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


@dataclass
class Cluster:
    workdir: Path
    synchronous: bool = True
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    # --- processes ----------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], as_postgres: bool = False, env: dict | None = None) -> None:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - inherited by the child
        try:
            self.procs[name] = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.workdir,
                preexec_fn=_demote_to_postgres if as_postgres and os.geteuid() == 0 else None,
                env={**os.environ, **(env or {})})
        finally:
            log.close()

    def stop(self, name: str, timeout: float = 20) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)
        # A postmaster Patroni started lives in Patroni's session; stop any left by its pid file.
        for node in (1, 2):
            pid = self.postmaster_pid(node)
            if pid:
                try:
                    os.kill(pid, signal.SIGQUIT)
                except ProcessLookupError:
                    pass

    def log(self, name: str, tail: int = 3000) -> str:
        try:
            return (self.workdir / f"{name}.log").read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def __enter__(self) -> Cluster:
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    # --- etcd + Patroni -----------------------------------------------------------------------
    def start_etcd(self) -> None:
        client, peer = ETCD_PORTS
        self._spawn("etcd", ["etcd", "--name", "hd-etcd", "--data-dir", str(self.workdir / "etcd"),
                             "--listen-client-urls", f"http://127.0.0.1:{client}",
                             "--advertise-client-urls", f"http://127.0.0.1:{client}",
                             "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                             "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                             "--initial-cluster", f"hd-etcd=http://127.0.0.1:{peer}", "--enable-v2=true"])
        wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{client}/health", timeout=1).status == 200,
                 30, "etcd")

    def data_dir(self, node: int) -> Path:
        return self.workdir / f"pg{node}"

    def patroni_config(self, node: int) -> Path:
        pg_port, rest_port = PG_PORTS[node - 1], REST_PORTS[node - 1]
        socket_dir = self.workdir / "sockets"
        # Per node: both data directories are on this machine, so each names its own as pg1-path.
        archive = (f"pgbackrest --config={self.workdir / 'pgbackrest.conf'} --stanza={STANZA} "
                   f"--pg1-path={self.data_dir(node)} archive-push %p")
        config = {
            "scope": SCOPE, "name": f"node{node}",
            "log": {"level": "INFO"},
            "restapi": {"listen": f"127.0.0.1:{rest_port}", "connect_address": f"127.0.0.1:{rest_port}"},
            "etcd3": {"hosts": f"127.0.0.1:{ETCD_PORTS[0]}"},
            "bootstrap": {
                "dcs": {
                    "ttl": 20, "loop_wait": 1, "retry_timeout": 5, "maximum_lag_on_failover": 1048576,
                    # A primary whose postgres crashed is failed over at once, not restarted in place.
                    "primary_start_timeout": 0,
                    "synchronous_mode": self.synchronous, "synchronous_mode_strict": False,
                    "postgresql": {"use_pg_rewind": True, "use_slots": True, "parameters": {
                        "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                        "max_wal_senders": 10, "max_replication_slots": 10, "max_connections": 200,
                        "archive_mode": "on", "archive_timeout": 60, "synchronous_commit": "on"}},
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
                "pg_hba": ["local all all trust", "host replication replicator 127.0.0.1/32 trust",
                           "host all all 127.0.0.1/32 trust"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{pg_port}", "connect_address": f"127.0.0.1:{pg_port}",
                "data_dir": str(self.data_dir(node)), "bin_dir": str(PG_BIN),
                "pgpass": str(self.workdir / f"pgpass{node}"),
                "authentication": {"replication": {"username": "replicator", "password": "replicator"},
                                   "superuser": {"username": "postgres", "password": "postgres"},
                                   "rewind": {"username": "postgres", "password": "postgres"}},
                "parameters": {"unix_socket_directories": str(socket_dir), "shared_buffers": "64MB",
                               "fsync": "on", "archive_command": archive},
                "pg_hba": ["local all all trust", "host replication replicator 127.0.0.1/32 trust",
                           "host all all 127.0.0.1/32 trust"],
            },
            "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False},
        }
        path = self.workdir / f"patroni{node}.yml"
        path.write_text(json.dumps(config, indent=1))  # JSON is YAML
        return path

    def write_pgbackrest_config(self) -> Path:
        repo = self.workdir / "pgbackrest"
        repo.mkdir(exist_ok=True)
        conf = self.workdir / "pgbackrest.conf"
        socket_dir = self.workdir / "sockets"
        conf.write_text(
            "[global]\n"
            f"repo1-path={repo}\nrepo1-retention-full=2\nlog-path={self.workdir}\nlock-path={self.workdir}/lock\n"
            "log-level-console=warn\nlog-level-file=info\nstart-fast=y\narchive-async=n\ncompress-type=lz4\n"
            f"backup-standby=n\n\n[{STANZA}]\n"
            f"pg1-path={self.data_dir(1)}\npg1-port={PG_PORTS[0]}\npg1-socket-path={socket_dir}\n"
            f"pg2-path={self.data_dir(2)}\npg2-port={PG_PORTS[1]}\npg2-socket-path={socket_dir}\n")
        return conf

    def start_postgres_cluster(self) -> None:
        (self.workdir / "sockets").mkdir(exist_ok=True)
        (self.workdir / "lock").mkdir(exist_ok=True)
        self.write_pgbackrest_config()
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.workdir)], check=True)
        for node in (1, 2):
            self._spawn(f"patroni{node}", ["patroni", str(self.patroni_config(node))], as_postgres=True)
            if node == 1:
                wait_for(lambda: self.primary() == 1, 90, f"node1 to bootstrap: {self.log('patroni1')}")
        wait_for(lambda: self.replica_streaming(), 120, f"node2 to stream: {self.log('patroni2')}")
        if self.synchronous:
            wait_for(lambda: self.sync_standby() is not None, 60, "a synchronous standby")

    def rest(self, node: int, path: str = "/patroni") -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{REST_PORTS[node - 1]}{path}", timeout=2) as response:
            return json.loads(response.read())

    def cluster_state(self) -> list[dict]:
        for node in (1, 2):
            try:
                return self.rest(node, "/cluster")["members"]
            except OSError:
                continue
        return []

    def primary(self) -> int | None:
        for member in self.cluster_state():
            if member["role"] in ("leader", "master", "primary") and member["state"] == "running":
                return int(member["name"].removeprefix("node"))
        return None

    def replica_streaming(self) -> bool:
        return any(m["role"] in ("replica", "sync_standby") and m["state"] in ("running", "streaming")
                   for m in self.cluster_state())

    def sync_standby(self) -> int | None:
        for member in self.cluster_state():
            if member["role"] == "sync_standby":
                return int(member["name"].removeprefix("node"))
        return None

    def postmaster_pid(self, node: int) -> int | None:
        try:
            return int((self.data_dir(node) / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill_primary_postgres(self) -> int:
        """SIGKILL the postmaster of the current primary (Patroni keeps running); the node killed."""
        node = self.primary()
        assert node, "no primary to kill"
        pid = self.postmaster_pid(node)
        assert pid, f"no postmaster.pid on node{node}"
        os.kill(pid, signal.SIGKILL)
        return node

    def dsn(self, dbname: str = "postgres") -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in PG_PORTS)
        return f"postgres://postgres@{hosts}/{dbname}?target_session_attrs=read-write"

    def patronictl(self, *args: str, timeout: float = 60) -> str:
        out = subprocess.run(["patronictl", "-c", str(self.workdir / "patroni1.yml"), *args], capture_output=True,
                             text=True, timeout=timeout)
        return out.stdout + out.stderr

    def pgbackrest(self, *args: str, timeout: float = 600) -> str:
        argv = ["pgbackrest", f"--config={self.workdir / 'pgbackrest.conf'}", f"--stanza={STANZA}", *args]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                             preexec_fn=_demote_to_postgres if os.geteuid() == 0 else None)
        if out.returncode:
            raise RuntimeError(f"pgbackrest {' '.join(args)} failed: {out.stdout[-2000:]}{out.stderr[-2000:]}")
        return out.stdout

    # --- Redis + Sentinel ---------------------------------------------------------------------
    def start_redis(self) -> None:
        primary, replica = REDIS_PORTS
        for name, port, extra in (("redis1", primary, []), ("redis2", replica, ["--replicaof", "127.0.0.1", str(primary)])):
            directory = self.workdir / name
            directory.mkdir(exist_ok=True)
            self._spawn(name, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(directory), *extra])
        for i, port in enumerate(SENTINEL_PORTS, 1):
            conf = self.workdir / f"sentinel{i}.conf"
            conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {self.workdir}\n"
                            f"sentinel monitor {MASTER} 127.0.0.1 {primary} 2\n"
                            f"sentinel down-after-milliseconds {MASTER} 2000\n"
                            f"sentinel failover-timeout {MASTER} 10000\nsentinel parallel-syncs {MASTER} 1\n")
            self._spawn(f"sentinel{i}", ["redis-sentinel", str(conf)])
        wait_for(lambda: self.redis_replicas_seen() >= 1, 30, "the Sentinels to see the replica")

    def _sentinel(self, port: int):
        import redis

        return redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1, decode_responses=True)

    def redis_primary_port(self) -> int | None:
        for port in SENTINEL_PORTS:
            try:
                host, master_port = self._sentinel(port).sentinel_get_master_addr_by_name(MASTER)
                return int(master_port)
            except Exception:  # noqa: BLE001 - next Sentinel
                continue
        return None

    def redis_replicas_seen(self) -> int:
        seen = []
        for port in SENTINEL_PORTS:
            try:
                seen.append(int(self._sentinel(port).sentinel_master(MASTER)["num-slaves"]))
            except Exception:  # noqa: BLE001
                seen.append(0)
        return min(seen)

    def kill_redis_primary(self) -> int:
        port = self.redis_primary_port()
        name = f"redis{REDIS_PORTS.index(port) + 1}"
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(10)
        return port

    def redis_url(self, db: int = 0) -> str:
        return "sentinel://" + ",".join(f"127.0.0.1:{p}" for p in SENTINEL_PORTS) + f"/{db}"
