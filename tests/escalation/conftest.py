"""Fixtures for the escalation tests: a vendor with an on-call rotation, named officers, a 24x7
calendar, a ladder (on call -> responsible officer -> vendor head -> department officer) and
policies. Times are frozen with time-machine."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import District
from escalation.models import (
    Calendar,
    Contact,
    Ladder,
    LadderLevel,
    OnCallMember,
    OnCallRotation,
    Policy,
)
from notifications.channels import MemorySms
from tests.factories import UserFactory, VendorFactory
from tickets import services as ts
from tickets.models import Category

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
T0 = dt.datetime(2026, 5, 3, 10, 0, tzinfo=IST)  # a Sunday morning


@pytest.fixture
def sms_outbox():
    MemorySms.outbox.clear()
    yield MemorySms.outbox
    MemorySms.outbox.clear()


@pytest.fixture
def people(db):
    vendor = VendorFactory()
    eng1 = UserFactory(username="eng1", role="vendor_engineer", vendor=vendor, mobile="9100000001", email="e1@x.org")
    eng2 = UserFactory(username="eng2", role="vendor_engineer", vendor=vendor, mobile="9100000002", email="e2@x.org")
    officer = UserFactory(username="off", role="vendor_officer", vendor=vendor, mobile="9100000003", email="o@x.org")
    head = UserFactory(username="head", role="vendor_officer", vendor=vendor, mobile="9100000004", email="h@x.org")
    dept = UserFactory(username="dept", role="supervisor", mobile="9100000005", email="d@x.org")
    rotation = OnCallRotation.objects.create(vendor=vendor, name="portal", starts_at=T0 - dt.timedelta(hours=2),
                                             shift_hours=12)
    OnCallMember.objects.create(rotation=rotation, user=eng1, position=1)
    OnCallMember.objects.create(rotation=rotation, user=eng2, position=2)
    Contact.objects.create(user=officer, designation="responsible_officer", vendor=vendor)
    Contact.objects.create(user=head, designation="vendor_head", vendor=vendor)
    Contact.objects.create(user=dept, designation="department_officer")
    return {"vendor": vendor, "eng1": eng1, "eng2": eng2, "officer": officer, "head": head, "dept": dept}


@pytest.fixture
def ladder(db):
    ladder = Ladder.objects.create(name="standard", repeat_every_minutes=None, max_loops=1)
    LadderLevel.objects.create(ladder=ladder, level=1, offset_minutes=0, targets=["on_call"], channels=["sms"])
    LadderLevel.objects.create(ladder=ladder, level=2, offset_minutes=15, targets=["responsible_officer"],
                               channels=["sms", "email"])
    LadderLevel.objects.create(ladder=ladder, level=3, offset_minutes=30, targets=["vendor_head"], channels=["sms"])
    LadderLevel.objects.create(ladder=ladder, level=4, offset_minutes=45, targets=["department_officer"],
                               channels=["sms"])
    return ladder


@pytest.fixture
def policy(db, ladder, people):
    cal = Calendar.objects.create(name="24x7", always_open=True)
    Policy.objects.create(name="fallback", is_fallback=True, calendar=cal, first_response_minutes=240,
                          resolution_minutes=2880, vendor=people["vendor"])
    return Policy.objects.create(
        name="P1", position=1, priority="P1", calendar=cal, first_response_minutes=15, resolution_minutes=60,
        vendor_ack_minutes=15, vendor_restore_minutes=120, eta_update_minutes=30, warn_percent=75,
        warn_before_minutes=15, ladder=ladder, vendor=people["vendor"],
    )


@pytest.fixture
def make_ticket(db):
    def make(priority="P1", district="raipur", **kwargs):
        result = ts.ticket_create(
            district=District.objects.get(code=district), category=Category.objects.order_by("position").first(),
            description="Portal shows error 500", requester_kind="citizen", channel="web",
            actor=ts.Actor(label="citizen"), priority=priority, requester_mobile="", **kwargs,
        )
        return result.ticket

    return make


@pytest.fixture(autouse=True)
def _eager_tasks(request, settings):
    """Tasks run in-process, as on the embedded default, except in tests with a real worker
    (marked slow)."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    from helpdesk.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _fresh_people_cache():
    from escalation.people import clear_cache

    clear_cache()
    yield
    clear_cache()
