"""/metrics: who may read it, what it shows, and that a failing collector does not fail it."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from helpdesk import metrics

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_nobody_reads_the_metrics_without_a_token_or_an_allowed_network(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.json()["detail"] == "Metrics are off: set METRICS_TOKEN or METRICS_ALLOWED_NETWORKS."
    assert b"helpdesk_" not in response.content


def test_the_token_is_checked(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Bearer")
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain; version=")
    assert right["Cache-Control"].startswith("max-age=0")


def test_an_allowed_network_reads_without_a_token_and_others_do_not(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 403 and refused.json()["code"] == "metrics_forbidden"
    # A forged X-Forwarded-For from an untrusted peer changes nothing.
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 403


def test_the_exposition_has_the_process_the_http_and_the_state_figures(client, settings):
    settings.METRICS_TOKEN = "t"
    before = sample("helpdesk_http_responses_total", method="GET", status="404")
    client.get("/no-such-page/")
    assert sample("helpdesk_http_responses_total", method="GET", status="404") == before + 1
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    for line in ("process_resident_memory_bytes", 'helpdesk_outbox_messages{status="pending"} 0.0',
                 "helpdesk_outbox_oldest_pending_seconds 0.0", "helpdesk_sweep_lag_seconds 0.0",
                 "helpdesk_p1_unacknowledged 0.0", "helpdesk_db_replicas 0.0", "helpdesk_db_in_recovery 0.0",
                 'helpdesk_metrics_collector_up{collector="replication"} 1.0', "helpdesk_live_sockets_connected",
                 "# TYPE helpdesk_acknowledgement_latency_seconds histogram"):
        assert line in text, line


def test_a_collector_that_fails_is_reported_not_raised(client, settings):
    settings.METRICS_TOKEN = "t"

    def broken():
        raise ConnectionError("db-primary.internal:5432 refused")

    metrics.register("broken", broken)
    try:
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t")
    finally:
        metrics._COLLECTORS.pop("broken")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'helpdesk_metrics_collector_up{collector="broken"} 0.0' in text
    assert 'helpdesk_metrics_collector_up{collector="outbox"} 1.0' in text
    assert "db-primary" not in text


def test_tickets_created_are_counted_by_channel_after_commit(django_capture_on_commit_callbacks):
    from accounts.models import District
    from tickets import services as ts
    from tickets.models import Category

    before = sample("helpdesk_tickets_created_total", channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        ts.ticket_create(district=District.objects.get(code="raipur"), category=Category.objects.first(),
                         description="No OTP", requester_kind="citizen", channel="sms",
                         actor=ts.Actor(label="sms"), requester_mobile="")
    assert sample("helpdesk_tickets_created_total", channel="sms") == before + 1


def test_otps_sent_and_refused_are_counted(django_capture_on_commit_callbacks, monkeypatch):
    from bookings import otp
    from helpdesk.exceptions import InvalidInput, TooManyRequests
    from tests.bookings.factories import BeneficiaryFactory

    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 123456)
    beneficiary = BeneficiaryFactory()
    sent = sample("helpdesk_otp_sent_total")
    cooldown = sample("helpdesk_otp_refused_total", reason="otp_resend_cooldown")
    wrong = sample("helpdesk_otp_refused_total", reason="otp_wrong")
    with django_capture_on_commit_callbacks(execute=True):
        txn = otp.otp_request(mobile=beneficiary.mobile, ip="192.0.2.1")
    assert sample("helpdesk_otp_sent_total") == sent + 1
    with pytest.raises(TooManyRequests):
        otp.otp_request(mobile=beneficiary.mobile, ip="192.0.2.1")
    assert sample("helpdesk_otp_refused_total", reason="otp_resend_cooldown") == cooldown + 1
    with pytest.raises(InvalidInput):
        otp.otp_confirm(txn_id=txn.txn_id, code="000000")
    assert sample("helpdesk_otp_refused_total", reason="otp_wrong") == wrong + 1
    otp.otp_confirm(txn_id=txn.txn_id, code="123456")
    assert sample("helpdesk_otp_refused_total", reason="otp_wrong") == wrong + 1
    assert sample("helpdesk_otp_sent_total") == sent + 1
