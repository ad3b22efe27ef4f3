"""A busy process's live events leave together (live.broadcast._Sender): within the
LIVE_COALESCE_MS window after a send, everything queued goes out as one layer message per group,
numbered in order; an idle sender sends at once. Real Redis channel layer and sequence keys."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from live import broadcast

pytestmark = pytest.mark.redis


def e(n: int) -> dict:
    return {"type": "test", "n": n}


def _listen(groups: list[str]):
    layer = get_channel_layer()
    channels = {}

    async def join():
        for group in groups:
            channels[group] = await layer.new_channel()
            await layer.group_add(group, channels[group])

    async_to_sync(join)()
    return layer, channels


def _receive(layer, channels: dict[str, str], timeout: float = 3.0) -> dict[str, list[dict]]:
    """Every layer message each channel got, until none comes for `timeout` seconds."""

    async def drain():
        out = {}
        for group, channel in channels.items():
            out[group] = []
            while True:
                try:
                    out[group].append(await asyncio.wait_for(layer.receive(channel), timeout))
                except TimeoutError:
                    break
        return out

    return async_to_sync(drain)()


def _events(message: dict) -> list[dict]:
    return message["events"] if message["type"] == "live.events" else [message["event"]]


def test_events_queued_while_the_sender_is_busy_leave_as_one_message_per_group(settings):
    settings.LIVE_COALESCE_MS = 400
    group, other = f"test-coalesce-{uuid.uuid4().hex}", f"test-coalesce-{uuid.uuid4().hex}"
    layer, channels = _listen([group, other])
    broadcast.send_now([group], e(1))
    broadcast.send_now([group, other], [e(2), e(3)])
    broadcast.send_now([group], e(4))
    assert broadcast.flush(5)
    got = _receive(layer, channels, timeout=1.0)

    mine = [_events(m) for m in got[group]]
    flat = [ev for events in mine for ev in events]
    assert [ev["n"] for ev in flat] == [1, 2, 3, 4]
    assert [ev["seq"] for ev in flat] == [1, 2, 3, 4]  # a new group: numbered from 1, no hole
    assert {ev["group"] for ev in flat} == {group}
    # 1 may have left alone (an idle sender sends at once); 2, 3 and 4 were queued while it was
    # busy, and leave together.
    assert [ev["n"] for ev in mine[-1]] == [2, 3, 4] or [ev["n"] for ev in mine[-1]] == [1, 2, 3, 4]
    assert len(got[group]) <= 2
    assert [[(ev["n"], ev["seq"], ev["group"]) for ev in _events(m)] for m in got[other]] == [
        [(2, 1, other), (3, 2, other)]]


def test_an_idle_sender_does_not_wait_for_the_window(settings):
    """Idle (nothing sent for longer than the window), an event leaves at once; one that follows a
    send within the window waits for the window's end."""
    settings.LIVE_COALESCE_MS = 1500
    group = f"test-coalesce-{uuid.uuid4().hex}"
    layer, channels = _listen([group])

    def seconds_to_arrive(n: int) -> float:
        started = time.monotonic()

        async def wait():
            while True:
                message = await asyncio.wait_for(layer.receive(channels[group]), 10)
                if any(ev["n"] == n for ev in _events(message)):
                    return

        async_to_sync(wait)()
        return time.monotonic() - started

    time.sleep(1.6)  # whatever earlier tests sent is older than the window
    broadcast.send_now([group], e(1))
    assert seconds_to_arrive(1) < 1.0
    broadcast.send_now([group], e(2))  # right after a send: held to the window's end
    assert seconds_to_arrive(2) > 1.0


def test_a_large_burst_is_split_into_bounded_messages(settings):
    settings.LIVE_COALESCE_MS = 200
    group = f"test-coalesce-{uuid.uuid4().hex}"
    layer, channels = _listen([group])
    total = broadcast.MAX_EVENTS_PER_MESSAGE * 2 + 5
    for n in range(total):
        broadcast.send_now([group], e(n))
    assert broadcast.flush(10)
    got = _receive(layer, channels, timeout=1.0)[group]
    assert all(len(_events(m)) <= broadcast.MAX_EVENTS_PER_MESSAGE for m in got)
    flat = [ev for m in got for ev in _events(m)]
    assert [ev["n"] for ev in flat] == list(range(total))
    assert [ev["seq"] for ev in flat] == list(range(1, total + 1))
