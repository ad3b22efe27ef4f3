"""DOMAIN.md §5 clock rules: policy choice and snapshot, pause only with a reason and resume on
the citizen's reply, awaiting vendor starts the vendor's clocks, priority change keeps elapsed
time, business hours for non-urgent work, the clocks selector."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import District
from escalation import engine
from escalation.models import Calendar, CalendarWindow, Clock, Policy, TicketSLA
from escalation.selectors import ticket_clocks
from tests.escalation.conftest import T0
from tickets import services as ts

pytestmark = pytest.mark.django_db


def clock(ticket, kind):
    return Clock.objects.exclude(state="stopped").get(ticket=ticket, kind=kind)


def test_first_matching_policy_by_position_wins_then_fallback(policy, make_ticket):
    district = Policy.objects.create(name="Bastar P1", position=0, priority="P1", calendar=policy.calendar,
                                     district=District.objects.get(code="bastar"), first_response_minutes=5,
                                     resolution_minutes=30)
    assert TicketSLA.objects.get(ticket=make_ticket(district="bastar")).policy == district
    assert TicketSLA.objects.get(ticket=make_ticket(district="raipur")).policy == policy
    assert TicketSLA.objects.get(ticket=make_ticket(priority="P3")).policy.is_fallback
    district.is_active = False
    district.save()
    assert TicketSLA.objects.get(ticket=make_ticket(district="bastar")).policy == policy


def test_editing_a_policy_never_changes_tickets_in_flight(policy, make_ticket):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket()
        policy.resolution_minutes = 5
        policy.save()
        engine.sweep()
        assert clock(ticket, "resolution").due_at == T0 + dt.timedelta(minutes=60)
        assert TicketSLA.objects.get(ticket=ticket).snapshot["targets"]["resolution"] == 60


def test_awaiting_citizen_pauses_with_a_reason_and_a_reply_resumes(policy, people, make_ticket):
    agent = ts.Actor.of(people["dept"])
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        tm.shift(dt.timedelta(minutes=10))
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_citizen", actor=agent)
        paused = clock(ticket, "resolution")
        assert paused.state == "paused" and paused.pause_reason == "awaiting citizen"
        assert ticket.events.filter(kind="clock_paused").count() == 2  # first response and resolution
        tm.shift(dt.timedelta(hours=3))  # the citizen takes three hours
        engine.sweep()
        assert not ticket.events.filter(kind__in=["sla_breach", "escalation_fired"]).exists()
        ts.ticket_comment(ticket_id=ticket.pk, body="Still broken", actor=ts.Actor(label="citizen"), is_public=True)
        resumed = clock(ticket, "resolution")
        assert resumed.state == "running"
        # 10 minutes were used before the pause: 50 are left.
        assert resumed.due_at == T0 + dt.timedelta(hours=3, minutes=10 + 50)
        assert ticket.events.filter(kind="clock_resumed").count() == 2
        row = next(c for c in ticket_clocks(ticket.pk) if c["kind"] == "resolution")
        assert row["elapsed_business_minutes"] == 10 and row["elapsed_wall_minutes"] == 10
        assert row["minutes_left"] == 50


def test_priority_change_keeps_elapsed_time_and_may_already_breach(policy, people, make_ticket):
    Policy.objects.create(name="P2", position=2, priority="P2", calendar=policy.calendar, first_response_minutes=30,
                          resolution_minutes=120)
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket(priority="P2")
        tm.shift(dt.timedelta(minutes=40))
        ts.ticket_set_priority(ticket_id=ticket.pk, priority="P1", actor=ts.Actor.of(people["dept"]))
        res = clock(ticket, "resolution")
        assert res.goal_minutes == 60 and res.due_at == T0 + dt.timedelta(minutes=60)  # now + (60 - 40)
        fr = clock(ticket, "first_response")
        assert fr.due_at == T0 + dt.timedelta(minutes=15)  # 40 elapsed > 15: already breached
        engine.sweep()
        assert ticket.events.filter(kind="sla_breach", to_value="first_response").count() == 1
        assert ticket.events.filter(kind="clock_rearmed").count() == 2


def test_p3_on_business_hours_and_p1_on_24x7(policy, make_ticket):
    office = Calendar.objects.create(name="office", always_open=False)
    for day in range(5):
        CalendarWindow.objects.create(calendar=office, weekday=day, opens=dt.time(10), closes=dt.time(18))
    Policy.objects.create(name="P3 office", position=3, priority="P3", calendar=office, first_response_minutes=60,
                          resolution_minutes=240)
    sunday_night = dt.datetime(2026, 5, 3, 22, 0, tzinfo=T0.tzinfo)
    with time_machine.travel(sunday_night, tick=False):
        p3, p1 = make_ticket(priority="P3"), make_ticket(priority="P1")
        monday = dt.datetime(2026, 5, 4, 10, 0, tzinfo=T0.tzinfo)
        assert clock(p3, "first_response").due_at == monday + dt.timedelta(minutes=60)
        assert clock(p1, "first_response").due_at == sunday_night + dt.timedelta(minutes=15)
        rows = {c["kind"]: c for c in ticket_clocks(p3.pk)}
        assert rows["resolution"]["calendar"] == "business hours"


def test_awaiting_vendor_starts_vendor_clocks_and_hand_back_stops_them(policy, people, make_ticket):
    agent = ts.Actor.of(people["dept"])
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        tm.shift(dt.timedelta(minutes=5))
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=agent, vendor=people["vendor"])
        assert clock(ticket, "vendor_ack").due_at == T0 + dt.timedelta(minutes=20)
        assert clock(ticket, "vendor_restore").due_at == T0 + dt.timedelta(minutes=125)
        assert clock(ticket, "resolution").state == "running"
        ts.ticket_transition(ticket_id=ticket.pk, to="in_progress", actor=ts.Actor.of(people["eng1"]), note="not ours")
        assert not Clock.objects.filter(ticket=ticket, kind__in=["vendor_ack", "vendor_restore"]).exclude(
            state="stopped").exists()
        assert set(Clock.objects.filter(ticket=ticket, kind="vendor_ack").values_list("stop_reason", flat=True)) == {
            "handed_back"}


def test_resolve_and_reopen(policy, people, make_ticket):
    agent = ts.Actor.of(people["dept"])
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="resolved", actor=agent)
        assert not Clock.objects.filter(ticket=ticket).exclude(state="stopped").exists()
        assert TicketSLA.objects.get(ticket=ticket).next_action_at is None
        tm.shift(dt.timedelta(minutes=30))
        ts.ticket_transition(ticket_id=ticket.pk, to="reopened", actor=agent)
        reopened = clock(ticket, "resolution")
        assert reopened.cycle == 2 and reopened.due_at == T0 + dt.timedelta(minutes=90)


def test_a_pause_needs_a_reason():
    from escalation import clocks as ck

    c = Clock(kind="resolution", goal_minutes=10, state="running", started_at=T0, resumed_at=T0, due_at=T0,
              elapsed_business=dt.timedelta(0), elapsed_wall=dt.timedelta(0))
    with pytest.raises(ValueError):
        ck.pause(c, T0, "", {"calendar": {"always_open": True}})


def test_one_broken_ticket_never_holds_up_the_others(policy, make_ticket, monkeypatch):
    with time_machine.travel(T0, tick=False) as tm:
        good, bad = make_ticket(), make_ticket()
        tm.shift(dt.timedelta(minutes=61))
        real = engine.process

        def flaky(sla, running, now):
            if sla.ticket_id == bad.pk:
                raise RuntimeError("corrupt snapshot")
            real(sla, running, now)

        monkeypatch.setattr(engine, "process", flaky)
        assert engine.sweep() == 2
        assert good.events.filter(kind="escalation_fired").count() == 1
        assert not bad.events.filter(kind__in=["sla_breach", "escalation_fired"]).exists()
        assert TicketSLA.objects.get(ticket=bad).next_action_at == T0 + dt.timedelta(minutes=62)


def test_a_p1_is_never_silently_moved_to_business_hours(policy, people, make_ticket, client):
    office = Calendar.objects.create(name="office hours", always_open=False)
    CalendarWindow.objects.create(calendar=office, weekday=0, opens=dt.time(10), closes=dt.time(18))
    Policy.objects.filter(is_fallback=True).update(calendar=office)
    Policy.objects.filter(name="P1").update(is_active=False)  # a P1 falls through to the fallback
    with time_machine.travel(T0, tick=False):  # a Sunday
        ticket = make_ticket(priority="P1")
        sla = TicketSLA.objects.get(ticket=ticket)
        assert sla.snapshot["calendar_forced_24x7"] is True
        assert clock(ticket, "first_response").due_at == T0 + dt.timedelta(minutes=240)
        started = ticket.events.filter(kind="clock_started").first()
        assert started.payload["calendar"] == "24x7" and started.payload["calendar_forced_24x7"] is True
    # And the admin refuses a P1 policy on a business-hours calendar.
    client.force_login(people["dept"])
    response = client.post(f"/admin/escalation/policy/{policy.pk}/change/", {
        "name": "P1", "position": 1, "is_active": "on", "priority": "P1", "calendar": office.pk,
        "first_response_minutes": 15, "resolution_minutes": 60, "vendor_ack_minutes": 15,
        "vendor_restore_minutes": 120, "eta_update_minutes": 30, "warn_percent": 75, "warn_before_minutes": 15,
        "escalate_clocks": "[]"})
    assert response.status_code == 200 and b"24x7" in response.content
    policy.refresh_from_db()
    assert policy.calendar.always_open
