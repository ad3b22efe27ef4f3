"""The backup half of `make failover`: a full pgBackRest backup of the Patroni cluster before the
drill, and after it a point-in-time restore (bin/pitr-restore) into a scratch cluster, checked
against what the citizens were told: every complaint acknowledged before the target is in the copy,
one filed after it is not. The copy is stopped by its pid."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.faults.harness import sql

ROOT = Path(__file__).resolve().parents[2]
PITR_PORT = 55421


def take_base_backup(cluster) -> float:
    started = time.monotonic()
    cluster.pgbackrest("stanza-create")
    cluster.pgbackrest("check")
    cluster.pgbackrest("--type=full", "backup")
    return time.monotonic() - started


def restore_and_check(cluster, database_url: str, acknowledged_mobiles: list[str], file_one_more) -> dict:
    """Target = now on the primary; one more complaint filed after it; restore to the target."""
    time.sleep(1.0)
    (target,) = sql(database_url, "SELECT to_char(now(), 'YYYY-MM-DD HH24:MI:SS.MSTZH:TZM')")[0]
    time.sleep(1.5)
    late_mobile = file_one_more()
    sql(database_url, "SELECT pg_switch_wal()")
    cluster.pgbackrest("check")  # waits until that WAL segment is in the repository
    directory = cluster.workdir / "pitr"
    started = time.monotonic()
    out = subprocess.run([str(ROOT / "bin/pitr-restore"), "--target", target, "--dir", str(directory), "--port",
                          str(PITR_PORT), "--config", str(cluster.workdir / "pgbackrest.conf")],
                         capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    result = {"target": target, "restore_s": seconds, "ok": out.returncode == 0,
              "output": (out.stdout + out.stderr)[-1500:]}
    if out.returncode == 0:
        try:
            copy = f"postgres://postgres@127.0.0.1:{PITR_PORT}/helpdesk"
            present = {m for (m,) in sql(copy, "SELECT requester_mobile FROM tickets_ticket WHERE requester_mobile = ANY(%s)",
                                         (acknowledged_mobiles + [late_mobile],))}
            result.update(missing=len(set(acknowledged_mobiles) - present), late_present=late_mobile in present,
                          acknowledged=len(acknowledged_mobiles))
        finally:
            stop_copy(directory)
    return result


def stop_copy(directory: Path) -> None:
    try:
        pid = int((directory / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGINT)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (directory / "postmaster.pid").exists():
        time.sleep(0.2)
