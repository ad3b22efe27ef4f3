"""Websocket consumers. They only authorise, join groups and forward; every event is produced
by a service after commit (live.broadcast). Origin validation and the session come from
helpdesk/asgi.py (AllowedHostsOriginValidator + AuthMiddlewareStack).

Refusals close before accepting (HTTP 403 at the handshake); a refusal after acceptance uses
close code 4403. After accepting, a socket is sent `{"type": "hello", "seq": {group: n}}`, and
every pong carries the same: the clients' baseline for noticing a missed event (live.sequence).
"""

from __future__ import annotations

import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.permissions import can_see_ticket, is_desk, is_district_official, is_vendor
from helpdesk import inputs, metrics
from helpdesk.exceptions import InvalidInput
from tickets.models import Ticket

from . import presence
from .events import CONSOLE, STATUS, district_group, ticket_group, user_group, vendor_group
from .fanout import fanout
from .sequence import sequences


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Smoke-test socket: proves the ASGI server speaks websockets."""

    async def connect(self):
        await self.accept()

    async def receive_json(self, content, **kwargs):
        await self.send_json({"echo": content})


class _GroupsConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    _counted = False

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        if not self._counted:
            self._counted = True
            metrics.LIVE_SOCKETS.inc()

    async def websocket_disconnect(self, message):
        if self._counted:
            self._counted = False
            metrics.LIVE_SOCKETS.dec()
        await super().websocket_disconnect(message)

    async def join(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def _seq(self) -> dict[str, int]:
        """The current sequence number of each group this socket listens to (live.sequence)."""
        try:
            return await sequences().current(getattr(self, "groups_joined", []))
        except Exception:
            return {}

    async def hello(self) -> None:
        """After accepting: the baseline numbers, so the first missed event is noticed too."""
        await self.send_json({"type": "hello", "seq": await self._seq()})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_event(self, message):
        await self.send_json(message["event"])
        metrics.LIVE_EVENTS.inc()

    async def live_events(self, message):
        """The events of one commit (live.broadcast), each its own frame, in order."""
        for event in message["events"]:
            await self.live_event({"event": event})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Clients only send tiny JSON messages (ping, typing); anything else is ignored rather
        than crashing the socket."""
        if not text_data or len(text_data) > 1000:
            return
        try:
            content = json.loads(text_data)
            inputs.check_json(content)  # the one input rule: no NUL or control characters
        except (ValueError, InvalidInput):
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "seq": await self._seq()})


class StatusConsumer(_GroupsConsumer):
    """/ws/status/: public, anonymous allowed. Component and public incident events only.

    Thousands of these may be open: they join the "status" group through the process-local
    fan-out (live.fanout), one channel-layer subscription per server process."""

    # No per-socket channel on the layer: the fan-out is this socket's subscription (a socket
    # channel would cost every status socket a receive loop on Redis for nothing).
    channel_layer_alias = "status-sockets-have-no-channel"

    async def connect(self):
        self.groups_joined = [STATUS]
        self.hub = fanout(STATUS)
        await self.hub.add(self)
        await self.accept()
        await self.hello()

    async def disconnect(self, code):
        if hasattr(self, "hub"):
            await self.hub.discard(self)


def console_groups(user) -> list[str] | None:
    """The console groups of `user`, or None when the user has no console."""
    if not user or not user.is_authenticated:
        return None
    # Every console also gets its user's own events (notifications, calls answered by them).
    if is_desk(user):
        return [CONSOLE, user_group(user.pk)]
    if is_district_official(user):
        # Their district's ticket events; public incident events come through the status group.
        return [district_group(user.district_id), STATUS, user_group(user.pk)]
    if is_vendor(user):
        return [vendor_group(user.vendor_id), STATUS, user_group(user.pk)]
    return None


class ConsoleConsumer(_GroupsConsumer):
    """/ws/console/: agents and supervisors everything; district officials only their district;
    vendor staff only tickets handed to their vendor. Anonymous refused."""

    async def connect(self):
        groups = console_groups(self.scope.get("user"))
        if groups is None:
            await self.close()
            return
        await self.join(groups)
        await self.accept()
        await self.hello()


class TicketConsumer(_GroupsConsumer):
    """/ws/tickets/<id>/: the ticket's events, who else is viewing, who is typing. Only users who
    may see the ticket (accounts.permissions.can_see_ticket); others are refused like a ticket
    that does not exist."""

    TYPING_MIN_INTERVAL = 2.0

    async def connect(self):
        user = self.scope.get("user")
        self.ticket_id = int(self.scope["url_route"]["kwargs"]["ticket_id"])
        self.room = ticket_group(self.ticket_id)
        if not user or not user.is_authenticated or not await self._can_see(user, self.ticket_id):
            await self.close()
            return
        self.user_info = {"user_id": user.pk, "name": user.get_full_name() or user.username}
        self._last_typing = 0.0
        await self.join([self.room, user_group(user.pk)])
        await self.accept()
        await self.hello()
        await presence.backend().join(self.room, self.channel_name, self.user_info)
        await self._announce_presence()

    @database_sync_to_async
    def _can_see(self, user, ticket_id: int) -> bool:
        ticket = Ticket.objects.filter(pk=ticket_id).only("pk", "district_id", "vendor_id", "status").first()
        return ticket is not None and can_see_ticket(user, ticket)

    async def disconnect(self, code):
        if hasattr(self, "user_info"):
            await presence.backend().leave(self.room, self.channel_name)
            await self._announce_presence()
        await super().disconnect(code)

    async def _announce_presence(self) -> None:
        members = await presence.backend().members(self.room)
        await self.channel_layer.group_send(self.room, {
            "type": "live.event",
            "event": {"type": "presence", "ticket_id": self.ticket_id, "viewers": presence.viewers(members)},
        })

    async def live_event(self, message):
        event = message["event"]
        if event.get("type") == "presence":
            event = {**event, "self_id": self.user_info["user_id"]}
        await self.send_json(event)
        metrics.LIVE_EVENTS.inc()

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await presence.backend().join(self.room, self.channel_name, self.user_info)
            await self.send_json({"type": "pong", "seq": await self._seq()})
        elif kind == "typing":
            now = time.monotonic()
            if now - self._last_typing < self.TYPING_MIN_INTERVAL:
                return
            self._last_typing = now
            await self.channel_layer.group_send(self.room, {
                "type": "live.event",
                "event": {"type": "typing", "ticket_id": self.ticket_id, **self.user_info},
            })
