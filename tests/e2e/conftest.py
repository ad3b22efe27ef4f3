"""Browser journeys: the app started as the README starts it (`manage.py serve`, the embedded
default, on a free port with its own HELPDESK_VAR_DIR), driven by Playwright through Debian's
Chromium (/usr/bin/chromium; no browser download).

Fixtures:
- `app_server`: one server for the whole session; `.url(path)`, `.sql(query)` (reads the
  server's SQLite file), `.django(code)` (runs a snippet with the server's settings, prints JSON);
- `browser`: one headless Chromium; `new_page(**context_options)` opens a page in a fresh context
  (separate cookies: two agents are two contexts);
- `login(page, username)`: logs a demo user in through the login form.

A failing test saves a screenshot of every page it opened under test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEMO_PASSWORD = "helpdesk-demo"
CTI_SECRET = "e2e-cti-secret"
# Counts the page's websockets, so a journey can wait until live.js is connected.
SOCKET_PROBE = """(() => {
  const Native = window.WebSocket;
  if (!Native) return;
  window.__e2eSockets = [];
  class Probe extends Native {
    constructor(...args) { super(...args); window.__e2eSockets.push(this); }
  }
  window.WebSocket = Probe;
})();"""
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def chromium_missing() -> str | None:
    """Why the journeys cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - a dev dependency
        return "playwright is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`manage.py serve` in a subprocess, on the embedded default, with its own var dir."""

    def __init__(self, var_dir: Path, port: int, extra_env: dict[str, str] | None = None) -> None:
        self.var_dir = var_dir
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CHANNEL_PREFIX")}
        env.update(
            HELPDESK_VAR_DIR=str(var_dir), FAST_PASSWORD_HASHER="1", PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8",
            SITE_URL=self.base, SLA_SWEEP_SECONDS="1",
            # Journeys file many things from one address; the limits have their own tests.
            RATE_ANON_IP="10000/min", RATE_ANON_MOBILE="1000/min", RATE_OTP_IP="1000/hour",
            RATE_OTP_MOBILE="1000/hour", OTP_RESEND_SECONDS="1",  # journeys log in with the same demo mobile
            CTI_WEBHOOK_SECRET=CTI_SECRET,  # the telephony webhook journeys sign with it
        )
        env.update(extra_env or {})
        self.env = env
        self.log_path = var_dir / "server.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> None:
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s: {self.log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def url(self, path: str) -> str:
        return self.base + path

    def has_path(self, path: str) -> bool:
        """Whether the app routes `path` at all (anything but 404)."""
        return httpx.get(self.url(path), follow_redirects=False, timeout=10).status_code != 404

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Read the server's SQLite database (WAL: readers never block the server)."""
        con = sqlite3.connect(f"file:{self.var_dir / 'helpdesk.sqlite3'}?mode=ro", uri=True, timeout=20)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def django(self, code: str, timeout: float = 60) -> object:
        """Run `code` with the server's settings (django set up); it assigns `result`, returned
        here through JSON. Used for setup the UI does not offer and for reading the outbox."""
        script = (
            "import django, json, os\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'helpdesk.settings')\n"
            "django.setup()\n"
            "result = None\n" + code + "\n"
            "print('@@RESULT@@' + json.dumps(result, default=str))\n"
        )
        out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=self.env, capture_output=True,
                             text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"snippet failed: {out.stderr[-3000:]}")
        marker = out.stdout.rsplit("@@RESULT@@", 1)
        return json.loads(marker[1]) if len(marker) == 2 else None

    def outbox(self, recipient_suffix: str, since_id: int = 0) -> list[dict]:
        """Outbox rows whose recipient ends with `recipient_suffix` (a mobile or an email)."""
        rows = self.sql(
            "SELECT id, channel, recipient, body, status FROM escalation_outboxmessage "
            "WHERE recipient LIKE ? AND id > ? ORDER BY id", (f"%{recipient_suffix}", since_id))
        return [dict(zip(("id", "channel", "recipient", "body", "status"), row, strict=True)) for row in rows]

    def wait_outbox(self, recipient_suffix: str, pattern: str, since_id: int = 0, timeout: float = 30) -> re.Match:
        """Wait until an outbox message to `recipient_suffix` matches `pattern`; the match."""
        deadline = time.monotonic() + timeout
        seen: list[dict] = []
        while time.monotonic() < deadline:
            seen = self.outbox(recipient_suffix, since_id)
            for row in reversed(seen):
                match = re.search(pattern, row["body"])
                if match:
                    return match
            time.sleep(0.3)
        raise AssertionError(f"no outbox message to *{recipient_suffix} matching {pattern!r}; saw {seen}")

    def wait_sms(self, mobile: str, pattern: str, since: int = 0, timeout: float = 30) -> re.Match:
        """Wait until the console SMS gateway (the server's log) shows an SMS to `mobile` matching
        `pattern`, after the log's first `since` characters: what the phone received. An OTP is
        redacted in the outbox once sent, so it is read here."""
        deadline = time.monotonic() + timeout
        line = re.compile(rf"SMS to {re.escape(mobile)}: (.*)")
        while time.monotonic() < deadline:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")[since:]
            for found in reversed(line.findall(text)):
                match = re.search(pattern, found)
                if match:
                    return match
            time.sleep(0.3)
        raise AssertionError(f"no SMS to {mobile} matching {pattern!r} in the server log")

    def log_size(self) -> int:
        return len(self.log_path.read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="session")
def app_server():
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    with tempfile.TemporaryDirectory(prefix="hd-e2e-") as tmp:
        server = AppServer(Path(tmp), _free_port())
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def browser():
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, request):
    """Open a page in a fresh browser context; screenshots of every page if the test fails."""
    contexts = []

    def open_page(**options):
        options.setdefault("locale", "en-IN")
        options.setdefault("timezone_id", "Asia/Kolkata")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.add_init_script(SOCKET_PROBE)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for c_index, context in enumerate(contexts):
            for p_index, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{c_index}-{p_index}.png"), full_page=True)
                except Exception:  # noqa: BLE001 - a closed page must not hide the real failure
                    pass
        if "app_server" in request.fixturenames:
            (ARTIFACTS / f"{name}-server.log").write_text(request.getfixturevalue("app_server").log())
    for context in contexts:
        context.close()


@pytest.fixture
def login(app_server):
    def do_login(page, username: str, password: str = DEMO_PASSWORD, next_path: str = "/") -> None:
        page.goto(app_server.url(f"/accounts/login/?next={next_path}"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form.stack button[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"login as {username} failed"

    return do_login


def wait_live(page, timeout: float = 15_000) -> None:
    """Wait until the page's live.js websocket is open (and has had a moment to join its groups)."""
    page.wait_for_function("() => (window.__e2eSockets || []).some(s => s.readyState === 1)", timeout=timeout)
    page.wait_for_timeout(300)


def assert_routed(app_server, path: str, feature: str) -> None:
    """Fail (never skip) when a route a journey drives answers 404: a broken or missing route is a
    defect, not a feature left for later."""
    assert app_server.has_path(path), f"{feature}: {path} answers 404"
