"""A short cache for the "period" tables (the "now" tables are never cached). The JSON API and
the pages share it, so a supervisor opening the dashboard and its charts computes each period
figure once per REPORTS_CACHE_SECONDS."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from .scope import Period, ReportScope
from .tables import Table, json_value


def cache_seconds() -> int:
    return getattr(settings, "REPORTS_CACHE_SECONDS", 60)


def _key(name: str, scope: ReportScope, window: Period | None, extra: tuple) -> str:
    return "reports:" + hashlib.sha256(
        repr((name, scope.district_id, window, get_language(), extra)).encode()).hexdigest()


def peek_json(name: str, scope: ReportScope, window: Period | None, extra: tuple = ()) -> dict[str, Any] | None:
    """The cached JSON of a table if some request computed it recently, else None."""
    if cache_seconds() <= 0:
        return None
    return cache.get(_key(name, scope, window, extra))


def cached_json(name: str, scope: ReportScope, window: Period | None, extra: tuple,
                build: Callable[[], Table]) -> dict[str, Any]:
    """The table's JSON, from the cache when fresh. Keyed by table, scope, window, language
    (labels are translated) and any other parameter (`extra`)."""
    seconds = cache_seconds()
    if seconds <= 0:
        return build().as_json()
    key = _key(name, scope, window, extra)
    data = cache.get(key)
    if data is None:
        data = build().as_json()
        data["computed_at"] = json_value(timezone.now())
        cache.set(key, data, seconds)
    return data


def computed_at(data: dict[str, Any]) -> dt.datetime | None:
    value = data.get("computed_at")
    return dt.datetime.fromisoformat(value) if value else None
