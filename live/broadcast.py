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
MAX_EVENTS_PER_MESSAGE = 200  # a layer message stays small whatever the surge


def _message(events: list[dict]) -> dict:
    return {"type": "live.events", "events": events} if len(events) > 1 else {"type": "live.event",
                                                                             "event": events[0]}


async def _send_grouped(layer, per_group: dict[str, list[dict]]) -> None:
    """Number each group's events (live.sequence: one pipelined INCRBY for all the groups), then
    send each group its events as one layer message, all groups at once. A message is one event
    (`live.event`) or several in order (`live.events`; the consumers forward each event as its own
    frame). A failure is logged, never raised: the clients notice the hole in the numbers (or the
    dropped socket) and resync from the database."""
    if not per_group:
        return
    try:
        last = await sequences().next({group: len(events) for group, events in per_group.items()})
    except Exception:  # Redis down: nothing can be sent either
        log.warning("live broadcast of %s: no sequence numbers", next(iter(per_group.values()))[0].get("type"),
                    exc_info=True)
        return

    async def one(group: str, events: list[dict]) -> None:
        first = last[group] - len(events) + 1
        numbered = [{**event, "group": group, "seq": first + i} for i, event in enumerate(events)]
        try:
            for start in range(0, len(numbered), MAX_EVENTS_PER_MESSAGE):
                await layer.group_send(group, _message(numbered[start:start + MAX_EVENTS_PER_MESSAGE]))
        except Exception:
            log.warning("live broadcast to %s failed", group, exc_info=True)

    await asyncio.gather(*(one(group, events) for group, events in per_group.items()))


async def _send_all(layer, groups: list[str], message: dict) -> None:
    """One message (`live.event` or `live.events`) to each of `groups` (see _send_grouped)."""
    events = message["events"] if "events" in message else [message["event"]]
    await _send_grouped(layer, {group: list(events) for group in groups})


def _coalesce(batch: list[tuple[list[str], dict]]) -> dict[str, list[dict]]:
    """The events of several queued messages, per group, each group's in the order queued."""
    per_group: dict[str, list[dict]] = {}
    for groups, message in batch:
        events = message["events"] if "events" in message else [message["event"]]
        for group in groups:
            per_group.setdefault(group, []).extend(events)
    return per_group


class _Sender:
    """A daemon thread with an event loop that sends queued events in order.

    Submitting appends to a list under a lock; the loop is woken (one self-pipe write) only when
    it is waiting for work, so the submits of a busy window cost no wake-ups of the sender."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[list[str], dict, threading.Event | None]] = []
        self._idle = False  # the sender is waiting on _wake for the next item
        self._wake: asyncio.Event | None = None

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._pending, self._idle = [], False

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._wake = asyncio.Event()
            loop.create_task(self._drain())
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, name="live-broadcast", daemon=True).start()
        ready.wait()  # the event must exist before the first submit (a busy machine may take a while)
        self._loop = loop
        atexit.register(flush, 2.0)  # a worker that exits sends what it queued first

    def _take(self) -> list[tuple[list[str], dict, threading.Event | None]]:
        """Everything submitted so far, in order."""
        with self._lock:
            items, self._pending = self._pending, []
            return items

    async def _drain(self) -> None:
        """Send what is submitted, in order. Idle, an event leaves at once. Busy (the last send
        was less than `LIVE_COALESCE_MS` ago), the sender waits out the rest of that window and
        sends everything submitted by then together: one sequence round trip and one layer
        message per group for all of it, instead of per ticket (a surge's events cost the same
        Redis round trips whatever their number; each event is at most one window late)."""
        layer = get_channel_layer()
        loop = asyncio.get_running_loop()
        warned_at = 0
        last_sent = float("-inf")
        while True:
            if not self._take_peek():
                await self._wake.wait()
                self._wake.clear()
            window = settings.LIVE_COALESCE_MS / 1000
            since = loop.time() - last_sent
            if since < window:
                await asyncio.sleep(window - since)
            items = self._take()
            if not items:
                continue
            backlog = len(items)
            if backlog >= BACKLOG_WARNING and backlog >= 2 * warned_at:
                warned_at = backlog
                log.warning("live broadcast backlog: %s events waiting in this process", backlog)
            elif backlog <= 1:
                warned_at = 0
            batch: list[tuple[list[str], dict]] = []
            for groups, message, done in items:
                if groups:
                    batch.append((groups, message))
                if done is not None:  # flush(): everything submitted before it leaves first
                    await self._send(layer, batch)
                    batch = []
                    done.set()
            await self._send(layer, batch)
            last_sent = loop.time()

    def _take_peek(self) -> bool:
        """Whether anything is waiting; if not, the sender is marked idle under the same lock."""
        with self._lock:
            self._idle = not self._pending
            return not self._idle

    @staticmethod
    async def _send(layer, batch: list[tuple[list[str], dict]]) -> None:
        if not batch:
            return
        try:
            await _send_grouped(layer, _coalesce(batch))
        except Exception:  # never let the sender die: every later event would vanish with it
            log.exception("live broadcast failed")

    def submit(self, groups: list[str], message: dict, done: threading.Event | None = None) -> None:
        with self._lock:
            if self._pid != os.getpid():  # first use in this process (or after a fork)
                self._start()
                self._pid = os.getpid()
            self._pending.append((groups, message, done))
            wake, self._idle = self._idle, False
        if wake:
            self._loop.call_soon_threadsafe(self._wake.set)


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
        # A block without a savepoint (None in the ids) rolls back only with its whole transaction.
        current = set(connection.savepoint_ids) - {None}
        for sids, func, _robust in reversed(connection.run_on_commit):
            if isinstance(func, _Pending):
                if func.groups == groups and sids - {None} == current:
                    func.events.extend(events)
                    return
                break
    transaction.on_commit(_Pending(groups, events))
