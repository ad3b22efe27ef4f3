"""Per-group sequence numbers of live events, so that a client can tell it missed one.

Every event broadcast to a group carries `"group"` and `"seq"`: 1, 2, 3, ... per group, taken
when the event leaves the process (one pipelined INCRBY per group for all the events sent
together). A socket is told the current numbers of its groups when it connects (`{"type":
"hello", "seq": {...}}`) and in every pong, so a client notices a hole between two events and a lost last event alike, and
resyncs from the API (static/js/live.js). Numbers are not gapless across senders in time: two
processes may deliver 6 before 5, which is why clients wait a moment before calling a hole lost.

With Redis the counters are Redis keys `<CHANNEL_PREFIX>:seq:<group>` (shared by every process;
a Redis restart starts them again, and every socket reconnects then, getting a new baseline). On
the embedded default (one process) they live in memory.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import defaultdict
from collections.abc import Iterable

import redis.asyncio as aioredis
from django.conf import settings

from helpdesk.backends import async_redis_client


class MemorySequences:
    def __init__(self) -> None:
        self._last: dict[str, int] = defaultdict(int)

    async def next(self, counts: dict[str, int]) -> dict[str, int]:
        """The last of `counts[group]` new numbers in each group."""
        out = {}
        for group, count in counts.items():
            self._last[group] += count
            out[group] = self._last[group]
        return out

    async def current(self, groups: Iterable[str]) -> dict[str, int]:
        return {group: self._last.get(group, 0) for group in groups}


class RedisSequences:
    """Counters in Redis, through one small client per event loop (the sender thread's, the
    ASGI server's)."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = async_redis_client(
                self.url, socket_connect_timeout=2, socket_timeout=5, max_connections=50)
        return client

    def _key(self, group: str) -> str:
        return f"{self.prefix}:seq:{group}"

    async def next(self, counts: dict[str, int]) -> dict[str, int]:
        """The last of `counts[group]` new numbers in each group (one pipelined INCRBY per group)."""
        groups = list(counts)
        async with self._client().pipeline(transaction=False) as pipe:
            for group in groups:
                pipe.incrby(self._key(group), counts[group])
            values = await pipe.execute()
        return dict(zip(groups, (int(v) for v in values), strict=True))

    async def current(self, groups: Iterable[str]) -> dict[str, int]:
        groups = list(groups)
        if not groups:
            return {}
        values = await self._client().mget([self._key(g) for g in groups])
        return {group: int(value or 0) for group, value in zip(groups, values, strict=True)}


_backend: MemorySequences | RedisSequences | None = None


def sequences() -> MemorySequences | RedisSequences:
    global _backend
    if _backend is None:
        if settings.EMBEDDED:
            _backend = MemorySequences()
        else:
            prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "asgi")
            _backend = RedisSequences(settings.REDIS_URL, prefix)
    return _backend
