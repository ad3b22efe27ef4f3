"""A portal adapter with fixed data (the outer edge faked for tests; product code has only the
HTTP adapter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator


class FakePortalAdapter:
    """Fixed data, for tests and demos."""

    name = "fake"

    def __init__(self, *, centres: dict[int, list[dict]] | None = None, beneficiaries: list[dict] | None = None) -> None:
        self._centres = centres or {}
        self._beneficiaries = beneficiaries or []

    def centres(self, *, district_id: int, start: dt.date) -> Iterator[dict]:
        for centre in self._centres.get(district_id, []):
            yield {"district_id": district_id, **centre}

    def beneficiaries(self) -> Iterator[dict]:
        yield from self._beneficiaries
