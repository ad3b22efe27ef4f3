from __future__ import annotations

import pytest

from accounts.models import District
from live.seed import ensure_components
from tickets.models import Category
from tickets.services import Actor, ticket_create


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Run Celery tasks in-process even when REDIS_URL is set (tests never need a worker)."""
    from helpdesk.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def components(db):
    return {c.code: c for c in ensure_components()}


@pytest.fixture
def otp(db):
    return Category.objects.get(code="otp-not-received")


@pytest.fixture
def sent(monkeypatch):
    """Every live event that left the process, as (groups, event), in order (the events of one
    commit, sent together, one entry each)."""
    from live import broadcast

    out: list[tuple[list[str], dict]] = []
    real = broadcast.send_now

    def record(groups, event):
        out.extend((list(groups), one) for one in (event if isinstance(event, list) else [event]))
        real(groups, event)

    monkeypatch.setattr(broadcast, "send_now", record)
    return out


@pytest.fixture
def make_ticket(db):
    counter = {"n": 0}

    def make(*, district=None, category=None, mobile=None, **kwargs):
        counter["n"] += 1
        district = district or District.objects.get(code="raipur")
        category = category or Category.objects.get(code="otp-not-received")
        if mobile is None:
            mobile = f"97{counter['n']:08d}"
        defaults = {"description": "OTP never arrives", "requester_kind": "citizen", "channel": "web"}
        defaults.update(kwargs)
        return ticket_create(district=district, category=category, requester_mobile=mobile,
                             actor=Actor(label="citizen"), **defaults).ticket

    return make
