"""Through a real running server (uvicorn, started by `manage.py serve` on a free port) with a
real websocket client library: a supervisor opens, updates and resolves an incident over HTTP;
the public status socket and an agent's console socket see it live."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import websockets

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path, free_port):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(HELPDESK_VAR_DIR=str(tmp_path), FAST_PASSWORD_HASHER="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(free_port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{free_port}"
    deadline = time.monotonic() + 90
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
        raise AssertionError("server did not start")
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def login(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", data={
        "username": username, "password": "helpdesk-demo", "csrfmiddlewaretoken": client.cookies["csrftoken"]})
    assert response.status_code == 302, response.text
    return client


def api_post(client: httpx.Client, path: str, body: dict) -> dict:
    response = client.post(path, json=body, headers={"X-CSRFToken": client.cookies["csrftoken"]})
    assert response.status_code in (200, 201), response.text
    return response.json()


async def collect(ws, until: str, limit: int = 20) -> list[dict]:
    seen = []
    for _ in range(limit):
        event = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if event["type"] == "hello":  # the socket's sequence baseline, not an event
            continue
        seen.append(event)
        if event["type"] == until:
            return seen
    raise AssertionError(f"no {until} in {seen}")


@pytest.mark.slow
def test_incident_lifecycle_reaches_public_and_console_sockets_live(server):
    supervisor = login(server, "supervisor")
    agent = login(server, "agent")
    ws_base = server.replace("http", "ws")

    async def scenario():
        cookie = f"sessionid={agent.cookies['sessionid']}"
        async with websockets.connect(f"{ws_base}/ws/status/", origin=server) as public, \
                websockets.connect(f"{ws_base}/ws/console/", origin=server,
                                   additional_headers={"Cookie": cookie}) as console:
            incident = await asyncio.to_thread(api_post, supervisor, "/api/live/incidents/", {
                "title": "Slot booking failing", "title_hi": "स्लॉट बुकिंग विफल", "severity": "critical",
                "components": ["slot-booking"], "component_status": "major_outage",
                "body_en": "Investigating.", "body_hi": "जाँच जारी है।"})
            events = await collect(public, "incident.update")
            assert [e["type"] for e in events] == ["component.status", "incident.created", "incident.update"]
            assert events[1]["incident_id"] == incident["id"]
            assert (await collect(console, "incident.update"))[1]["incident_id"] == incident["id"]
            await asyncio.to_thread(api_post, supervisor, f"/api/live/incidents/{incident['id']}/transition/", {
                "status": "resolved", "restore_components": True, "body_en": "Fixed.", "body_hi": "ठीक हो गया।"})
            events = await collect(public, "incident.update")
            assert {"incident.status", "component.status"} <= {e["type"] for e in events}
            status = [e for e in events if e["type"] == "component.status"][0]
            assert status["status"] == "operational"
            page = await asyncio.to_thread(httpx.get, f"{server}/status/?partial=1")
            assert "Slot booking failing" in page.text  # resolved in the last 7 days

        with pytest.raises(websockets.exceptions.InvalidStatus):  # anonymous console: refused
            async with websockets.connect(f"{ws_base}/ws/console/", origin=server):
                pass

    run_in_own_loop(scenario)


def run_in_own_loop(scenario) -> None:
    """asyncio.run in a thread of its own: a session-wide browser fixture (Playwright's sync API)
    may keep an event loop running in the main thread."""
    errors: list[BaseException] = []

    def target():
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(120)
    if errors:
        raise errors[0]
