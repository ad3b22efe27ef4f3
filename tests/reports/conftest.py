"""A known set of tickets at a frozen instant, so every dashboard figure can be checked exactly.

Now: 2026-03-10 14:30 IST (Tuesday). The default period (last 7 days) is 2026-03-04..2026-03-10.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import District
from tickets.models import Category, Ticket, TicketEvent

IST = ZoneInfo("Asia/Kolkata")
NOW = dt.datetime(2026, 3, 10, 14, 30, tzinfo=IST)
_numbers = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=IST)


def make_ticket(*, district: str, priority: str, status: str, created_at: dt.datetime, category: str = "otp-not-received",
                **fields) -> Ticket:
    ticket = Ticket.objects.create(
        number=f"T{next(_numbers):07d}", requester_kind="citizen", channel=fields.pop("channel", "web"),
        district=District.objects.get(code=district), category=Category.objects.get(code=category),
        priority=priority, status=status, description="test", **fields,
    )
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created_at)
    ticket.refresh_from_db()
    return ticket


def status_event(ticket: Ticket, to: str, when: dt.datetime, from_value: str = "in_progress") -> TicketEvent:
    event = TicketEvent.objects.create(ticket=ticket, kind="status_changed", from_value=from_value, to_value=to)
    TicketEvent.objects.filter(pk=event.pk).update(created_at=when)
    return event


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def known(db, frozen):
    """The known tickets (see the comments for each figure they feed)."""
    t = {}
    # Today, 2026-03-10.
    t[1] = make_ticket(district="raipur", priority="P1", status="new", created_at=at(10, 9, 10))
    t[2] = make_ticket(district="raipur", priority="P2", status="in_progress", created_at=at(10, 9, 40))
    t[3] = make_ticket(district="bastar", priority="P3", status="new", created_at=at(10, 13, 5), category="portal-down")
    t[4] = make_ticket(district="raipur", priority="P1", status="resolved", created_at=at(10, 10, 0),
                       first_response_at=at(10, 10, 15), resolved_at=at(10, 12, 0))
    t[10] = make_ticket(district="raipur", priority="P1", status="new", created_at=at(10, 14, 0), channel="phone")
    t[9] = make_ticket(district="durg", priority="P3", status="merged", created_at=at(10, 11, 0), merged_into=t[1])
    # Earlier days, inside the 28-day history and/or the 7-day period.
    t[5] = make_ticket(district="raipur", priority="P3", status="closed", created_at=at(9, 9, 30),
                       first_response_at=at(9, 9, 50), resolved_at=at(9, 12, 30), closed_at=at(9, 13, 0),
                       reopened_count=1)
    t[6] = make_ticket(district="bastar", priority="P4", status="awaiting_citizen", created_at=at(5, 9, 15),
                       first_response_at=at(5, 10, 15))
    t[7] = make_ticket(district="raipur", priority="P2", status="closed", created_at=at(20, 13, 0, month=2),
                       first_response_at=at(20, 13, 30, month=2), resolved_at=at(21, 13, 0, month=2),
                       closed_at=at(21, 14, 0, month=2))
    t[11] = make_ticket(district="durg", priority="P4", status="closed", created_at=at(10, 0, 0, month=2))
    t[12] = make_ticket(district="durg", priority="P4", status="closed", created_at=at(9, 23, 59, month=2))
    t[8] = make_ticket(district="raipur", priority="P2", status="reopened", created_at=dt.datetime(2026, 1, 1, 8, tzinfo=IST),
                       reopened_count=1)
    # The audit trail of closing moves (shift handover reads it).
    status_event(t[4], "resolved", at(10, 12, 0))
    status_event(t[5], "resolved", at(9, 12, 30))
    status_event(t[5], "closed", at(9, 13, 0), from_value="resolved")
    return t


def clock(ticket: Ticket, kind: str, *, goal: int, started: dt.datetime, state: str = "stopped",
          due: dt.datetime | None = None, stopped: dt.datetime | None = None, breached: dt.datetime | None = None,
          eta: dt.datetime | None = None, business_minutes: float | None = None, pause_reason: str = ""):
    from escalation.models import Clock, TicketSLA

    sla, _ = TicketSLA.objects.get_or_create(ticket=ticket, defaults={"snapshot": {"calendar": {"always_open": True}}})
    elapsed = dt.timedelta(minutes=business_minutes) if business_minutes is not None else (
        (stopped - started) if stopped else dt.timedelta(0))
    return Clock.objects.create(
        sla=sla, ticket=ticket, kind=kind, goal_minutes=goal, started_at=started, state=state, due_at=due,
        resumed_at=started if state == "running" else None, stopped_at=stopped, breached_at=breached, eta_at=eta,
        elapsed_business=elapsed, elapsed_wall=elapsed, pause_reason=pause_reason,
        paused_at=started if state == "paused" else None,
    )


@pytest.fixture
def clocks(known):
    """SLA clocks and escalations on the known tickets (see test_sla.py for the figures)."""
    from escalation.models import EscalationRecord
    from tests.factories import VendorFactory

    t = known
    c = {}
    c["t4_fr"] = clock(t[4], "first_response", goal=30, started=at(10, 10), due=at(10, 10, 30), stopped=at(10, 10, 15))
    c["t4_res"] = clock(t[4], "resolution", goal=60, started=at(10, 10), due=at(10, 11), stopped=at(10, 12),
                        breached=at(10, 11))
    c["t5_fr"] = clock(t[5], "first_response", goal=15, started=at(9, 9, 30), due=at(9, 9, 45), stopped=at(9, 9, 50))
    c["t5_res"] = clock(t[5], "resolution", goal=240, started=at(9, 9, 30), due=at(9, 13, 30), stopped=at(9, 12, 30),
                        business_minutes=150)
    c["t1_fr"] = clock(t[1], "first_response", goal=15, started=at(10, 9, 10), state="running", due=at(10, 9, 25))
    c["t1_res"] = clock(t[1], "resolution", goal=240, started=at(10, 11), state="running", due=at(10, 15))
    c["t10_fr"] = clock(t[10], "first_response", goal=60, started=at(10, 14), state="running", due=at(10, 14, 50))
    c["t10_res"] = clock(t[10], "resolution", goal=240, started=at(10, 14), state="running", due=at(10, 18))
    c["t3_fr"] = clock(t[3], "first_response", goal=60, started=at(10, 13, 5), state="paused",
                       pause_reason="awaiting citizen")
    c["t6_ack"] = clock(t[6], "vendor_ack", goal=15, started=at(5, 10, 30), due=at(5, 10, 45), stopped=at(5, 11))
    c["t6_eta"] = clock(t[6], "eta", goal=30, started=at(5, 10, 45), due=at(5, 11, 15), eta=at(5, 12),
                        stopped=at(5, 11, 30))
    c["t7_res"] = clock(t[7], "resolution", goal=240, started=at(20, 13, month=2), due=at(20, 17, month=2),
                        stopped=at(21, 13, month=2), breached=at(20, 17, month=2))
    vendor = VendorFactory()
    raipur = t[1].district
    c["pending"] = EscalationRecord.objects.create(
        ticket=t[1], clock=c["t1_res"], level=1, vendor=vendor, district=raipur, due_at=at(10, 12),
        fired_at=at(10, 12), ack_target_minutes=15)
    EscalationRecord.objects.create(  # the ticket is resolved: nothing pending any more
        ticket=t[4], clock=c["t4_res"], level=1, vendor=vendor, district=raipur, due_at=at(10, 11),
        fired_at=at(10, 11), ack_target_minutes=15)
    EscalationRecord.objects.create(  # acknowledged
        ticket=t[6], clock=c["t6_ack"], level=1, vendor=vendor, district=t[6].district, due_at=at(5, 10, 45),
        fired_at=at(5, 10, 45), ack_target_minutes=15, acknowledged_at=at(5, 11))
    for ticket, kind, when, clock_kind in [(t[1], "sla_breach", at(10, 9, 26), "first_response"),
                                           (t[4], "sla_breach", at(10, 11, 0), "resolution"),
                                           (t[5], "sla_breach", at(9, 9, 46), "first_response")]:
        event = TicketEvent.objects.create(ticket=ticket, kind=kind, to_value=clock_kind, payload={"clock": clock_kind})
        TicketEvent.objects.filter(pk=event.pk).update(created_at=when)
    return c
