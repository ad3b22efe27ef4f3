"""One client address (trusted proxies only) for every limit; per-limit behaviour on a cache outage."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client, RequestFactory

from helpdesk.client import ClientLogFilter, client_address
from tests.bookings.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


def _address(settings, remote, xff=None, proxies=()):
    settings.TRUSTED_PROXIES = list(proxies)
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client_address(RequestFactory().get("/", **extra))


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings):
    assert _address(settings, "203.0.113.9", "1.2.3.4") == "203.0.113.9"
    assert _address(settings, "203.0.113.9", "1.2.3.4", proxies=["10.0.0.0/8"]) == "203.0.113.9"


def test_only_trusted_hops_are_believed(settings):
    proxies = ["10.0.0.0/8", "192.168.1.1"]
    assert _address(settings, "10.0.0.5", "1.2.3.4", proxies) == "1.2.3.4"
    # A client-sent X-Forwarded-For is the left part: the rightmost untrusted hop is the client.
    assert _address(settings, "10.0.0.5", "6.6.6.6, 1.2.3.4", proxies) == "1.2.3.4"
    assert _address(settings, "10.0.0.5", "6.6.6.6, 1.2.3.4, 192.168.1.1", proxies) == "1.2.3.4"
    assert _address(settings, "10.0.0.5", "garbage", proxies) == "10.0.0.5"
    assert _address(settings, "10.0.0.5", "", proxies) == "10.0.0.5"
    assert _address(settings, "10.0.0.5", "[2001:db8::1]:443", proxies) == "2001:db8::1"
    assert _address(settings, "", "1.2.3.4", proxies) is None


def _otp(client, mobile, **extra):
    return client.post("/api/bookings/citizen/otp/", {"mobile": mobile}, content_type="application/json", **extra)


def test_behind_a_trusted_proxy_citizens_get_their_own_otp_bucket(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.BOOKINGS_RATE_OTP_IP = "2/hour"
    client = Client(REMOTE_ADDR="10.0.0.1")
    for i in range(2):
        assert _otp(client, f"980000000{i}", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    assert _otp(client, "9800000002", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429
    # Another citizen behind the same proxy is not refused for the first one's requests...
    assert _otp(client, "9800000003", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 200
    # ...and cannot escape their own bucket by sending a header of their own.
    assert _otp(client, "9800000004", HTTP_X_FORWARDED_FOR="9.9.9.9, 1.1.1.1").status_code == 429


def test_without_a_trusted_proxy_a_forwarded_for_does_not_open_a_new_bucket(settings):
    settings.TRUSTED_PROXIES = []
    settings.BOOKINGS_RATE_OTP_IP = "2/hour"
    client = Client(REMOTE_ADDR="203.0.113.7")
    for i in range(2):
        assert _otp(client, f"980000001{i}", HTTP_X_FORWARDED_FOR=f"5.5.5.{i}").status_code == 200
    assert _otp(client, "9800000019", HTTP_X_FORWARDED_FOR="5.5.5.99").status_code == 429


def test_anonymous_api_throttle_uses_the_same_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_ip": "2/min"}}
    client = Client(REMOTE_ADDR="10.0.0.1")
    body = json.dumps({"number": "ZZZZZZZZ", "mobile": "9876504321"})

    def status(xff):
        return client.post("/api/public/tickets/status/", body, content_type="application/json",
                           HTTP_X_FORWARDED_FOR=xff).status_code

    assert [status("1.1.1.1") for _ in range(3)] == [404, 404, 429]
    assert status("2.2.2.2") == 404


@pytest.fixture
def cache_down(settings):
    """A real outage: the cache points at a port where nothing listens."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    yield


def test_otp_fails_closed_when_the_cache_is_down(cache_down):
    BeneficiaryFactory()
    response = _otp(Client(REMOTE_ADDR="203.0.113.8"), "9876543210")
    assert response.status_code == 503
    assert response["Retry-After"] and response.json()["code"] == "rate_limit_unavailable"
    assert "try again" in response.json()["detail"]
    from bookings.models import OtpTransaction

    assert not OtpTransaction.objects.exists()


def test_otp_page_fails_closed_with_a_message_in_hindi(cache_down):
    client = Client(REMOTE_ADDR="203.0.113.8")
    client.cookies["django_language"] = "hi"
    response = client.post("/booking/", {"mobile": "9876543210"})
    assert response.status_code == 503
    assert "कुछ सेकंड" in response.content.decode()


def test_complaint_intake_fails_open_when_the_cache_is_down(cache_down, raipur):
    from tickets.models import Ticket

    body = {"name": "Asha", "mobile": "9876504321", "district": raipur.pk, "category": "other",
            "description": "Portal shows an error"}
    response = Client(REMOTE_ADDR="203.0.113.8").post("/api/public/tickets/", json.dumps(body),
                                                      content_type="application/json")
    assert response.status_code == 201, response.content
    assert Ticket.objects.count() == 1


def test_log_lines_name_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(ClientLogFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        Client(REMOTE_ADDR="10.0.0.1").get("/no-such-page/", HTTP_X_FORWARDED_FOR="7.7.7.7")
    finally:
        logger.removeHandler(handler)
    assert records and records[-1].client == "7.7.7.7"
