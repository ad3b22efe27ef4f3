"""Every websocket consumer and permission case, through the real ASGI application (origin
validation, session authentication, URL routing) with WebsocketCommunicator."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from helpdesk.asgi import application
from live import services
from tickets.services import Actor, ticket_comment, ticket_create, ticket_transition

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")


def _cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _connect(path: str, user=None, origin=ORIGIN):
    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_cookie)(user)))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        # End the refused consumer inside this event loop; left running, its cancellation at the
        # loop's close can wait forever on a thread-sensitive call (asgiref).
        await communicator.disconnect()
    elif path != "/ws/echo/":
        # Every live socket first says where each of its groups' sequences stands.
        communicator.hello = await communicator.receive_json_from(timeout=3)
        assert communicator.hello["type"] == "hello", communicator.hello
    return communicator, connected


async def _next_of(communicator, type_prefix: str, limit: int = 10) -> dict:
    for _ in range(limit):
        event = await communicator.receive_json_from(timeout=3)
        if event["type"].startswith(type_prefix):
            return event
    raise AssertionError(f"no {type_prefix} event")


async def _rest_of(communicator, quiet: float = 0.3) -> list[dict]:
    """Every frame until the socket stays quiet for `quiet` seconds."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_json_from(timeout=3))
    return frames


def _ticket(district_code="raipur", category="otp-not-received", **kwargs):
    from accounts.models import District
    from tickets.models import Category

    return ticket_create(district=District.objects.get(code=district_code),
                         category=Category.objects.get(code=category), description="OTP never arrives",
                         requester_kind="citizen", channel="web", requester_mobile=kwargs.pop("mobile", ""),
                         actor=Actor(label="citizen"), **kwargs).ticket


def _run(scenario):
    from asgiref.sync import async_to_sync

    async_to_sync(scenario)()


# --- /ws/status/ --------------------------------------------------------------------------------

def test_status_socket_is_public_and_gets_component_and_incident_events(supervisor):
    from live.seed import ensure_components

    components = {c.code: c for c in ensure_components()}

    async def scenario():
        ws, ok = await _connect("/ws/status/")
        assert ok
        incident = await sync_to_async(services.incident_create)(
            title="Registration down", actor=supervisor, components=[components["registration"]],
            component_status="major_outage", body_en="Investigating.", body_hi="जाँच जारी है।")
        received = [await ws.receive_json_from(timeout=3) for _ in range(3)]
        assert [e["type"] for e in received] == ["component.status", "incident.created", "incident.update"]
        # Numbered in the status group, one after another from the baseline the socket was given.
        start = ws.hello["seq"]["status"]
        assert [(e["group"], e["seq"]) for e in received] == [("status", start + 1), ("status", start + 2),
                                                               ("status", start + 3)]
        assert received[0]["status"] == "major_outage" and received[1]["incident_id"] == incident.pk
        await sync_to_async(services.incident_add_note)(incident_id=incident.pk, body="secret", actor=supervisor)
        await sync_to_async(_ticket)()
        assert await ws.receive_nothing(timeout=0.5)  # no internal notes, no ticket events
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from(timeout=3) == {"type": "pong", "seq": {"status": start + 3}}
        await ws.disconnect()

    _run(scenario)


@pytest.mark.parametrize("path", ["/ws/status/", "/ws/console/", "/ws/echo/"])
def test_a_foreign_origin_is_refused(path, agent):
    async def scenario():
        _ws, ok = await _connect(path, agent, origin=(b"origin", b"http://evil.example"))
        assert not ok
        _ws, ok = await _connect(path, agent, origin=None)
        assert not ok

    _run(scenario)


# --- /ws/console/ -------------------------------------------------------------------------------

def test_anonymous_is_refused_on_console_and_ticket_sockets(db):
    ticket = _ticket()

    async def scenario():
        for path in ["/ws/console/", f"/ws/tickets/{ticket.pk}/"]:
            _ws, ok = await _connect(path)
            assert not ok, path

    _run(scenario)


def test_console_events_carry_ids_and_changes_not_personal_data(agent):
    async def scenario():
        ws, ok = await _connect("/ws/console/", agent)
        assert ok
        ticket = await sync_to_async(_ticket)(mobile="9812345678", requester_name="Ramesh Kumar")
        event = await _next_of(ws, "ticket.created")
        assert set(event) == {"type", "event_id", "ticket_id", "number", "district_id", "status", "priority",
                              "changes", "at", "group", "seq"}
        assert event["group"] == "console" and event["seq"] > ws.hello["seq"]["console"]
        assert event["ticket_id"] == ticket.pk and event["status"] == "new"
        assert "9812345678" not in str(event) and "Ramesh" not in str(event)
        await sync_to_async(ticket_transition)(ticket_id=ticket.pk, to="in_progress", actor=Actor.of(agent))
        event = await _next_of(ws, "ticket.status_changed")
        assert event["changes"] == {"from": "new", "to": "in_progress"}
        await ws.disconnect()

    _run(scenario)


def test_the_events_of_one_commit_arrive_as_frames_numbered_in_order(agent):
    """A new ticket's clocks start in the same commit: their events travel as one layer message
    per group (live.broadcast) and reach the socket as one frame each, numbered 1 by 1."""

    async def scenario():
        ws, ok = await _connect("/ws/console/", agent)
        assert ok
        ticket = await sync_to_async(_ticket)()
        frames = [await ws.receive_json_from(timeout=3) for _ in range(3)]
        assert [f["type"] for f in frames] == ["ticket.created", "ticket.clock_started", "ticket.clock_started"]
        assert {f["ticket_id"] for f in frames} == {ticket.pk}
        assert {f["changes"]["clock"] for f in frames[1:]} == {"first_response", "resolution"}
        start = ws.hello["seq"]["console"]
        assert [f["seq"] for f in frames] == [start + 1, start + 2, start + 3]
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    _run(scenario)


def test_a_district_officials_socket_never_receives_another_districts_events(make_user):
    from accounts.models import District

    raipur_official = make_user("district_official")
    bastar_official = make_user("district_official", district=District.objects.get(code="bastar"))

    async def scenario():
        raipur_ws, ok1 = await _connect("/ws/console/", raipur_official)
        bastar_ws, ok2 = await _connect("/ws/console/", bastar_official)
        assert ok1 and ok2
        bastar_ticket = await sync_to_async(_ticket)("bastar")
        event = await _next_of(bastar_ws, "ticket.created")
        assert event["ticket_id"] == bastar_ticket.pk
        assert {e["ticket_id"] for e in await _rest_of(bastar_ws)} == {bastar_ticket.pk}  # its clocks
        raipur_ticket = await sync_to_async(_ticket)("raipur")
        event = await _next_of(raipur_ws, "ticket.created")
        assert event["ticket_id"] == raipur_ticket.pk  # its own district's events, and only those
        assert {e["ticket_id"] for e in await _rest_of(raipur_ws)} == {raipur_ticket.pk}
        assert await bastar_ws.receive_nothing(timeout=0.5)
        assert await raipur_ws.receive_nothing(timeout=0.3)
        await raipur_ws.disconnect()
        await bastar_ws.disconnect()

    _run(scenario)


def test_vendor_staff_get_only_tickets_handed_to_their_vendor(make_user, agent):
    engineer = make_user("vendor_engineer")

    async def scenario():
        ws, ok = await _connect("/ws/console/", engineer)
        assert ok
        ticket = await sync_to_async(_ticket)()
        assert await ws.receive_nothing(timeout=0.5)
        await sync_to_async(ticket_transition)(ticket_id=ticket.pk, to="awaiting_vendor", actor=Actor.of(agent),
                                               vendor=engineer.vendor)
        event = await _next_of(ws, "ticket.")
        assert event["ticket_id"] == ticket.pk
        await ws.disconnect()

    _run(scenario)


# --- /ws/tickets/<id>/ --------------------------------------------------------------------------

def test_ticket_socket_refuses_users_who_cannot_see_the_ticket(make_user):
    from accounts.models import District

    ticket = _ticket("raipur")
    bastar_official = make_user("district_official", district=District.objects.get(code="bastar"))
    engineer = make_user("vendor_engineer")

    async def scenario():
        for user in (bastar_official, engineer):
            _ws, ok = await _connect(f"/ws/tickets/{ticket.pk}/", user)
            assert not ok
        _ws, ok = await _connect("/ws/tickets/999999/", bastar_official)
        assert not ok

    _run(scenario)


def test_ticket_socket_presence_typing_and_thread_updates(make_user):
    first = make_user("agent", first_name="Amit", last_name="Sahu")
    second = make_user("agent", first_name="Kavita", last_name="Yadav")
    official = make_user("district_official", first_name="Rakesh", last_name="Patel")
    ticket = _ticket("raipur")

    async def scenario():
        ws1, ok = await _connect(f"/ws/tickets/{ticket.pk}/", first)
        assert ok
        event = await _next_of(ws1, "presence")
        assert [v["name"] for v in event["viewers"]] == ["Amit Sahu"] and event["self_id"] == first.pk
        ws2, ok = await _connect(f"/ws/tickets/{ticket.pk}/", second)
        assert ok
        event = await _next_of(ws1, "presence")
        assert [v["name"] for v in event["viewers"]] == ["Amit Sahu", "Kavita Yadav"]
        await _next_of(ws2, "presence")
        ws3, ok = await _connect(f"/ws/tickets/{ticket.pk}/", official)  # same district: may see it
        assert ok
        await _next_of(ws1, "presence")
        await _next_of(ws2, "presence")
        await _next_of(ws3, "presence")
        await ws2.send_json_to({"type": "typing"})
        event = await _next_of(ws1, "typing")
        assert event["user_id"] == second.pk and event["name"] == "Kavita Yadav"
        await ws2.send_json_to({"type": "typing"})  # throttled: within 2 s of the last one
        await _next_of(ws3, "typing")
        assert await ws3.receive_nothing(timeout=0.3)
        await sync_to_async(ticket_comment)(ticket_id=ticket.pk, body="We are on it", actor=Actor.of(first),
                                            is_public=True)
        event = await _next_of(ws2, "ticket.comment")
        assert event["ticket_id"] == ticket.pk and "We are on it" not in str(event)
        await ws2.disconnect()
        event = await _next_of(ws1, "presence")
        assert [v["name"] for v in event["viewers"]] == ["Amit Sahu", "Rakesh Patel"]
        await ws1.disconnect()
        await ws3.disconnect()

    _run(scenario)


def test_ticket_socket_with_an_out_of_range_id_is_refused(agent):
    async def scenario():
        _ws, ok = await _connect("/ws/tickets/99999999999999999999/", agent)
        assert not ok

    _run(scenario)


@pytest.mark.parametrize("garbage", ["not json", "[1, 2", "x" * 5000, "null", "[]", '{"type": 5}'])
def test_garbage_from_a_client_is_ignored(agent, garbage):
    ticket = _ticket()

    async def scenario():
        for path in ["/ws/status/", f"/ws/tickets/{ticket.pk}/"]:
            ws, ok = await _connect(path, agent)
            assert ok
            await ws.send_to(text_data=garbage)
            await ws.send_json_to({"type": "ping"})
            assert (await _next_of(ws, "pong"))["type"] == "pong"
            await ws.disconnect()

    _run(scenario)
