"""The SLA sweep's heartbeat and the watchdog that alerts supervisors when it stops.

Every sweep stamps its run (`heartbeat_stamp`). `heartbeat_status` says how old the stamp is
(for /readyz and the supervisors' dashboard). The watchdog (`heartbeat_watch`, run every
HEARTBEAT_CHECK_SECONDS by a thread in Celery beat, or in `manage.py serve` on the embedded
default: never by the worker it watches) raises one alert per outage when the stamp is older than
SWEEP_STALE_SECONDS: one SMS (email without a mobile) per supervisor through the outbox, sent
by the watchdog itself, since the worker that normally delivers the outbox may be the dead one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications import outbox
from notifications.models import OutboxMessage

from .models import Heartbeat, HeartbeatAlert

log = logging.getLogger(__name__)
SWEEP = "sweep"


def heartbeat_stamp(*, name: str = SWEEP, started_at: dt.datetime, processed: int) -> None:
    """Record that job `name` ran to the end (started at `started_at`, `processed` rows). One
    UPDATE (an INSERT the first time); no lock held beyond that statement, nothing after commit."""
    now = timezone.now()
    values = {"last_run_at": now, "last_processed": processed,
              "last_duration_ms": max(0, int((now - started_at).total_seconds() * 1000))}
    if not Heartbeat.objects.filter(name=name).update(**values):
        try:
            with transaction.atomic():
                Heartbeat.objects.create(name=name, **values)
        except IntegrityError:  # created by a parallel sweep meanwhile
            Heartbeat.objects.filter(name=name).update(**values)


@dataclass(frozen=True)
class HeartbeatStatus:
    name: str
    last_run_at: dt.datetime | None
    age_seconds: int | None  # since the last run; None: never ran
    stale: bool
    stale_after_seconds: int
    stale_since: dt.datetime | None  # the outage's name: last run, or when watching began


def heartbeat_status(*, name: str = SWEEP, now: dt.datetime | None = None) -> HeartbeatStatus:
    """How fresh job `name` is. A job that never ran is stale once its row (created by the first
    watchdog check) is older than the threshold; with no row at all it is not (yet) stale."""
    now = now or timezone.now()
    limit = settings.SWEEP_STALE_SECONDS
    row = Heartbeat.objects.filter(name=name).only("last_run_at", "created_at").first()
    if row is None:
        return HeartbeatStatus(name, None, None, False, limit, None)
    since = row.last_run_at or row.created_at
    age = max(0, int((now - since).total_seconds()))
    return HeartbeatStatus(name, row.last_run_at, age if row.last_run_at else None, age > limit, limit, since)


def readiness_check() -> dict:
    """/readyz's "sweep" entry: ok unless stale, and how long ago it last ran."""
    status = heartbeat_status()
    return {"ok": not status.stale, "last_run_seconds_ago": status.age_seconds,
            "stale_after_seconds": status.stale_after_seconds}


def _supervisors():
    return User.objects.filter(is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]).order_by("pk")


def _alert_text(minutes: int, since: dt.datetime) -> str:
    local = timezone.localtime(since).strftime("%H:%M")
    return _("Helpdesk alert: the escalation engine has not run for %(minutes)s min (last run "
             "%(time)s IST). Escalations are not being sent. Check the Celery worker: %(link)s") % {
        "minutes": minutes, "time": local, "link": f"{settings.SITE_URL}/reports/state/"}


def heartbeat_watch(*, name: str = SWEEP, now: dt.datetime | None = None) -> int:
    """The watchdog's check. When job `name` is stale, raise its alert once per outage (unique
    HeartbeatAlert (name, stale_since); outbox keys `heartbeat:<name>:<stale_since>:user:<id>`),
    then deliver that alert's pending messages here and now (each claimed under its row lock by
    the outbox, so a parallel watchdog or the worker, if it comes back, never sends one twice).
    Returns the number of messages sent by this call."""
    now = now or timezone.now()
    Heartbeat.objects.get_or_create(name=name)  # starts the clock of a job that never ran
    status = heartbeat_status(name=name, now=now)
    if not status.stale:
        return 0
    prefix = f"heartbeat:{name}:{status.stale_since.isoformat()}:"
    with transaction.atomic():
        alert, created = _alert_once(name, status.stale_since)
        if created:
            minutes = max(1, (status.age_seconds or int((now - status.stale_since).total_seconds())) // 60)
            people = 0
            for user in _supervisors():
                language = user.preferred_language or "en"
                with translation.override(language):
                    body = _alert_text(minutes, status.stale_since)
                    subject = _("Escalation engine stopped")
                if user.mobile:
                    channel, recipient = "sms", user.mobile
                elif user.email:
                    channel, recipient = "email", user.email
                else:
                    continue
                outbox.outbox_enqueue(channel=channel, recipient=recipient, body=body, subject=subject,
                                      idempotency_key=f"{prefix}user:{user.pk}", language=language,
                                      deliver_on_commit=False)
                people += 1
            alert.recipients = people
            alert.save(update_fields=["recipients"])
            log.error("the %s has not run since %s: alert raised to %s supervisors", name, status.stale_since, people)
    pending = OutboxMessage.objects.filter(idempotency_key__startswith=prefix, status=OutboxMessage.Status.PENDING)
    return sum(outbox.deliver(pk) == "sent" for pk in pending.values_list("pk", flat=True))


def _alert_once(name: str, since: dt.datetime) -> tuple[HeartbeatAlert, bool]:
    try:
        with transaction.atomic():
            return HeartbeatAlert.objects.create(name=name, stale_since=since), True
    except IntegrityError:
        return HeartbeatAlert.objects.get(name=name, stale_since=since), False


class Watchdog(threading.Thread):
    """Runs `heartbeat_watch` every HEARTBEAT_CHECK_SECONDS until stopped. A failed check (the
    database down) is logged and tried again on the next period."""

    def __init__(self) -> None:
        super().__init__(name="helpdesk-watchdog", daemon=True)
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        period = float(settings.HEARTBEAT_CHECK_SECONDS)
        while not self._stop_event.wait(period):
            try:
                close_old_connections()
                heartbeat_watch()
            except Exception:
                log.warning("heartbeat check failed", exc_info=True)
            finally:
                close_old_connections()


def start_watchdog(**_signal_kwargs) -> Watchdog:
    """Start the watchdog thread (connected to Celery's beat_init signal by escalation.apps)."""
    watchdog = Watchdog()
    watchdog.start()
    return watchdog
