"""The demo configuration: idempotent, and a demo P1 "portal down" ticket escalates on its own
within a few minutes, level by level, to the demo people."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import District, User
from accounts.permissions import scope_tickets
from escalation import engine
from escalation.models import Contact, EscalationRecord, OnCallRotation, Policy
from notifications.models import OutboxMessage
from tickets import services as ts
from tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def test_seed_is_idempotent_and_the_demo_ticket_escalates(django_capture_on_commit_callbacks):
    for _ in range(2):
        call_command("seed_demo", stdout=io.StringIO())
    assert Policy.objects.filter(is_fallback=True).count() == 1
    assert Policy.objects.count() == 8
    # Two vendors, each with a rotation of two engineers, an officer and a head.
    rotations = {r.vendor.code: [m.user.username for m in r.members.all()] for r in OnCallRotation.objects.all()}
    assert rotations == {"state-it": ["engineer", "engineer2"], "sms-gateway": ["smsengineer", "smsengineer2"]}
    assert set(Contact.objects.values_list("user__username", "designation", "vendor__code")) == {
        ("officer", "responsible_officer", "state-it"), ("head", "vendor_head", "state-it"),
        ("smsofficer", "responsible_officer", "sms-gateway"), ("smshead", "vendor_head", "sms-gateway"),
        ("supervisor", "department_officer", None)}
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
    # The demo walks the voice path too: level 2 phones the responsible officer as well as texting.
    channels = sorted(OutboxMessage.objects.filter(ticket=ticket, notice__user__username="officer")
                      .values_list("channel", flat=True))
    assert channels == ["sms", "voice"]

    # An OTP complaint escalates to the other vendor's people; neither vendor sees the other's.
    with time_machine.travel(start, tick=False) as tm:
        otp = ts.ticket_create(district=District.objects.get(code="bastar"),
                               category=Category.objects.get(code="otp-not-received"), description="No OTP",
                               requester_kind="citizen", channel="web", priority="P1",
                               actor=ts.Actor(label="citizen")).ticket
        for minute in range(1, 8):
            tm.move_to(start + dt.timedelta(minutes=minute))
            engine.sweep()
    people = [n.user.username for s in EscalationRecord.objects.filter(ticket=otp).order_by("fired_at", "level")
              for n in s.notices.all()]
    assert people == ["smsengineer", "smsofficer", "smshead", "supervisor"]
    users = {u.username: u for u in User.objects.filter(username__in=["engineer", "head", "smsengineer", "smshead"])}
    for name, mine, theirs in [("engineer", ticket, otp), ("head", ticket, otp), ("smsengineer", otp, ticket),
                               ("smshead", otp, ticket)]:
        visible = set(scope_tickets(users[name], Ticket.objects.filter(pk__in=[ticket.pk, otp.pk])))
        assert visible == {mine} and theirs not in visible, name
