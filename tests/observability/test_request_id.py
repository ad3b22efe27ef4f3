"""The request id: taken from a trusted proxy or made, returned in X-Request-ID, on every log line
of the request (JSON lines included) and, through the task headers, of the Celery tasks it queued
(a real worker consuming from Redis)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import time

import pytest
from django.conf import settings as django_settings

from helpdesk import requestid

HEX32 = re.compile(r"[0-9a-f]{32}")


class _Capture:
    """The console handler's JSON formatter and filters (settings.LOGGING), writing to a buffer."""

    def __init__(self):
        config = django_settings.LOGGING
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        spec = dict(config["formatters"]["json"])
        factory = spec.pop("()")
        module, name = factory.rsplit(".", 1)
        self.handler.setFormatter(getattr(__import__(module, fromlist=[name]), name)(**spec))
        self.handler.addFilter(requestid.RequestIdLogFilter())
        from helpdesk.client import ClientLogFilter

        self.handler.addFilter(ClientLogFilter())
        self.handler.setLevel(logging.INFO)

    def __enter__(self):
        root = logging.getLogger()
        self.level = root.level
        root.setLevel(logging.INFO)
        root.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self.handler)
        logging.getLogger().setLevel(self.level)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_an_id_is_made_for_each_request_and_returned(client):
    first = client.get("/livez")["X-Request-ID"]
    second = client.get("/livez")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second) and first != second


@pytest.mark.django_db
def test_the_proxys_id_is_kept_only_from_a_trusted_proxy_and_only_when_plain(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    kept = client.get("/livez", REMOTE_ADDR="10.0.0.1", HTTP_X_REQUEST_ID="nginx-4f2a.9:b_c")
    assert kept["X-Request-ID"] == "nginx-4f2a.9:b_c"
    untrusted = client.get("/livez", REMOTE_ADDR="192.0.2.9", HTTP_X_REQUEST_ID="chosen-by-the-client")
    assert HEX32.fullmatch(untrusted["X-Request-ID"])
    for bad in ("has space", "x" * 65, "quote\"", "semi;colon"):
        response = client.get("/livez", REMOTE_ADDR="10.0.0.1", HTTP_X_REQUEST_ID=bad)
        assert HEX32.fullmatch(response["X-Request-ID"]), bad


@pytest.mark.django_db
def test_every_log_line_of_a_request_carries_its_id_as_json(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    with _Capture() as capture:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-check")
    assert response.status_code == 404 and response["X-Request-ID"] == "req-404-check"
    lines = capture.lines()
    # Django's "Not Found" line is written after the middleware chain returned: still bound.
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found and not_found[0]["message"].startswith("Not Found: /no-such-page/")
    assert {line["request_id"] for line in lines} == {"req-404-check"}
    assert set(not_found[0]) >= {"time", "level", "logger", "message", "client", "request_id"}
    assert not_found[0]["level"] == "WARNING" and not_found[0]["client"] == "127.0.0.1"
    # Outside a request: "-".
    with _Capture() as capture:
        logging.getLogger("tests").warning("between requests")
    assert capture.lines()[0]["request_id"] == "-"


@pytest.mark.django_db
def test_a_task_run_in_process_keeps_the_request_id(client, settings, django_capture_on_commit_callbacks):
    """The embedded default runs tasks eagerly inside the request: the same id."""
    from celery import shared_task

    seen = []

    @shared_task(name="tests.observability.probe_eager")
    def probe():
        seen.append(requestid.current())

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    from helpdesk.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        requestid._current.set("outer-request")
        probe.delay()
    finally:
        app.conf.task_always_eager = eager
        requestid._current.set("-")
    assert seen == ["outer-request"]


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_the_id_follows_a_request_into_its_celery_tasks(transactional_db, settings):
    """A complaint filed over the API queues its SMS (and live/spike tasks) after commit; a real
    worker takes them from Redis and every line it logs for them has the request's id."""
    from celery.contrib.testing.worker import start_worker
    from rest_framework.test import APIClient

    from accounts.models import District
    from helpdesk.celery import app
    from notifications.models import OutboxMessage
    from tests.factories import UserFactory

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert not app.conf.task_always_eager
    app.control.purge()  # this test's Redis database: nothing queued by earlier runs
    api = APIClient()
    api.force_login(UserFactory(role="agent"))
    body = {"district": District.objects.get(code="raipur").pk, "category": "otp-not-received",
            "description": "OTP does not arrive", "name": "Ramesh", "mobile": "9876504321", "channel": "phone"}
    # The worker configures logging when it starts (Django's LOGGING again): capture after that.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20, loglevel="INFO"):
        with _Capture() as capture:
            response = api.post("/api/tickets/", body, format="json", HTTP_X_REQUEST_ID="complaint-7f3a")
            assert response.status_code == 201, response.content
            assert response["X-Request-ID"] == "complaint-7f3a"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if not OutboxMessage.objects.exclude(status__in=["sent", "failed", "cancelled"]).exists():
                    break
                time.sleep(0.3)
            sms = OutboxMessage.objects.get(recipient="9876504321")
            assert sms.status == "sent", sms.status
            time.sleep(0.5)  # the worker's "succeeded" lines
    lines = capture.lines()
    # The task's own lines (the SMS backend's) and the worker's lines about running it. The
    # worker's "Task ... received" line is written before the task's headers are read: "-".
    worker = [line for line in lines if line.get("logger", "").startswith(("celery.app.trace", "helpdesk.sms"))]
    delivered = [line for line in worker if line["message"].startswith("SMS to 9876504321")]
    assert delivered and delivered[0]["request_id"] == "complaint-7f3a"
    ran = [line for line in worker if line["logger"] == "celery.app.trace" and "succeeded" in line["message"]]
    assert ran, lines
    assert {line["request_id"] for line in delivered + ran} == {"complaint-7f3a"}
    # Nothing this request caused was logged under another id.
    assert {line["request_id"] for line in lines} <= {"complaint-7f3a", "-"}
