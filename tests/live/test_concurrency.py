"""Invariants under concurrency (PostgreSQL row locks and partial unique constraints), presence
expiry, and the status fan-out's membership."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.db import connection
from django.utils import timezone

from helpdesk.exceptions import Conflict
from live import presence, services
from live.models import Incident, Suspicion
from live.spikes import _record
from tickets.models import Category

pytestmark = pytest.mark.django_db(transaction=True)


def _race(n, work):
    barrier = threading.Barrier(n)
    outcomes: list = []

    def run(i):
        try:
            barrier.wait()
            outcomes.append(("ok", work(i)))
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert
            outcomes.append(("error", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@pytest.mark.postgres
def test_concurrent_spike_checks_make_one_open_suspicion(make_ticket, raipur):
    category = Category.objects.get(code="otp-not-received")
    ids = [make_ticket(district=raipur, category=category).pk for _ in range(5)]
    now = timezone.now()
    outcomes = _race(4, lambda i: _record(category_id=category.pk, district_id=raipur.pk, count=5, baseline=0.0,
                                          ticket_ids=ids, now=now).pk)
    assert [kind for kind, _ in outcomes] == ["ok"] * 4
    assert len({pk for _, pk in outcomes}) == 1
    assert Suspicion.objects.filter(status="open").count() == 1
    assert Suspicion.objects.get().tickets.count() == 5


@pytest.mark.postgres
def test_concurrent_confirms_open_one_incident(make_ticket, raipur, supervisor):
    category = Category.objects.get(code="otp-not-received")
    ids = [make_ticket(district=raipur, category=category).pk for _ in range(5)]
    suspicion = _record(category_id=category.pk, district_id=raipur.pk, count=5, baseline=0.0, ticket_ids=ids,
                        now=timezone.now())
    outcomes = _race(3, lambda i: services.suspicion_confirm(suspicion_id=suspicion.pk, actor=supervisor).pk)
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "error", "ok"]
    assert all(isinstance(exc, Conflict) for kind, exc in outcomes if kind == "error")
    assert Incident.objects.count() == 1


@pytest.mark.postgres
def test_concurrent_component_changes_keep_one_state_row_and_a_consistent_history(components, supervisor):
    from live.models import ComponentState, ComponentStatusChange

    statuses = ["degraded", "major_outage", "partial_outage", "degraded", "operational", "major_outage"]
    _race(len(statuses), lambda i: services.component_set_status(component=components["otp-sms"],
                                                                 status=statuses[i], actor=supervisor).status)
    assert ComponentState.objects.filter(component=components["otp-sms"], district=None).count() == 1
    history = list(ComponentStatusChange.objects.order_by("at", "id").values_list("from_status", "to_status"))
    for (_, previous_to), (following_from, _) in zip(history, history[1:], strict=False):
        assert following_from == previous_to  # each change starts where the last one ended
    final = ComponentState.objects.get(component=components["otp-sms"], district=None).status
    assert (history[-1][1] if history else "operational") == final


def test_presence_entries_expire_without_a_goodbye():
    room = "ticket.presence-test"
    backend = presence.backend()

    async def scenario():
        await backend.join(room, "chan-1", {"user_id": 1, "name": "Amit"})
        await backend.join(room, "chan-2", {"user_id": 1, "name": "Amit"})  # a second tab
        await backend.join(room, "chan-3", {"user_id": 2, "name": "Kavita"})
        assert presence.viewers(await backend.members(room)) == [{"user_id": 1, "name": "Amit"},
                                                                  {"user_id": 2, "name": "Kavita"}]
        await backend.leave(room, "chan-3")
        assert [v["name"] for v in presence.viewers(await backend.members(room))] == ["Amit"]

    async def later():
        return await backend.members(room)

    async_to_sync(scenario)()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=presence.TTL_SECONDS + 5)):
        assert async_to_sync(later)() == []


def test_status_fanout_drops_closed_sockets():
    from channels.testing import WebsocketCommunicator

    from helpdesk.asgi import application
    from live.fanout import fanout
    from live.seed import ensure_components
    from live.services import component_set_status

    component = ensure_components()[0]

    async def scenario():
        headers = [(b"origin", b"http://testserver")]
        first = WebsocketCommunicator(application, "/ws/status/", headers=headers)
        second = WebsocketCommunicator(application, "/ws/status/", headers=headers)
        assert (await first.connect())[0] and (await second.connect())[0]
        assert len(fanout("status").members) == 2
        await first.disconnect()
        assert len(fanout("status").members) == 1
        from asgiref.sync import sync_to_async

        await sync_to_async(component_set_status)(component=component, status="degraded")
        assert (await second.receive_json_from(timeout=3))["type"] == "hello"
        event = await second.receive_json_from(timeout=3)
        assert event["type"] == "component.status" and event["status"] == "degraded"
        await second.disconnect()
        assert len(fanout("status").members) == 0

    async_to_sync(scenario)()
