"""The portal's API behind an adapter, so the replica can pull while the portal is up.

`PortalAdapter` is the interface; `HttpPortalAdapter` talks to the portal with httpx (CoWIN's
public calendar shape for centres and sessions, and a paged beneficiaries export); `portal_pull`
feeds whatever the adapter yields through the same row importers as file imports, as one ImportRun per kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Protocol

import httpx
from django.conf import settings
from django.db import transaction

from helpdesk.exceptions import ServiceUnavailable
from helpdesk.validation import today_ist

from .imports import import_process
from .models import ImportRun


class PortalAdapter(Protocol):
    name: str

    def centres(self, *, district_id: int, start: dt.date) -> Iterator[dict]:
        """CoWIN calendar centres (with nested sessions) of one district from `start`, 7 days."""

    def beneficiaries(self) -> Iterator[dict]:
        """CoWIN-shaped beneficiaries (with nested appointments); mobile and district_id included."""


class HttpPortalAdapter:
    name = "http"

    def __init__(self, base_url: str, api_key: str = "", *, client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=20, headers={"Authorization": f"Bearer {api_key}"} if api_key else {})

    def _get(self, path: str, params: dict) -> dict:
        try:
            response = self.client.get(f"{self.base_url}{path}", params=params)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ServiceUnavailable(f"The portal did not answer: {exc}", code="portal_unavailable") from exc

    def centres(self, *, district_id: int, start: dt.date) -> Iterator[dict]:
        data = self._get("/v2/appointment/sessions/public/calendarByDistrict",
                         {"district_id": district_id, "date": start.strftime("%d-%m-%Y")})
        for centre in data.get("centers", []):
            yield {"district_id": district_id, **centre}

    def beneficiaries(self) -> Iterator[dict]:
        page = 1
        while True:
            data = self._get("/helpdesk/beneficiaries", {"page": page})
            yield from data.get("beneficiaries", [])
            if not data.get("has_more"):
                return
            page += 1


def default_adapter() -> PortalAdapter:
    if not settings.PORTAL_API_URL:
        raise ServiceUnavailable("No portal API configured (PORTAL_API_URL).", code="portal_not_configured")
    return HttpPortalAdapter(settings.PORTAL_API_URL, settings.PORTAL_API_KEY)


def portal_pull(*, adapter: PortalAdapter, district_ids: list[int], user=None) -> list[ImportRun]:
    """Pull centres+sessions for each district, then beneficiaries+appointments; one run each."""
    start = today_ist()
    centres = [row for district_id in district_ids for row in adapter.centres(district_id=district_id, start=start)]
    beneficiaries = list(adapter.beneficiaries())
    runs = []
    for kind, rows in (("centres", centres), ("beneficiaries", beneficiaries)):
        with transaction.atomic():
            run = ImportRun.objects.create(kind=kind, source=f"portal:{adapter.name}", fmt="api", created_by=user)
        runs.append(import_process(run.pk, rows=rows))
    return runs
