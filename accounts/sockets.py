"""The second factor on websockets: a session that still owes its TOTP code (see
accounts.two_factor: supervisors and admins when STAFF_2FA_REQUIRED is on, and anyone who set a
device up) opens no socket until it is verified, as its pages redirect to the second-factor step.
Wrapped by helpdesk/asgi.py inside the session and user middleware; refused at the handshake
(HTTP 403), before any consumer runs."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from . import two_factor


def session_owes_second_factor(session, user) -> bool:
    """Whether this logged-in session must still give the second factor (the same rule as the
    pages: what was noted at login, or the role's requirement), i.e. it holds no verified device
    of `user`."""
    if user is None or not user.is_authenticated or session is None:
        return False
    if not session.get(two_factor.SESSION_STEP) and not two_factor.second_factor_required(user):
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is None or device.user_id != user.pk or not device.confirmed


class SecondFactorSocketMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and await self._owes(scope):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 4403})
            return None
        return await self.inner(scope, receive, send)

    @staticmethod
    @database_sync_to_async
    def _owes(scope) -> bool:
        # In a thread: the session and the device are read from the database.
        return session_owes_second_factor(scope.get("session"), scope.get("user"))
