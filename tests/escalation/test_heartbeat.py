"""The sweep's heartbeat: every sweep stamps its run; /readyz and the supervisors' dashboard show
it; the watchdog alerts supervisors (SMS, email without a mobile) once per outage, delivering the
alert itself (the worker that normally delivers the outbox may be the dead one)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from escalation import tasks
from escalation.heartbeat import heartbeat_status, heartbeat_watch
from escalation.models import Heartbeat, HeartbeatAlert
from notifications.models import OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def supervisors(db):
    return [
        UserFactory(username="sup1", role="supervisor", mobile="9200000001", email="s1@x.org", preferred_language="hi"),
        UserFactory(username="sup2", role="supervisor", mobile="", email="s2@x.org"),
        UserFactory(username="agent9", role="agent", mobile="9200000009"),  # not a supervisor: no alert
    ]


def test_every_sweep_stamps_the_heartbeat():
    with time_machine.travel(T0, tick=False):
        tasks.sweep.apply(throw=True)
    row = Heartbeat.objects.get(name="sweep")
    assert row.last_run_at == T0
    with time_machine.travel(T0 + dt.timedelta(seconds=15), tick=False):
        tasks.sweep.apply(throw=True)
        status = heartbeat_status()
    assert status.last_run_at == T0 + dt.timedelta(seconds=15) and status.age_seconds == 0 and not status.stale


def test_the_watchdog_alerts_once_per_outage_and_delivers_the_alert_itself(supervisors, sms_outbox, mailoutbox,
                                                                            settings):
    settings.SWEEP_STALE_SECONDS = 120
    with time_machine.travel(T0, tick=False):
        tasks.sweep.apply(throw=True)
    with time_machine.travel(T0 + dt.timedelta(seconds=119), tick=False):
        assert heartbeat_watch() == 0  # not stale yet
    assert not sms_outbox and not mailoutbox
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        assert heartbeat_watch() == 2  # one SMS (has a mobile), one email (no mobile)
        assert heartbeat_watch() == 0  # the same outage: nothing again
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        assert heartbeat_watch() == 0
    assert [to for to, _ in sms_outbox] == ["9200000001"]
    assert "इस्केलेशन" in sms_outbox[0][1] or "एस्केलेशन" in sms_outbox[0][1], sms_outbox[0][1]  # in Hindi
    assert [m.to for m in mailoutbox] == [["s2@x.org"]]
    assert "has not run for 5 min" in mailoutbox[0].body
    assert HeartbeatAlert.objects.count() == 1
    assert OutboxMessage.objects.filter(idempotency_key__startswith="heartbeat:sweep:").count() == 2

    # The sweep comes back, then stops again: a new outage, a new alert.
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        tasks.sweep.apply(throw=True)
        assert heartbeat_watch() == 0
    with time_machine.travel(T0 + dt.timedelta(minutes=40), tick=False):
        assert heartbeat_watch() == 2
    assert HeartbeatAlert.objects.count() == 2


def test_a_sweep_that_never_ran_is_stale_two_minutes_after_watching_began(supervisors, sms_outbox, settings):
    settings.SWEEP_STALE_SECONDS = 120
    with time_machine.travel(T0, tick=False):
        assert heartbeat_watch() == 0
        assert heartbeat_status().stale is False
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        assert heartbeat_status().stale is True
        assert heartbeat_watch() == 2
    assert len(sms_outbox) == 1


def test_an_alert_whose_sending_was_interrupted_is_sent_by_the_next_check(supervisors, sms_outbox, settings,
                                                                           monkeypatch):
    from escalation import heartbeat

    settings.SWEEP_STALE_SECONDS = 120
    with time_machine.travel(T0, tick=False):
        tasks.sweep.apply(throw=True)
    real_deliver = heartbeat.outbox.deliver
    monkeypatch.setattr(heartbeat.outbox, "deliver", lambda pk: "skipped")  # the watchdog died mid-way
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        heartbeat_watch()
    assert not sms_outbox
    monkeypatch.setattr(heartbeat.outbox, "deliver", real_deliver)
    with time_machine.travel(T0 + dt.timedelta(minutes=4), tick=False):
        assert heartbeat_watch() == 2
    assert len(sms_outbox) == 1 and HeartbeatAlert.objects.count() == 1


def test_livez_touches_nothing_and_readyz_names_the_stale_sweep(client, settings):
    settings.SWEEP_STALE_SECONDS = 120
    assert client.get("/livez").json() == {"status": "ok"}
    with time_machine.travel(T0, tick=False):
        tasks.sweep.apply(throw=True)
        body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["down"] == []
    assert body["checks"]["sweep"] == {"ok": True, "last_run_seconds_ago": 0, "stale_after_seconds": 120,
                                       "ms": body["checks"]["sweep"]["ms"]}
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        response = client.get("/readyz")
        legacy = client.get("/healthz")
    # The web still serves: degraded, not unavailable (a load balancer keeps it).
    assert response.status_code == 200 and legacy.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["down"] == ["sweep"]
    assert response.json()["checks"]["sweep"]["ok"] is False
    assert response.json()["checks"]["sweep"]["last_run_seconds_ago"] == 600
    assert legacy.json()["down"] == ["sweep"]


def test_readyz_says_redis_is_down_without_exception_text(client, settings):
    settings.EMBEDDED = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and "redis" in body["down"] and "database" not in body["down"]
    assert body["checks"]["task_queue"] == {"ok": False, "error": "unavailable", "ms": body["checks"]["task_queue"]["ms"]}
    assert "Connection" not in response.content.decode() and "Error" not in response.content.decode()


def test_the_state_dashboard_shows_the_engine_heartbeat(client, settings):
    settings.SWEEP_STALE_SECONDS = 120
    supervisor = UserFactory(username="boss", role="supervisor")
    client.force_login(supervisor)
    with time_machine.travel(T0, tick=False):
        tasks.sweep.apply(throw=True)
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        page = client.get("/reports/state/").content.decode()
    assert 'id="engine-heartbeat"' in page and "running" in page
    with time_machine.travel(T0 + dt.timedelta(minutes=7), tick=False):
        page = client.get("/reports/state/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()
        stale = client.get("/reports/state/").content.decode()
    assert "stopped: no sweep for 7 min" in stale
    assert "रुका" in page, "the heartbeat line is not in Hindi on a Hindi page"
