"""Multi-process mode (PROMETHEUS_MULTIPROC_DIR, as bin/prod runs it): counters of every process
add up in one scrape, those of a process that exited included; the sockets gauge counts only the
processes still alive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

COUNT = """
import django, sys
django.setup()
from helpdesk import metrics
metrics.TICKETS_CREATED.labels(channel="web").inc(3)
metrics.LIVE_SOCKETS.inc(2)
print("counted", flush=True)
if sys.argv[1] == "stay":
    sys.stdin.read()  # alive until the test closes stdin
"""

SCRAPE = """
import django
django.setup()
from prometheus_client import generate_latest
from helpdesk import metrics
metrics.forget_dead_processes()
print(generate_latest(metrics.scrape_registry()).decode())
"""


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
            "PYTHONPATH": str(ROOT), "HELPDESK_VAR_DIR": str(tmp_path / "var")}


def _value(text: str, prefix: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(prefix + " ")]
    assert lines, f"{prefix} not in the scrape"
    return float(lines[0].rsplit(" ", 1)[1])


def test_counters_of_all_processes_add_up_and_dead_processes_sockets_drop(tmp_path):
    env = _env(tmp_path)
    (tmp_path / "prom").mkdir()
    done = subprocess.run([sys.executable, "-c", COUNT, "exit"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "counted", done.stderr
    alive = subprocess.Popen([sys.executable, "-c", COUNT, "stay"], env=env, cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert alive.stdout.readline().strip() == "counted"
        scrape = subprocess.run([sys.executable, "-c", SCRAPE], env=env, cwd=ROOT, capture_output=True, text=True,
                                timeout=120)
        assert scrape.returncode == 0, scrape.stderr
        text = scrape.stdout
        assert _value(text, 'helpdesk_tickets_created_total{channel="web"}') == 6
        assert _value(text, "helpdesk_live_sockets_connected") == 2  # the exited process's 2 are gone
        assert "process_resident_memory_bytes" in text
    finally:
        alive.stdin.close()
        alive.wait(timeout=30)
