"""Process-local fan-out for the public status stream.

With the Redis channel layer, a group of N sockets costs N messages per event: the layer pushes
one copy per member channel and each worker pops them one round trip at a time, so delivery to
thousands of status-page sockets takes seconds. Here each server process joins the group once
(one channel per process and event loop), and forwards each event, serialised once, to its local
sockets. The consumers still only authorise and join; this is their group membership.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref

from channels.layers import get_channel_layer

from helpdesk import metrics

log = logging.getLogger(__name__)

REJOIN_SECONDS = 600  # refresh the group membership well within the layer's group_expiry


class LocalFanout:
    def __init__(self, group: str) -> None:
        self.group = group
        self.members: set = set()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def add(self, consumer) -> None:
        """Add a socket; the first one subscribes this process (returns once subscribed)."""
        self.members.add(consumer)
        async with self._lock:
            if self.task is None or self.task.done():
                layer = get_channel_layer()
                self.channel = await layer.new_channel()
                await layer.group_add(self.group, self.channel)
                self.task = asyncio.get_running_loop().create_task(self._pump(layer, self.channel))

    async def discard(self, consumer) -> None:
        """Remove a socket; the last one out unsubscribes this process (no receive is left
        pending on the layer, which allows one receiving event loop at a time)."""
        self.members.discard(consumer)
        async with self._lock:
            if self.members or self.task is None:
                return
            task, channel = self.task, self.channel
            self.task = None
            task.cancel()
            await asyncio.wait({task}, timeout=5)
            try:
                await get_channel_layer().group_discard(self.group, channel)
            except Exception:
                log.warning("status fan-out unsubscribe failed", exc_info=True)

    async def _pump(self, layer, channel: str) -> None:
        loop = asyncio.get_running_loop()
        rejoin_at = loop.time() + REJOIN_SECONDS
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=REJOIN_SECONDS)
            except TimeoutError:
                message = None
            except asyncio.CancelledError:
                raise
            except Exception:  # layer hiccup (Redis restart): wait and resubscribe
                log.warning("status fan-out receive failed", exc_info=True)
                await asyncio.sleep(1)
                await self._rejoin(layer, channel)
                continue
            if loop.time() >= rejoin_at:
                await self._rejoin(layer, channel)
                rejoin_at = loop.time() + REJOIN_SECONDS
            kind = message.get("type") if message else None
            if kind not in ("live.event", "live.events"):
                continue
            for event in message["events"] if kind == "live.events" else [message["event"]]:
                await self._forward(json.dumps(event))

    async def _forward(self, text: str) -> None:
        sent = 0
        for consumer in list(self.members):
            try:
                await consumer.send(text_data=text)
                sent += 1
            except Exception:
                self.members.discard(consumer)
        metrics.LIVE_EVENTS.inc(sent)

    async def _rejoin(self, layer, channel: str) -> None:
        try:
            await layer.group_add(self.group, channel)
        except Exception:
            log.warning("status fan-out rejoin failed", exc_info=True)


_by_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fanout(group: str) -> LocalFanout:
    """The fan-out of `group` for the running event loop (uvicorn runs one loop per process;
    tests run several, so a hub never outlives its loop)."""
    hubs = _by_loop.setdefault(asyncio.get_running_loop(), {})
    hub = hubs.get(group)
    if hub is None:
        hub = hubs[group] = LocalFanout(group)
    return hub
