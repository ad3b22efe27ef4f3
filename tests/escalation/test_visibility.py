"""Visibility by escalation (accounts.permissions, the one place): being escalated to, at any
level, gives that person and their vendor's staff read access to the ticket from the moment the
step fires until it is closed; another vendor's staff never see it. Every role x own/other
vendor x before/after the step fired x after close, through both the list scope and the object
check (they must agree), and two vendors escalated to in the same minute."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import District
from accounts.permissions import can_see_ticket, scope_tickets
from escalation import engine
from escalation.models import Calendar, OnCallMember, OnCallRotation, Policy
from tests.escalation.conftest import T0
from tests.factories import UserFactory, VendorFactory
from tickets import services as ts
from tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, ladder):
    """Vendor A (the conftest's) and vendor B, each with an engineer on call and an officer; a
    P1 policy escalating to A for one category and to B for another."""
    vendor_b = VendorFactory(code="vendor-b", name="Vendor B")
    b_eng = UserFactory(username="b_eng", role="vendor_engineer", vendor=vendor_b, mobile="9200000001")
    b_off = UserFactory(username="b_off", role="vendor_officer", vendor=vendor_b, mobile="9200000002")
    rotation = OnCallRotation.objects.create(vendor=vendor_b, name="b", starts_at=T0 - dt.timedelta(hours=2),
                                             shift_hours=12)
    OnCallMember.objects.create(rotation=rotation, user=b_eng, position=1)
    cal = Calendar.objects.create(name="24x7", always_open=True)
    first, second = Category.objects.order_by("position")[:2]
    targets = {"calendar": cal, "first_response_minutes": 15, "resolution_minutes": 60, "vendor_ack_minutes": 15,
               "ladder": ladder, "priority": "P1"}
    Policy.objects.create(name="A", position=1, category=first, vendor=people["vendor"], **targets)
    Policy.objects.create(name="B", position=2, category=second, vendor=vendor_b, **targets)
    Policy.objects.create(name="fallback", is_fallback=True, calendar=cal, first_response_minutes=240,
                          resolution_minutes=2880)
    return {**people, "vendor_b": vendor_b, "b_eng": b_eng, "b_off": b_off, "cat_a": first, "cat_b": second,
            "official": UserFactory(role="district_official"), "agent": UserFactory(role="agent")}


def _ticket(category) -> Ticket:
    return ts.ticket_create(district=District.objects.get(code="raipur"),
                            category=category, description="Portal down", requester_kind="citizen", channel="web",
                            actor=ts.Actor(label="citizen"), priority="P1").ticket


def _sees(user, ticket) -> bool:
    listed = scope_tickets(user, Ticket.objects.all()).filter(pk=ticket.pk).exists()
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert listed == can_see_ticket(user, fresh), f"list scope and object check disagree for {user.username}"
    return listed


# (role key, sees before the step fired, after it fired, after close)
MATRIX = [
    ("eng1", False, True, False),      # the engineer on call of A: escalated to in person
    ("eng2", False, True, False),      # A's other engineer: their vendor was escalated to
    ("officer", False, True, False),   # A's responsible officer
    ("b_eng", False, False, False),    # vendor B's engineer: never
    ("b_off", False, False, False),    # vendor B's officer: never
    ("official", True, True, True),    # Raipur's district official: their district, always
    ("agent", True, True, True),       # the desk: everything
]


@pytest.mark.parametrize(("who", "before", "after", "closed"), MATRIX, ids=[m[0] for m in MATRIX])
def test_visibility_matrix(world, who, before, after, closed):
    user = world[who]
    with time_machine.travel(T0, tick=False) as clock:
        ticket = _ticket(world["cat_a"])
        assert _sees(user, ticket) is before
        clock.shift(dt.timedelta(minutes=61))  # resolution breached: level 1 (on call) fires
        engine.sweep()
        assert ticket.escalations.filter(vendor=world["vendor"]).exists()
        assert _sees(user, ticket) is after
        ts.ticket_transition(ticket_id=ticket.pk, to="resolved", actor=ts.Actor.of(world["agent"]), note="fixed")
        assert _sees(user, ticket) is after  # resolved is not closed yet
        ts.ticket_transition(ticket_id=ticket.pk, to="closed", actor=ts.Actor.of(world["agent"]))
        assert _sees(user, ticket) is closed


def test_two_vendors_escalated_the_same_minute_never_see_each_other(world, client):
    with time_machine.travel(T0, tick=False) as clock:
        for_a, for_b = _ticket(world["cat_a"]), _ticket(world["cat_b"])
        clock.shift(dt.timedelta(minutes=61))
        engine.sweep()
    assert {r.vendor_id for r in for_a.escalations.all()} == {world["vendor"].pk}
    assert {r.vendor_id for r in for_b.escalations.all()} == {world["vendor_b"].pk}
    for who, mine, theirs in [("eng1", for_a, for_b), ("officer", for_a, for_b), ("b_eng", for_b, for_a),
                              ("b_off", for_b, for_a)]:
        user = world[who]
        assert _sees(user, mine) and not _sees(user, theirs), who
        client.force_login(user)
        inbox = client.get(reverse("escalation:vendor-queue"))
        assert mine.display_number in inbox.content.decode() and theirs.display_number not in inbox.content.decode()
        assert client.get(reverse("escalation:vendor-ticket", args=[theirs.number])).status_code == 404
        assert client.get(reverse("tickets:detail", args=[theirs.number])).status_code == 404
        assert client.get(reverse("escalation:vendor-ticket", args=[mine.number])).status_code == 200


def test_live_events_of_an_escalated_ticket_reach_its_vendors_group_only(world):
    from live.events import ticket_groups, vendor_group

    with time_machine.travel(T0, tick=False) as clock:
        ticket = _ticket(world["cat_a"])
        assert vendor_group(world["vendor"].pk) not in ticket_groups(ticket)
        clock.shift(dt.timedelta(minutes=61))
        engine.sweep()
    groups = ticket_groups(Ticket.objects.get(pk=ticket.pk))
    assert vendor_group(world["vendor"].pk) in groups and vendor_group(world["vendor_b"].pk) not in groups
