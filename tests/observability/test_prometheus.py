"""A real Prometheus (the Debian package) scrapes the app's /metrics from a live server, loads
deploy/prometheus/rules.yml and fires an alert: an outbox message left pending for ten minutes
makes HelpdeskOutboxStuck fire in /api/v1/alerts, and only that one of the helpdesk's alerts.
promtool checks the rules and runs their unit tests. Prometheus is started on a port of 9401-9499
and stopped by its PID; the whole test is bounded (60 s of waiting at most)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
TOKEN = "scrape-token-for-the-test"


def _binary(name: str) -> str:
    """The Debian package's binary, installed when missing and apt-get can (CI installs it too)."""
    found = shutil.which(name)
    if found is None and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus"], capture_output=True, timeout=600)
        found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed and could not be (Debian package `prometheus`)")
    return found


def _port() -> int:
    for port in range(9401, 9500):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 9401-9499")


def _get(base: str, path: str, **params) -> dict:
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait(what: str, predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except OSError as exc:  # not listening yet
            last = exc
        else:
            if last:
                return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last answer: {last!r}")


def test_promtool_checks_the_rules_and_their_unit_tests():
    promtool = _binary("promtool")
    check = subprocess.run([promtool, "check", "rules", str(RULES / "rules.yml")], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 9 rules found" in check.stdout
    units = subprocess.run([promtool, "test", "rules", "rules_test.yml"], cwd=RULES, capture_output=True,
                           text=True, timeout=60)
    assert units.returncode == 0, units.stdout + units.stderr


@pytest.mark.slow
def test_prometheus_scrapes_the_app_and_fires_the_outbox_alert(live_server, settings, tmp_path):
    from accounts.models import District
    from notifications.models import OutboxMessage
    from tickets import services as ts
    from tickets.models import Category

    prometheus = _binary("prometheus")
    settings.METRICS_TOKEN = TOKEN
    ts.ticket_create(district=District.objects.get(code="raipur"), category=Category.objects.order_by("position").first(),
                     description="Portal down", requester_kind="citizen", channel="phone",
                     actor=ts.Actor(label="citizen"), requester_mobile="")
    stuck = OutboxMessage.objects.create(idempotency_key="test:stuck", channel="sms", recipient="9800000001",
                                         body="Your complaint is registered")
    OutboxMessage.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))

    target = urllib.parse.urlsplit(live_server.url).netloc
    port = _port()
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {RULES / "rules.yml"}
scrape_configs:
  - job_name: helpdesk
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials: {TOKEN}
    static_configs:
      - targets: ["{target}"]
""")
    log = (tmp_path / "prometheus.log").open("w")
    proc = subprocess.Popen([prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait("Prometheus ready", lambda: urllib.request.urlopen(f"{base}/-/ready", timeout=2).status == 200)
        targets = _wait("the helpdesk scraped", lambda: [
            t for t in _get(base, "/api/v1/targets")["data"]["activeTargets"] if t["health"] == "up"])
        assert targets[0]["labels"]["job"] == "helpdesk"

        def value(query: str):
            result = _get(base, "/api/v1/query", query=query)["data"]["result"]
            return float(result[0]["value"][1]) if result else None

        assert _wait("the stuck message's age", lambda: (value("helpdesk_outbox_oldest_pending_seconds") or 0) > 590)
        assert value('helpdesk_outbox_messages{status="pending"}') == 1
        assert value('helpdesk_tickets_created_total{channel="phone"}') >= 1
        assert value("process_resident_memory_bytes") > 0  # the process metrics come along
        assert value('helpdesk_metrics_collector_up{collector="outbox"}') == 1

        def firing():
            alerts = _get(base, "/api/v1/alerts")["data"]["alerts"]
            return [a for a in alerts if a["state"] == "firing"]

        alerts = _wait("HelpdeskOutboxStuck firing", firing)
        names = {a["labels"]["alertname"] for a in alerts}
        assert names == {"HelpdeskOutboxStuck"}, alerts
        stuck_alert = alerts[0]
        assert stuck_alert["annotations"]["summary"].startswith("A notification has waited 10m")
        assert "runbook" in stuck_alert["annotations"]

        # Sent: the figure drops to 0 and the alert resolves at the next evaluations.
        OutboxMessage.objects.filter(pk=stuck.pk).update(status="sent", sent_at=timezone.now())
        _wait("the alert resolved", lambda: not firing())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
