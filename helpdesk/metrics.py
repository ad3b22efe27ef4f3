"""Prometheus metrics: `GET /metrics` (the text exposition format), not public.

Two kinds of figures:
- **Events counted where they happen** (prometheus_client counters, gauges, histograms): tickets
  created, escalation steps fired, acknowledgements and their latency, live sockets and events,
  OTPs, HTTP responses. Counted after commit, so a rolled-back write counts nothing. With
  `PROMETHEUS_MULTIPROC_DIR` set (bin/prod sets it) every process (gunicorn workers, uvicorn,
  the Celery worker and beat) writes its values to files in that directory and a scrape of any web
  worker adds them up (prometheus_client's multi-process mode); unset (the embedded default: one
  process), they live in the process.
- **State read at scrape time** from the database (`register` adds a collector; escalation adds
  the outbox, the sweep and the unacknowledged P1s; this module adds the replication lag): the
  same answer whichever process is scraped, and right after a restart. A collector that fails
  (the database is down) does not fail the scrape: `helpdesk_metrics_collector_up{collector}` is 0.

Access (`metrics_view`): `Authorization: Bearer <METRICS_TOKEN>`, or a client address in
`METRICS_ALLOWED_NETWORKS`; neither configured, nobody (403).
"""

from __future__ import annotations

import glob
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from . import client

log = logging.getLogger(__name__)
disable_created_metrics()  # the `_created` series only double the exposition

# --- Counted where they happen ------------------------------------------------------------------
TICKETS_CREATED = Counter("helpdesk_tickets_created", "Tickets created, by channel (web, phone, api, sms).",
                          ["channel"])
ESCALATION_STEPS = Counter("helpdesk_escalation_steps_fired", "Escalation ladder steps fired, by level.",
                           ["level"])
ACKNOWLEDGEMENTS = Counter("helpdesk_acknowledgements",
                           "Escalation steps acknowledged, by how (app, link, api, sms, voice, behalf).", ["via"])
ACK_LATENCY = Histogram("helpdesk_acknowledgement_latency_seconds",
                        "From a step firing to its acknowledgement.", ["level"],
                        buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400))
LIVE_SOCKETS = Gauge("helpdesk_live_sockets_connected", "Websockets connected now (all ASGI processes).",
                     multiprocess_mode="livesum")
LIVE_EVENTS = Counter("helpdesk_live_events_sent", "Live events sent down websockets.")
OTPS_SENT = Counter("helpdesk_otp_sent", "OTP messages queued for sending.")
OTPS_REFUSED = Counter("helpdesk_otp_refused", "OTP requests and confirmations refused, by reason (the error code).",
                       ["reason"])
HTTP_RESPONSES = Counter("helpdesk_http_responses", "HTTP responses, by method and status code.",
                         ["method", "status"])
HTTP_DURATION = Histogram("helpdesk_http_request_duration_seconds", "Time to produce an HTTP response.",
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def after_commit(fn: Callable[[], None]) -> None:
    """Count when the transaction around the caller commits (at once outside one)."""
    transaction.on_commit(fn)


def ticket_created(channel: str) -> None:
    after_commit(lambda: TICKETS_CREATED.labels(channel=channel).inc())


def step_fired(level: int) -> None:
    after_commit(lambda: ESCALATION_STEPS.labels(level=str(level)).inc())


def steps_acknowledged(via: str, latencies: Iterable[tuple[int, float]]) -> None:
    """`latencies`: (level, seconds from firing) of each step this acknowledgement answered."""
    latencies = list(latencies)

    def count() -> None:
        ACKNOWLEDGEMENTS.labels(via=via or "unknown").inc()
        for level, seconds in latencies:
            ACK_LATENCY.labels(level=str(level)).observe(max(0.0, seconds))
    after_commit(count)


def otp_sent() -> None:
    after_commit(OTPS_SENT.inc)


def otp_refused(reason: str) -> None:
    OTPS_REFUSED.labels(reason=reason or "unknown").inc()


class MetricsMiddleware:
    """Outermost but the request id: every response counted, the fast path's included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "other"
        HTTP_RESPONSES.labels(method=method, status=str(response.status_code)).inc()
        HTTP_DURATION.observe(time.perf_counter() - started)
        return response


# --- Read at scrape time ------------------------------------------------------------------------
_COLLECTORS: dict[str, Callable[[], Iterable[Metric]]] = {}


def register(name: str, collect: Callable[[], Iterable[Metric]]) -> None:
    """Add a scrape-time collector (apps call this from `AppConfig.ready`): `collect()` yields
    metric families (prometheus_client.core) read from the database."""
    _COLLECTORS[name] = collect


class _StateCollector:
    def collect(self):
        up = GaugeMetricFamily("helpdesk_metrics_collector_up",
                               "1 when the collector could read its figures at this scrape.", labels=["collector"])
        database_down = False
        for name, collect in list(_COLLECTORS.items()):
            if database_down:  # one connect timeout per scrape, not one per collector
                up.add_metric([name], 0)
                continue
            try:
                families = list(collect())
            except Exception as exc:  # a dependency is down: say so, keep the rest of the scrape
                log.warning("metrics collector %s failed", name, exc_info=True)
                up.add_metric([name], 0)
                database_down = isinstance(exc, (OperationalError, InterfaceError))
                continue
            finally:
                if not connection.in_atomic_block:
                    connection.close_if_unusable_or_obsolete()
            up.add_metric([name], 1)
            yield from families
        yield up


def replication() -> Iterable[Metric]:
    """Replication as this app's database sees it. On a primary: each replica's replay lag
    (pg_stat_replication); on a replica: the age of the last replayed transaction. Not
    PostgreSQL, or a primary without replicas: `helpdesk_db_replicas` 0 and no lag series."""
    in_recovery = GaugeMetricFamily("helpdesk_db_in_recovery", "1 when the app's database is a replica.")
    replicas = GaugeMetricFamily("helpdesk_db_replicas", "Replicas streaming from the app's database.")
    lag = GaugeMetricFamily("helpdesk_db_replica_lag_seconds",
                            "Replication lag: per replica on a primary (replay_lag), or this replica's replay delay.",
                            labels=["replica"])
    if connection.vendor != "postgresql":
        in_recovery.add_metric([], 0)
        replicas.add_metric([], 0)
        return [in_recovery, replicas, lag]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        recovering = bool(cursor.fetchone()[0])
        in_recovery.add_metric([], int(recovering))
        if recovering:
            # No transaction replayed yet: NULL; an idle primary leaves this growing, as
            # PostgreSQL's documentation warns, so it is a ceiling of the lag.
            cursor.execute("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
            value = cursor.fetchone()[0]
            replicas.add_metric([], 0)
            if value is not None:
                lag.add_metric(["self"], max(0.0, float(value)))
        else:
            cursor.execute("SELECT application_name, EXTRACT(EPOCH FROM COALESCE(replay_lag, interval '0')) "
                           "FROM pg_stat_replication")
            rows = cursor.fetchall()
            replicas.add_metric([], len(rows))
            for name, value in rows:
                lag.add_metric([name or "replica"], float(value or 0))
    return [in_recovery, replicas, lag]


register("replication", replication)

_scrape_registry: CollectorRegistry | None = None


def scrape_registry() -> CollectorRegistry:
    """Multi-process: the values of every process's files, this process's own process metrics
    and the scrape-time state. Otherwise: the process's default registry (process, platform and
    GC metrics included) plus the state."""
    global _scrape_registry
    if _scrape_registry is None:
        if settings.PROMETHEUS_MULTIPROC_DIR:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
            ProcessCollector(registry=registry)
        else:
            registry = REGISTRY
        registry.register(_StateCollector())
        _scrape_registry = registry
    return _scrape_registry


def _allowed(request) -> tuple[bool, int, str]:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        if hmac.compare_digest(header[7:].strip().encode(), token.encode()):
            return True, 200, ""
        return False, 401, "The metrics token is not valid."
    if client.in_networks(client.client_address(request), settings.METRICS_ALLOWED_NETWORKS):
        return True, 200, ""
    if token:
        return False, 401, "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>."
    if not settings.METRICS_ALLOWED_NETWORKS:
        return False, 403, "Metrics are off: set METRICS_TOKEN or METRICS_ALLOWED_NETWORKS."
    return False, 403, "This address may not read the metrics."


def forget_dead_processes() -> None:
    """Multi-process mode: drop the live gauges (sockets connected) of processes that died
    without saying so (a killed uvicorn restarted by supervisord); their counters stay counted."""
    directory = settings.PROMETHEUS_MULTIPROC_DIR
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        try:
            pid = int(path.rsplit("_", 1)[1].split(".", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except (ValueError, PermissionError):
            continue


@never_cache
def metrics_view(request):
    ok, status, message = _allowed(request)
    if not ok:
        response = JsonResponse({"detail": message, "code": "metrics_forbidden"}, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if settings.PROMETHEUS_MULTIPROC_DIR:
        forget_dead_processes()
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
