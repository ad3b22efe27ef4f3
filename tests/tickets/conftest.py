from __future__ import annotations

import pytest

from accounts.models import District
from tickets.models import Category
from tickets.services import Actor, ticket_create


@pytest.fixture
def otp_category(db):
    return Category.objects.get(code="otp-not-received")


@pytest.fixture
def portal_category(db):
    return Category.objects.get(code="portal-down")


@pytest.fixture
def sent_sms():
    """The outbox rows written for SMS, as (recipient, body, key)."""
    from notifications.models import OutboxMessage

    def read():
        return list(OutboxMessage.objects.filter(channel="sms").order_by("id")
                    .values_list("recipient", "body", "idempotency_key"))

    return read


@pytest.fixture
def make_ticket(db):
    counter = {"n": 0}

    def make(*, district=None, category=None, mobile=None, actor=None, **kwargs):
        counter["n"] += 1
        district = district or District.objects.get(code="raipur")
        category = category or Category.objects.get(code="otp-not-received")
        if mobile is None:
            mobile = f"98{counter['n']:08d}"
        defaults = {"description": "OTP never arrives", "requester_kind": "citizen", "channel": "web",
                    "requester_name": "Ramesh"}
        defaults.update(kwargs)
        result = ticket_create(district=district, category=category, requester_mobile=mobile,
                               actor=actor or Actor(label="citizen"), **defaults)
        return result.ticket if not kwargs.get("_want_result") else result

    return make


@pytest.fixture
def api():
    """A JSON client; log in with api.force_login(user)."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def desk_api(api, agent):
    api.force_login(agent)
    return api
