"""Staff login: lockout by username and by address (django-axes), unlock by an admin, and the
TOTP second factor (django-otp), required for supervisors and admins when STAFF_2FA_REQUIRED."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password="wrong-password"):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5


def test_wrong_passwords_lock_the_username_even_for_the_right_password(limits):
    UserFactory(username="asha", role="agent")
    client = Client(REMOTE_ADDR="203.0.113.1")
    assert [_login(client, "asha").status_code for _ in range(4)] == [200] * 4
    locked = _login(client, "asha")
    assert locked.status_code == 429
    assert "locked for 30 minutes" in locked.content.decode()
    # The right password from another address: still locked (by username).
    other = Client(REMOTE_ADDR="198.51.100.7")
    response = _login(other, "asha", "pw")
    assert response.status_code == 429 and "_auth_user_id" not in other.session


def test_one_address_trying_many_usernames_is_locked(limits):
    UserFactory(username="ravi", role="agent")
    client = Client(REMOTE_ADDR="203.0.113.2")
    for i in range(5):
        _login(client, f"guess{i}")
    assert _login(client, "ravi", "pw").status_code == 429
    assert _login(Client(REMOTE_ADDR="203.0.113.3"), "ravi", "pw").status_code == 302


def test_lockout_message_in_hindi(limits):
    UserFactory(username="meena", role="agent")
    client = Client(REMOTE_ADDR="203.0.113.4")
    client.cookies["django_language"] = "hi"
    for _ in range(5):
        response = _login(client, "meena")
    assert response.status_code == 429
    text = response.content.decode()
    assert "30 मिनट" in text and "Too many" not in text


def test_the_lock_ends_after_the_cool_off_and_an_admin_can_unlock_earlier(limits):
    UserFactory(username="kiran", role="agent")
    admin_user = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    with time_machine.travel("2026-05-03 10:00:00+05:30", tick=False) as clock:
        client = Client(REMOTE_ADDR="203.0.113.5")
        for _ in range(5):
            _login(client, "kiran")
        assert _login(client, "kiran", "pw").status_code == 429
        admin = Client(REMOTE_ADDR="198.51.100.1")
        admin.force_login(admin_user)
        page = admin.get("/admin/axes/accessattempt/")
        assert page.status_code == 200 and "kiran" in page.content.decode()
        ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
        response = admin.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids,
                                                              "post": "yes"})
        assert response.status_code == 302 and not AccessAttempt.objects.exists()
        assert _login(client, "kiran", "pw").status_code == 302
        client.logout()
        for _ in range(5):
            _login(client, "kiran")
        assert _login(client, "kiran", "pw").status_code == 429
        clock.shift(31 * 60)
        assert _login(client, "kiran", "pw").status_code == 302


def test_login_stays_limited_when_the_cache_is_down(limits, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    UserFactory(username="dev", role="agent")
    client = Client(REMOTE_ADDR="203.0.113.6")
    for _ in range(5):
        _login(client, "dev")
    assert _login(client, "dev", "pw").status_code == 429


def test_behind_a_trusted_proxy_the_lock_is_per_citizen_address(limits, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    client = Client(REMOTE_ADDR="10.0.0.1")
    for i in range(5):
        client.post("/accounts/login/", {"username": f"x{i}", "password": "no"}, HTTP_X_FORWARDED_FOR="1.1.1.1")
    UserFactory(username="neha", role="agent")
    assert client.post("/accounts/login/", {"username": "neha", "password": "pw"},
                       HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429
    assert client.post("/accounts/login/", {"username": "neha", "password": "pw"},
                       HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 302


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_supervisor_must_set_up_a_second_factor_when_required(settings):
    settings.STAFF_2FA_REQUIRED = True
    UserFactory(username="sup", role="supervisor", is_staff=True)
    client = Client(REMOTE_ADDR="203.0.113.9")
    response = _login(client, "sup", "pw")
    assert response.status_code == 302
    page = client.get("/console/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user__username="sup", confirmed=False)
    secret = page.context["secret"]
    assert secret in page.content.decode() and page.context["qr"].startswith("data:image/svg+xml")
    assert client.get("/api/tickets/").status_code == 403
    assert client.post("/accounts/2fa/setup/", {"token": "000000"}).status_code == 400
    device = TOTPDevice.objects.get(user__username="sup", confirmed=False)  # a new key after a failure
    response = client.post("/accounts/2fa/setup/", {"token": _code(device), "next": "/console/"})
    assert response.status_code == 302 and response["Location"] == "/console/", response.content.decode()[-3000:]
    assert client.get("/console/").status_code == 200
    assert client.get("/api/tickets/").status_code == 200
    # The key is never shown again: the setup page of a verified user would only make a new device.
    assert secret not in client.get("/console/").content.decode()

    # Next login: password, then the code.
    client.post("/accounts/logout/")
    _login(client, "sup", "pw")
    assert client.get("/console/")["Location"].startswith("/accounts/2fa/verify/")
    wrong = client.post("/accounts/2fa/verify/", {"token": "12345x"})
    assert wrong.status_code == 400 and "6 digits" in wrong.content.decode()
    device.refresh_from_db()
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=60)
    with time_machine.travel(later, tick=False):  # a later step: a fresh code (django-otp refuses reuse)
        device = TOTPDevice.objects.get(user__username="sup", confirmed=True)
        ok = client.post("/accounts/2fa/verify/", {"token": _code(device), "next": "/console/"})
    assert ok.status_code == 302 and client.get("/console/").status_code == 200


def test_agents_are_not_asked_unless_they_set_one_up(settings):
    settings.STAFF_2FA_REQUIRED = True
    UserFactory(username="agent7", role="agent")
    client = Client(REMOTE_ADDR="203.0.113.10")
    _login(client, "agent7", "pw")
    assert client.get("/console/").status_code == 200


def test_admin_never_shows_the_totp_key(settings):
    admin_user = UserFactory(username="root2", role="admin", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=UserFactory(role="supervisor"), name="authenticator", confirmed=True)
    client = Client()
    client.force_login(admin_user)
    for url in ("/admin/otp_totp/totpdevice/", f"/admin/otp_totp/totpdevice/{device.pk}/change/"):
        page = client.get(url)
        assert page.status_code == 200
        assert device.key not in page.content.decode() and "qrcode" not in page.content.decode()
