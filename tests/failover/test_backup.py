"""Backups: pgBackRest archives WAL continuously and takes a base backup; `bin/pitr-restore`
restores to a point in time into a scratch cluster by one command. A private PostgreSQL 15 (its
own data directory, port 55403; the copy on 55404) is started here and stopped by pid."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SOURCE_PORT, COPY_PORT = 55403, 55404

pytestmark = pytest.mark.skipif(not (PG_BIN / "initdb").exists() or not shutil.which("pgbackrest"),
                                reason="needs PostgreSQL 15 and pgBackRest (Debian: pgbackrest; .ci/run installs it)")


def _as_postgres():
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)


def run(*argv: str, timeout: float = 300) -> str:
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, preexec_fn=_as_postgres)
    assert out.returncode == 0, f"{' '.join(argv)}: {out.stdout[-2000:]}{out.stderr[-2000:]}"
    return out.stdout


def psql(socket_dir: Path, port: int, query: str) -> str:
    return run(str(PG_BIN / "psql"), "-h", str(socket_dir), "-p", str(port), "-U", "postgres", "-d", "postgres",
               "-tAXc", query).strip()


def stop(data_dir: Path) -> None:
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGINT)  # fast shutdown of the server started here
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (data_dir / "postmaster.pid").exists():
        time.sleep(0.2)


@pytest.fixture
def archived_server():
    """A PostgreSQL with archive_command = pgbackrest archive-push, a stanza and a full backup. Under
    /tmp, not pytest's tmp_path: the postgres user must reach it (pytest's base directory is 0700)."""
    tmp_path = Path(tempfile.mkdtemp(prefix="hd-backup-test-"))
    os.chmod(tmp_path, 0o755)
    data, repo, conf = tmp_path / "data", tmp_path / "repo", tmp_path / "pgbackrest.conf"
    for directory in (repo, tmp_path / "log", tmp_path / "lock"):
        directory.mkdir()
    conf.write_text(f"[global]\nrepo1-path={repo}\nlog-path={tmp_path / 'log'}\nlock-path={tmp_path / 'lock'}\n"
                    "start-fast=y\nlog-level-console=warn\n\n"
                    f"[helpdesk]\npg1-path={data}\npg1-port={SOURCE_PORT}\npg1-socket-path={tmp_path}\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(tmp_path)], check=True)
    run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    with open(data / "postgresql.conf", "a") as handle:
        handle.write(f"port = {SOURCE_PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{tmp_path}'\n"
                     "wal_level = replica\narchive_mode = on\n"
                     f"archive_command = 'pgbackrest --config={conf} --stanza=helpdesk archive-push %p'\n")
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(tmp_path / "source.log"), "-w", "-t", "120", "start")
    try:
        run("pgbackrest", f"--config={conf}", "--stanza=helpdesk", "stanza-create")
        run("pgbackrest", f"--config={conf}", "--stanza=helpdesk", "check")
        run("pgbackrest", f"--config={conf}", "--stanza=helpdesk", "--type=full", "backup", timeout=600)
        yield tmp_path, conf
    finally:
        stop(tmp_path / "copy")
        stop(data)
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_restore_to_a_point_in_time_brings_back_what_was_committed_before_it_and_nothing_after(archived_server):
    tmp_path, conf = archived_server
    psql(tmp_path, SOURCE_PORT, "CREATE TABLE complaints (n int primary key, at timestamptz default now())")
    psql(tmp_path, SOURCE_PORT, "INSERT INTO complaints (n) SELECT generate_series(1, 50)")
    time.sleep(1.5)
    target = psql(tmp_path, SOURCE_PORT, "SELECT now()")
    time.sleep(1.5)
    psql(tmp_path, SOURCE_PORT, "INSERT INTO complaints (n) SELECT generate_series(51, 80)")
    psql(tmp_path, SOURCE_PORT, "SELECT pg_switch_wal()")  # the WAL with both inserts goes to the archive
    run("pgbackrest", f"--config={conf}", "--stanza=helpdesk", "check")  # waits until the segment is archived

    out = subprocess.run([str(ROOT / "bin/pitr-restore"), "--target", target, "--dir", str(tmp_path / "copy"),
                          "--port", str(COPY_PORT), "--config", str(conf)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert f"restored: postgres://postgres@127.0.0.1:{COPY_PORT}/helpdesk" in out.stdout
    # The copy: everything committed before the target, nothing after; it accepts writes (promoted).
    assert psql(tmp_path / "copy", COPY_PORT, "SELECT count(*), max(n) FROM complaints") == "50|50"
    assert psql(tmp_path / "copy", COPY_PORT, "SELECT pg_is_in_recovery()") == "f"
    # The source is untouched.
    assert psql(tmp_path, SOURCE_PORT, "SELECT count(*) FROM complaints") == "80"


def test_the_restore_command_refuses_a_directory_that_is_not_empty(tmp_path):
    (tmp_path / "something").write_text("x")
    conf = tmp_path / "pgbackrest.conf"
    conf.write_text("[global]\n")
    out = subprocess.run([str(ROOT / "bin/pitr-restore"), "--target", "latest", "--dir", str(tmp_path),
                          "--config", str(conf)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "is not empty" in out.stderr
    missing = subprocess.run([str(ROOT / "bin/pitr-restore"), "--dir", str(tmp_path / "new")], capture_output=True,
                             text=True, timeout=60)
    assert missing.returncode == 2 and "--target is required" in missing.stderr
