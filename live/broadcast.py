"""The one way events leave the process: to channel-layer groups, after the transaction commits.

Events are hints carrying ids and changes; clients re-fetch the truth over REST.

With the Redis layer, sync code (gunicorn views, Celery tasks) hands events to one background
thread per process that runs its own event loop: the layer's connection pool lives there and
is reused, sends keep their order (one queue, one sender), and the request never waits on Redis.
(`async_to_sync` per send would build an event loop and a Redis connection each time: about
15 ms per group on this machine.) The in-memory layer of the embedded default only works on the
server's own loop, so there the send goes through `async_to_sync`, which runs it on that loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from .sequence import sequences

log = logging.getLogger(__name__)
BACKLOG_WARNING = 100


async def _send_all(layer, groups: list[str], message: dict) -> None:
    """Number the event(s) in each of its groups (live.sequence), then send them to all of the
    groups at once. A message is one event (`live.event`) or the events of one commit for one
    ticket (`live.events`, in order: one layer message per group instead of one per event; the
    consumers forward each event as its own frame). A failure is logged, never raised: the
    clients notice the hole in the numbers (or the dropped socket) and resync from the database."""
    if not groups:
        return
    events = message["events"] if "events" in message else [message["event"]]
    try:
        last = await sequences().next(groups, count=len(events))
    except Exception:  # Redis down: nothing can be sent either
        log.warning("live broadcast of %s: no sequence numbers", events[0].get("type"), exc_info=True)
        return

    def numbered(group: str) -> dict:
        first = last[group] - len(events) + 1
        out = [{**event, "group": group, "seq": first + i} for i, event in enumerate(events)]
        if "events" in message:
            return {**message, "events": out}
        return {**message, "event": out[0]}

    async def one(group: str) -> None:
        try:
            await layer.group_send(group, numbered(group))
        except Exception:
            log.warning("live broadcast to %s failed", group, exc_info=True)

    await asyncio.gather(*(one(group) for group in groups))


class _Sender:
    """A daemon thread with an event loop that sends queued events in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._queue = asyncio.Queue()
            loop.create_task(self._drain())
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, name="live-broadcast", daemon=True).start()
        ready.wait()  # the queue must exist before the first submit (a busy machine may take a while)
        self._loop = loop
        atexit.register(flush, 2.0)  # a worker that exits sends what it queued first

    async def _drain(self) -> None:
        layer = get_channel_layer()
        warned_at = 0
        while True:
            groups, message, done = await self._queue.get()
            backlog = self._queue.qsize()
            if backlog >= BACKLOG_WARNING and backlog >= 2 * warned_at:
                warned_at = backlog
                log.warning("live broadcast backlog: %s events waiting in this process", backlog)
            elif backlog == 0:
                warned_at = 0
            try:
                await _send_all(layer, groups, message)
            except Exception:  # never let the sender die: every later event would vanish with it
                log.exception("live broadcast failed")
            if done is not None:
                done.set()

    def submit(self, groups: list[str], message: dict, done: threading.Event | None = None) -> None:
        with self._lock:
            if self._pid != os.getpid():  # first use in this process (or after a fork)
                self._start()
                self._pid = os.getpid()
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (groups, message, done))


_sender = _Sender()


def send_now(groups: Iterable[str], event: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Send immediately (use only outside a transaction); `event` may be a list of events, sent
    in order as one message per group. A channel-layer outage is logged, not raised: live events
    are hints, the database already holds the truth."""
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(event, list):
        if not event:
            return
        message = {"type": "live.events", "events": event} if len(event) > 1 else {"type": "live.event",
                                                                                  "event": event[0]}
    else:
        message = {"type": "live.event", "event": event}
    groups = list(dict.fromkeys(groups))
    if settings.EMBEDDED:
        async_to_sync(_send_all)(layer, groups, message)
    else:
        _sender.submit(groups, message)


def flush(timeout: float = 5.0) -> bool:
    """Wait until every event handed to the background sender so far has been sent (tests and
    benchmarks; the app never needs to wait)."""
    if settings.EMBEDDED or _sender._pid != os.getpid():
        return True
    done = threading.Event()
    _sender.submit([], {}, done)
    return done.wait(timeout)


class _Pending:
    """A broadcast waiting for its transaction's commit (an on_commit callback)."""

    __slots__ = ("groups", "events")

    def __init__(self, groups: list[str], events: list[dict[str, Any]]) -> None:
        self.groups = groups
        self.events = events

    def __call__(self) -> None:
        send_now(self.groups, self.events if len(self.events) > 1 else self.events[0])


def broadcast(groups: Iterable[str], event: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Send `event` (or a list of events, in order) to `groups` once the current transaction
    commits (at once if none is open).

    Within one transaction, a broadcast to the same groups as the last one still waiting, at
    the same savepoint, joins it (a new ticket's `created` and its clocks' events, written by
    two listeners): one message per group instead of two. Never across another broadcast
    (the order per group stays), never into a savepoint that could roll back without it."""
    groups = list(groups)
    events = list(event) if isinstance(event, list) else [event]
    if not events:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for sids, func, _robust in reversed(connection.run_on_commit):
            if isinstance(func, _Pending):
                if func.groups == groups and sids == set(connection.savepoint_ids):
                    func.events.extend(events)
                    return
                break
    transaction.on_commit(_Pending(groups, events))
