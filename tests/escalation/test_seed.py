"""The demo configuration: idempotent, and a demo P1 "portal down" ticket escalates on its own
within a few minutes, level by level, to the demo people."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import District
from escalation import engine
from escalation.models import Contact, EscalationRecord, OnCallRotation, Policy
from tickets import services as ts
from tickets.models import Category

pytestmark = pytest.mark.django_db
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def test_seed_is_idempotent_and_the_demo_ticket_escalates(django_capture_on_commit_callbacks):
    for _ in range(2):
        call_command("seed_demo", stdout=io.StringIO())
    assert Policy.objects.filter(is_fallback=True).count() == 1
    assert Policy.objects.count() == 6
    assert OnCallRotation.objects.get().members.count() == 2
    assert set(Contact.objects.values_list("user__username", "designation")) == {
        ("officer", "responsible_officer"), ("head", "vendor_head"), ("supervisor", "department_officer")}
    start = dt.datetime(2026, 5, 3, 9, 0, tzinfo=IST)  # engineer's shift (08:00-20:00)
    with time_machine.travel(start, tick=False) as tm:
        ticket = ts.ticket_create(district=District.objects.get(code="raipur"),
                                  category=Category.objects.get(code="portal-down"), description="Portal down",
                                  requester_kind="citizen", channel="web", actor=ts.Actor(label="citizen")).ticket
        for minute in range(1, 8):
            tm.move_to(start + dt.timedelta(minutes=minute))
            with django_capture_on_commit_callbacks(execute=True):
                engine.sweep()
    steps = EscalationRecord.objects.filter(ticket=ticket).order_by("fired_at", "level")
    assert [(s.clock.kind, s.level) for s in steps] == [("resolution", n) for n in range(1, 5)]
    people = [n.user.username for s in steps for n in s.notices.all()]
    assert people == ["engineer", "officer", "head", "supervisor"]
