"""Who is viewing a ticket: held in Redis (a sorted set per ticket, scored by expiry, plus a hash
of who each socket is), never in the database. Entries expire on their own if a server dies
without saying goodbye; sockets refresh theirs on every heartbeat.

On the embedded default (no Redis, one process, in-memory channel layer) a dict in this process
plays the same role.
"""

from __future__ import annotations

import json
import time

from django.conf import settings

from helpdesk.backends import async_redis_client

TTL_SECONDS = 60


class _MemoryPresence:
    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, tuple[float, dict]]] = {}

    async def join(self, room: str, member: str, info: dict) -> None:
        self._rooms.setdefault(room, {})[member] = (time.time() + TTL_SECONDS, info)

    async def leave(self, room: str, member: str) -> None:
        self._rooms.get(room, {}).pop(member, None)

    def purge(self) -> int:
        """Drop expired entries and empty rooms (Redis expires its keys by itself)."""
        now = time.time()
        removed = 0
        for room in list(self._rooms):
            entries = self._rooms.get(room, {})
            for member in [m for m, (expires, _) in entries.items() if expires < now]:
                entries.pop(member, None)
                removed += 1
            if not entries:
                self._rooms.pop(room, None)
        return removed

    async def members(self, room: str) -> list[dict]:
        now = time.time()
        entries = self._rooms.get(room, {})
        for member in [m for m, (expires, _) in entries.items() if expires < now]:
            del entries[member]
        return [info for _, info in entries.values()]


class _RedisPresence:
    def __init__(self, url: str) -> None:
        self._url = url

    def _client(self):
        # One client per event loop: uvicorn runs one loop, tests run several.
        return async_redis_client(self._url)

    @staticmethod
    def _keys(room: str) -> tuple[str, str]:
        prefix = getattr(settings, "CHANNEL_LAYERS", {}).get("default", {}).get("CONFIG", {}).get("prefix", "hd")
        return f"{prefix}:presence:{room}", f"{prefix}:presence:{room}:who"

    def purge(self) -> int:
        """Nothing to do: every presence key expires TTL_SECONDS * 2 after its last refresh."""
        return 0

    async def join(self, room: str, member: str, info: dict) -> None:
        zkey, hkey = self._keys(room)
        client = self._client()
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.zadd(zkey, {member: time.time() + TTL_SECONDS})
                pipe.hset(hkey, member, json.dumps(info))
                pipe.expire(zkey, TTL_SECONDS * 2)
                pipe.expire(hkey, TTL_SECONDS * 2)
                await pipe.execute()
        finally:
            await client.aclose()

    async def leave(self, room: str, member: str) -> None:
        zkey, hkey = self._keys(room)
        client = self._client()
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.zrem(zkey, member)
                pipe.hdel(hkey, member)
                await pipe.execute()
        finally:
            await client.aclose()

    async def members(self, room: str) -> list[dict]:
        zkey, hkey = self._keys(room)
        client = self._client()
        try:
            now = time.time()
            expired = await client.zrangebyscore(zkey, 0, now)
            if expired:
                async with client.pipeline(transaction=True) as pipe:
                    pipe.zremrangebyscore(zkey, 0, now)
                    pipe.hdel(hkey, *expired)
                    await pipe.execute()
            members = await client.zrange(zkey, 0, -1)
            if not members:
                return []
            infos = await client.hmget(hkey, members)
            return [json.loads(info) for info in infos if info]
        finally:
            await client.aclose()


_backend = None


def backend():
    global _backend
    if _backend is None:
        _backend = _MemoryPresence() if settings.EMBEDDED else _RedisPresence(settings.REDIS_URL)
    return _backend


def viewers(members: list[dict]) -> list[dict]:
    """One entry per user (a user with two tabs open is one viewer)."""
    seen: dict[int, dict] = {}
    for info in members:
        seen.setdefault(info["user_id"], {"user_id": info["user_id"], "name": info["name"]})
    return sorted(seen.values(), key=lambda v: v["name"])
