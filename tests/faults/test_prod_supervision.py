"""bin/prod supervises its four processes: each of gunicorn, uvicorn, the Celery worker and beat,
killed with SIGKILL, is started again while the other three keep running (before, `wait -n`
and the trap stopped all of them). And with HELPDESK_VAR_DIR elsewhere, beat keeps its schedule
there (before, `--schedule var/celerybeat-schedule` failed without ./var and bin/prod exited
within 2 s).

    pytest tests/faults/test_prod_supervision.py -s
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time

import httpx
import pytest

from .harness import BIN, ROOT, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PROGRAMS = ("web", "ws", "worker", "beat")


def _pids(env: dict[str, str]) -> dict[str, int]:
    """{program: pid} of the programs supervisord reports RUNNING."""
    out = subprocess.run([str(BIN / "supervisorctl"), "-c", "deploy/supervisord.conf", "status"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=20).stdout
    pids = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] == "RUNNING" and parts[2] == "pid":
            pids[parts[0]] = int(parts[3].rstrip(","))
    return pids


def _answers(url: str) -> bool:
    return httpx.get(url, timeout=3).status_code in (200, 503)


def test_bin_prod_restarts_each_dead_process_and_keeps_beat_state_in_the_var_dir(stack, tmp_path):
    var_dir = tmp_path / "elsewhere" / "state"  # does not exist yet: bin/prod creates it
    web_port, ws_port = free_port(), free_port()
    env = stack.env(HELPDESK_VAR_DIR=str(var_dir), WEB_PORT=str(web_port), WS_PORT=str(ws_port), WEB_WORKERS="1",
                    CELERY_CONCURRENCY="1", BIN=str(BIN),
                    SECRET_KEY=secrets.token_urlsafe(50))  # production mode refuses the development key
    log_path = tmp_path / "prod.log"
    with open(log_path, "wb") as log:
        prod = subprocess.Popen([str(ROOT / "bin" / "prod")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def prod_log() -> str:
        if prod.poll() is not None:
            raise AssertionError(f"bin/prod exited ({prod.returncode}): {log_path.read_text(errors='replace')[-4000:]}")
        return log_path.read_text(errors="replace")[-4000:]

    def answering(*urls: str) -> bool:
        prod_log()  # fails at once if bin/prod exited
        return all(_answers(url) for url in urls)

    try:
        web, ws = f"http://127.0.0.1:{web_port}/healthz", f"http://127.0.0.1:{ws_port}/healthz"
        wait_for(lambda: answering(web, ws), 90, what="gunicorn and uvicorn under bin/prod")
        wait_for(lambda: set(_pids(env)) == set(PROGRAMS), 60, what=f"all four programs running: {prod_log()}")
        schedule = var_dir / "celerybeat-schedule"
        wait_for(lambda: any(p.name.startswith("celerybeat-schedule") for p in var_dir.iterdir()), 30,
                 what=f"beat's schedule under HELPDESK_VAR_DIR: {prod_log()}")
        time.sleep(3)
        assert prod.poll() is None, f"bin/prod exited: {prod_log()}"
        assert set(_pids(env)) == set(PROGRAMS), f"a program stopped: {prod_log()}"
        print(f"\nbeat schedule: {sorted(p.name for p in var_dir.iterdir() if 'celerybeat' in p.name)} "
              f"under {var_dir} (asked for {schedule.name})")

        for name in PROGRAMS:
            before = _pids(env)
            killed_at = time.monotonic()
            os.kill(before[name], signal.SIGKILL)
            wait_for(lambda n=name, b=before: _pids(env).get(n) not in (None, b[n]), 60,
                     what=f"supervisord to restart {name}: {prod_log()}")
            if name == "web":
                wait_for(lambda: _answers(web), 60, what=f"gunicorn answering again: {prod_log()}")
            if name == "ws":
                wait_for(lambda: _answers(ws), 60, what=f"uvicorn answering again: {prod_log()}")
            restarted = _pids(env)[name]
            time.sleep(2)
            after = _pids(env)
            assert after.get(name) == restarted, f"{name} did not stay up after its restart: {prod_log()}"
            others = {k: v for k, v in after.items() if k != name}
            assert others == {k: v for k, v in before.items() if k != name}, \
                f"killing {name} disturbed the others: {before} -> {after}"
            print(f"{name}: pid {before[name]} killed, pid {after[name]} running after "
                  f"{time.monotonic() - killed_at:.1f} s (answering); others untouched")
        assert prod.poll() is None, f"bin/prod exited: {prod_log()}"
        assert _answers(web) and _answers(ws)
    finally:
        if prod.poll() is None:
            prod.send_signal(signal.SIGTERM)  # supervisord stops the four programs
            try:
                prod.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(prod.pid, signal.SIGKILL)
                prod.wait(10)
    leftover = subprocess.run(["pgrep", "-f", f"127.0.0.1:{web_port}"], capture_output=True, text=True).stdout.split()
    assert not leftover, f"processes left after bin/prod stopped: {leftover}"
