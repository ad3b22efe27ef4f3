"""Liveness and readiness.

- `/livez`: the process answers (no dependency is touched): 200 while it can serve at all.
- `/readyz`: each dependency, by name: `database`, `cache`, `channel_layer`, `task_queue` (the
  last three are Redis in the production shape) and the checks other apps register (escalation
  registers `sweep`, the SLA sweep's heartbeat). 503 when one the web needs (database, Redis)
  is down; 200 with status "degraded" when only a background job is stale (the web can still
  take complaints: pulling it out of a load balancer would make things worse). `down` names what
  is down ("database", "redis", "sweep"); a failure is a short code, never exception text (the
  details go to the log).
- `/healthz`: the same answer as `/readyz`, for the clients that already use it.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from helpdesk.backends import redis_client
from helpdesk.celery import app

log = logging.getLogger(__name__)


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"backend": connection.vendor}


def _check_cache() -> dict:
    key = "healthz:probe"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _ping_redis(url: str) -> None:
    client = redis_client(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def _check_channel_layer() -> dict:
    if settings.EMBEDDED:
        return {"backend": "in-memory"}
    _ping_redis(settings.REDIS_URL)
    return {"backend": "redis"}


def _check_task_queue() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"backend": "in-process"}
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis"):
        _ping_redis(broker)
        return {"backend": "redis"}

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"backend": broker.split(":", 1)[0]}


# name -> (check, needed by the web, dependency it reports when it fails)
_CHECKS: dict[str, tuple[Callable[[], dict], bool, str]] = {
    "database": (_check_database, True, "database"),
    "cache": (_check_cache, True, "redis"),
    "channel_layer": (_check_channel_layer, True, "redis"),
    "task_queue": (_check_task_queue, True, "redis"),
}


def register(name: str, check: Callable[[], dict], *, needed: bool, dependency: str | None = None) -> None:
    """Add a readiness check (apps call this from `AppConfig.ready`). `check()` returns a dict
    with "ok" (default True) and figures; raising counts as down. `needed`: whether the web
    cannot serve without it (503) or it only degrades the service (200, status "degraded")."""
    _CHECKS[name] = (check, needed, dependency or name)


def _failure_code(exc: Exception) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout, redis.TimeoutError)):
        return "timeout"
    return "unavailable"


def run_checks() -> tuple[str, list[str], dict[str, dict[str, object]]]:
    """(status "ok" | "degraded" | "unavailable", dependencies down, per-check results)."""
    results: dict[str, dict[str, object]] = {}
    down: list[str] = []
    status = "ok"
    for name, (check, needed, dependency) in _CHECKS.items():
        started = time.perf_counter()
        try:
            result = {"ok": True, **check()}
        except Exception as exc:  # any failure of a dependency is reported, not raised
            log.warning("readiness check %s failed", name, exc_info=True)
            result = {"ok": False, "error": _failure_code(exc)}
        if result.get("backend") is None:
            result.pop("backend", None)
        if not result["ok"]:
            if dependency not in down:
                down.append(dependency)
            status = "unavailable" if needed else (status if status == "unavailable" else "degraded")
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return status, down, results


@never_cache
def livez(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    status, down, results = run_checks()
    return JsonResponse({"status": status, "down": down, "checks": results},
                        status=503 if status == "unavailable" else 200)


healthz = readyz
