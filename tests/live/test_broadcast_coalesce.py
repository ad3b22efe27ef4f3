"""A busy process's live events leave together (live.broadcast._Sender): within the
LIVE_COALESCE_MS window after a send, everything queued goes out as one layer message per group,
numbered in order; an idle sender sends at once. Real Redis channel layer and sequence keys.

Each scenario runs in an event loop of its own thread (tests.live.test_real_server's
run_in_own_loop): a session-wide browser fixture may keep a loop running in the main thread."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from channels.layers import get_channel_layer

from live import broadcast

from .test_real_server import run_in_own_loop

pytestmark = pytest.mark.redis


def e(n: int) -> dict:
    return {"type": "test", "n": n}


async def _listen(groups: list[str]):
    layer = get_channel_layer()
    channels = {}
    for group in groups:
        channels[group] = await layer.new_channel()
        await layer.group_add(group, channels[group])
    return layer, channels


async def _receive(layer, channels: dict[str, str], timeout: float) -> dict[str, list[dict]]:
    """Every layer message each channel got, until none comes for `timeout` seconds."""
    out = {}
    for group, channel in channels.items():
        out[group] = []
        while True:
            try:
                out[group].append(await asyncio.wait_for(layer.receive(channel), timeout))
            except TimeoutError:
                break
    return out


def _events(message: dict) -> list[dict]:
    return message["events"] if message["type"] == "live.events" else [message["event"]]


def test_events_queued_while_the_sender_is_busy_leave_as_one_message_per_group(settings):
    settings.LIVE_COALESCE_MS = 2000
    group, other = f"test-coalesce-{uuid.uuid4().hex}", f"test-coalesce-{uuid.uuid4().hex}"
    got = {}

    async def scenario():
        layer, channels = await _listen([group, other])
        broadcast.send_now([group], e(0))  # the sender has just sent: busy for the next 2 s
        first = await asyncio.wait_for(layer.receive(channels[group]), 10)
        assert _events(first)[0]["n"] == 0
        broadcast.send_now([group], e(1))
        broadcast.send_now([group, other], [e(2), e(3)])
        broadcast.send_now([group], e(4))
        assert broadcast.flush(10)
        got.update(await _receive(layer, channels, timeout=1.0))

    run_in_own_loop(scenario)
    # One layer message per group for everything handed over within the window, in order and
    # numbered on from the group's last number.
    assert [[(ev["n"], ev["seq"], ev["group"]) for ev in _events(m)] for m in got[group]] == [
        [(1, 2, group), (2, 3, group), (3, 4, group), (4, 5, group)]]
    assert [[(ev["n"], ev["seq"], ev["group"]) for ev in _events(m)] for m in got[other]] == [
        [(2, 1, other), (3, 2, other)]]


def test_an_idle_sender_does_not_wait_for_the_window(settings):
    """Idle (nothing sent for longer than the window), an event leaves at once; one that follows a
    send within the window waits for the window's end."""
    settings.LIVE_COALESCE_MS = 1500
    group = f"test-coalesce-{uuid.uuid4().hex}"
    waits = {}

    async def scenario():
        layer, channels = await _listen([group])

        async def seconds_to_arrive(n: int) -> float:
            started = time.monotonic()
            while True:
                message = await asyncio.wait_for(layer.receive(channels[group]), 10)
                if any(ev["n"] == n for ev in _events(message)):
                    return time.monotonic() - started

        time.sleep(1.6)  # whatever earlier tests sent is older than the window
        broadcast.send_now([group], e(1))
        waits[1] = await seconds_to_arrive(1)
        broadcast.send_now([group], e(2))  # right after a send: held to the window's end
        waits[2] = await seconds_to_arrive(2)

    run_in_own_loop(scenario)
    assert waits[1] < 1.0
    assert waits[2] > 1.0


def test_a_large_burst_is_split_into_bounded_messages(settings):
    settings.LIVE_COALESCE_MS = 200
    group = f"test-coalesce-{uuid.uuid4().hex}"
    total = broadcast.MAX_EVENTS_PER_MESSAGE * 2 + 5
    got = {}

    async def scenario():
        layer, channels = await _listen([group])
        for n in range(total):
            broadcast.send_now([group], e(n))
        assert broadcast.flush(10)
        got.update(await _receive(layer, channels, timeout=1.0))

    run_in_own_loop(scenario)
    messages = got[group]
    assert all(len(_events(m)) <= broadcast.MAX_EVENTS_PER_MESSAGE for m in messages)
    flat = [ev for m in messages for ev in _events(m)]
    assert [ev["n"] for ev in flat] == list(range(total))
    assert [ev["seq"] for ev in flat] == list(range(1, total + 1))
