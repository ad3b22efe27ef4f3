"""What clients send during the fault tests and the soak: citizens filing complaints over the
public API with an Idempotency-Key, retried with the same key until the ticket is stored."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from .harness import sql

COMPLAINT_PATH = "/api/public/tickets/"


def has_complaint_api(base: str) -> bool:
    """Whether the app documents the citizen complaint endpoint."""
    try:
        schema = httpx.get(f"{base}/api/schema/?format=json", timeout=20).json()
    except (httpx.HTTPError, ValueError):
        return False
    return "post" in schema.get("paths", {}).get(COMPLAINT_PATH, {})


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

    def file_until_stored(self, client: httpx.Client, base: str, i: int, deadline: float) -> tuple[httpx.Response | None, list[int]]:
        """File complaint `i`, retrying with the same Idempotency-Key on 503 or no answer, as a
        client told to retry would, until `deadline` (monotonic). (last response, statuses seen)."""
        seen: list[int] = []
        response = None
        while time.monotonic() < deadline:
            try:
                response = self.file(client, base, i)
                seen.append(response.status_code)
                if response.status_code != 503:
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
