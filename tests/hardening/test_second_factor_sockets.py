"""Websockets follow the second factor like pages: a session that still owes its TOTP code
(supervisors and admins with STAFF_2FA_REQUIRED on) opens no socket; once verified through the
second-factor page, the same session does. Through the real ASGI application."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpdesk.asgi import application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PATHS = ["/ws/console/", "/ws/status/", "/ws/echo/"]


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _opens(client: Client, path: str) -> bool:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario() -> bool:
        ws = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://testserver"), (b"cookie", cookie)])
        connected, _code = await ws.connect(timeout=5)
        await ws.disconnect()
        return connected

    return async_to_sync(scenario)()


@pytest.mark.parametrize("path", PATHS)
def test_a_supervisor_owing_the_second_factor_is_refused_until_verified(settings, path):
    settings.STAFF_2FA_REQUIRED = True
    supervisor = UserFactory(username="sup", role="supervisor", is_staff=True)
    client = Client()
    client.force_login(supervisor)
    assert client.get("/console/")["Location"].startswith("/accounts/2fa/setup/")  # the page, for comparison
    assert not _opens(client, path)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    assert client.post("/accounts/2fa/setup/", {"token": _code(device), "next": "/console/"}).status_code == 302
    assert client.get("/console/").status_code == 200
    assert _opens(client, path)


def test_a_verified_session_of_someone_else_does_not_count(settings):
    settings.STAFF_2FA_REQUIRED = True
    supervisor = UserFactory(username="sup2", role="supervisor", is_staff=True)
    other = TOTPDevice.objects.create(user=UserFactory(role="supervisor"), name="authenticator", confirmed=True)
    client = Client()
    client.force_login(supervisor)
    session = client.session
    session["otp_device_id"] = other.persistent_id  # a forged or stale device id in the session
    session.save()
    assert not _opens(client, "/ws/console/")


def test_agents_and_a_setting_left_off_are_not_asked(settings):
    settings.STAFF_2FA_REQUIRED = True
    agent = Client()
    agent.force_login(UserFactory(username="agent9", role="agent"))
    assert _opens(agent, "/ws/console/")
    settings.STAFF_2FA_REQUIRED = False
    supervisor = Client()
    supervisor.force_login(UserFactory(username="sup3", role="supervisor", is_staff=True))
    assert _opens(supervisor, "/ws/console/")


def test_someone_who_set_up_a_device_is_asked_on_sockets_too(settings):
    settings.STAFF_2FA_REQUIRED = False
    agent = UserFactory(username="agent10", role="agent")
    TOTPDevice.objects.create(user=agent, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(agent)
    assert client.get("/console/")["Location"].startswith("/accounts/2fa/verify/")
    assert not _opens(client, "/ws/console/")


