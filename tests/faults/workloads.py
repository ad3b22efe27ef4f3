"""What clients send during the fault tests and the soak: citizens filing complaints over the
public API with an Idempotency-Key, retried with the same key until the ticket is stored."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from .harness import sql

COMPLAINT_PATH = "/api/public/tickets/"


def assert_complaint_api(base: str) -> None:
    """Fail (never skip) unless the app documents and routes the citizen complaint endpoint."""
    schema = httpx.get(f"{base}/api/schema/?format=json", timeout=20).json()
    assert "post" in schema.get("paths", {}).get(COMPLAINT_PATH, {}), f"POST {COMPLAINT_PATH} is not in the schema"


@dataclass
class Citizens:
    """Complaints with unique mobiles (so none is folded into another's open ticket)."""

    district_ids: list[int]
    categories: list[str]
    prefix: str = "7"

    @classmethod
    def from_db(cls, database_url: str, prefix: str = "7") -> Citizens:
        districts = [row[0] for row in sql(database_url, "SELECT id FROM accounts_district ORDER BY id")]
        categories = [row[0] for row in sql(database_url,
                                            "SELECT code FROM tickets_category WHERE is_active ORDER BY position, code")]
        assert districts and categories, "the database has no districts or categories (not seeded?)"
        return cls(districts, categories, prefix)

    def mobile(self, i: int) -> str:
        return f"{self.prefix}{i % 10**9:09d}"

    def payload(self, i: int) -> dict:
        return {
            "name": f"Citizen {i}", "mobile": self.mobile(i),
            "district": self.district_ids[i % len(self.district_ids)],
            "category": self.categories[i % len(self.categories)],
            "description": f"Load complaint {i}: OTP not received", "language": "hi" if i % 3 == 0 else "en",
        }

    def file(self, client: httpx.Client, base: str, i: int, key: str | None = None) -> httpx.Response:
        return client.post(f"{base}{COMPLAINT_PATH}", json=self.payload(i),
                           headers={"Idempotency-Key": key or f"c-{self.prefix}-{i}"})

    def file_until_stored(self, client: httpx.Client, base: str, i: int, deadline: float,
                          retry_on: tuple[int, ...] = (0, 503)) -> tuple[httpx.Response | None, list[int]]:
        """File complaint `i`, retrying with the same Idempotency-Key on `retry_on` statuses (0: no
        answer), as a client told to retry would, until `deadline` (monotonic).
        (last response, statuses seen)."""
        seen: list[int] = []
        response = None
        while time.monotonic() < deadline:
            try:
                response = self.file(client, base, i)
                seen.append(response.status_code)
                if response.status_code not in retry_on:
                    return response, seen
                delay = min(2.0, float(response.headers.get("Retry-After") or 0.5))
            except httpx.HTTPError:
                seen.append(0)
                delay = 0.5
            time.sleep(delay)
        return response, seen


def citizen_complaint_request(client: httpx.Client, base: str, i: int, citizens: Citizens) -> tuple[int, str]:
    response = citizens.file(client, base, i)
    return response.status_code, "complaint"


def login_session(base: str, username: str, password: str = "helpdesk-demo") -> dict[str, str]:
    """Log in through the login form; the session and CSRF cookies."""
    import re

    with httpx.Client(base_url=base, timeout=20, follow_redirects=False) as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = client.post("/accounts/login/", data={"username": username, "password": password,
                                                         "csrfmiddlewaretoken": token, "next": "/"})
        assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
        return dict(client.cookies)


class LiveListener:
    """A websocket client that behaves like static/js/live.js: connects, collects events, and
    reconnects (0.5 s backoff) whenever the socket closes. Runs in a thread."""

    def __init__(self, url: str, origin: str, cookies: dict[str, str] | None = None) -> None:
        import threading

        self.url = url
        self.origin = origin
        self.cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
        self.events: list[tuple[float, dict]] = []
        self.connects: list[float] = []
        self.closes: list[tuple[float, str]] = []
        self.is_open = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> LiveListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def connected(self) -> bool:
        return self.is_open

    def _run(self) -> None:
        import json

        from websockets.sync.client import connect

        headers = {"Cookie": self.cookie} if self.cookie else None
        while not self._stop.is_set():
            try:
                with connect(self.url, origin=self.origin, additional_headers=headers, open_timeout=5) as ws:
                    self.connects.append(time.monotonic())
                    self.is_open = True
                    while not self._stop.is_set():
                        try:
                            raw = ws.recv(timeout=0.5)
                        except TimeoutError:
                            continue
                        self.events.append((time.monotonic(), json.loads(raw)))
            except Exception as exc:  # noqa: BLE001 - any close or refusal: reconnect, like live.js
                self.closes.append((time.monotonic(), f"{type(exc).__name__}: {exc}"[:200]))
            self.is_open = False
            self._stop.wait(0.5)

    def saw(self, predicate, since: float = 0.0) -> bool:
        return any(at >= since and predicate(event) for at, event in list(self.events))
