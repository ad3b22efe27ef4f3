"""The app as the README starts it: a real server process, real HTTP and a real websocket."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded_server(tmp_path, free_port):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(HELPDESK_VAR_DIR=str(tmp_path), FAST_PASSWORD_HASHER="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(free_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{free_port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read())
    else:
        proc.kill()
        raise AssertionError("server did not start: " + proc.stdout.read())
    yield base, proc
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.slow
def test_embedded_default_serves_http_and_websockets(embedded_server):
    base, proc = embedded_server
    health = httpx.get(f"{base}/healthz").json()
    assert health["checks"]["database"]["backend"] == "sqlite"
    assert health["checks"]["channel_layer"]["backend"] == "in-memory"

    # The synchronous client: no event loop of ours, whatever other fixtures run one.
    with connect(base.replace("http", "ws") + "/ws/echo/", origin=base, open_timeout=10) as ws:
        ws.send(json.dumps({"hello": "world"}))
        assert json.loads(ws.recv(timeout=5)) == {"echo": {"hello": "world"}}


@pytest.mark.slow
def test_websocket_from_a_foreign_origin_is_refused(embedded_server):
    base, _ = embedded_server

    with pytest.raises(InvalidStatus), connect(base.replace("http", "ws") + "/ws/echo/", origin="http://evil.example"):
        pass


@pytest.mark.slow
def test_the_run_command_prints_demo_logins(embedded_server):
    base, proc = embedded_server
    proc.terminate()
    out = proc.communicate(timeout=10)[0]
    assert "supervisor" in out and "helpdesk-demo" in out
    assert f"{base}/" in out
