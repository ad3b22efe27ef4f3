"""/healthz: the state of the database, the cache, the channel layer and the task queue."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _check_cache() -> str:
    key = "healthz:probe"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _ping_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def _check_channel_layer() -> str:
    if settings.EMBEDDED:
        return "in-memory"
    _ping_redis(settings.REDIS_URL)
    return "redis"


def _check_task_queue() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis"):
        _ping_redis(broker)
        return "redis"
    from helpdesk.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return broker.split(":", 1)[0]


CHECKS: dict[str, Callable[[], str]] = {
    "database": _check_database,
    "cache": _check_cache,
    "channel_layer": _check_channel_layer,
    "task_queue": _check_task_queue,
}


def run_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            backend = check()
            results[name] = {"ok": True, "backend": backend}
        except Exception as exc:  # any failure of a dependency is reported, not raised
            healthy = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, results


@never_cache
def healthz(request):
    healthy, results = run_checks()
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": results}, status=200 if healthy else 503)
