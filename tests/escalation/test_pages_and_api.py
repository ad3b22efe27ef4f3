"""The signed link, the vendor queue, the clocks and configuration API, bad input as tables."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from escalation import engine, links
from escalation.models import Clock, EscalationNotice, EscalationRecord
from tests.escalation.conftest import T0
from tests.factories import UserFactory, VendorFactory
from tickets import services as ts

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(policy, people, make_ticket, django_capture_on_commit_callbacks):
    """A P1 ticket handed to the vendor whose resolution breached: level 1 fired."""
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                             vendor=people["vendor"])
        tm.shift(dt.timedelta(minutes=61))
        with django_capture_on_commit_callbacks(execute=True):
            engine.sweep()
    return ticket


def notice_of(ticket, level=1):
    return EscalationNotice.objects.filter(record__ticket=ticket, record__level=level).first()


BAD_TOKENS = [
    ("garbage", "not-a-token"),
    ("forged", signing.dumps({"n": 1}, salt="another.salt")),
    ("wrong payload", signing.dumps({"n": "1"}, salt=links.SALT)),
    ("boolean id", signing.dumps({"n": True}, salt=links.SALT)),
    ("list payload", signing.dumps([1], salt=links.SALT)),
    ("unknown notice", signing.dumps({"n": 10**9}, salt=links.SALT)),
    ("over-long", "a" * 400),
    ("sql", "1' OR '1'='1"),
]


@pytest.mark.parametrize(("why", "token"), BAD_TOKENS, ids=[b[0] for b in BAD_TOKENS])
def test_bad_ack_tokens_are_404_and_change_nothing(why, token, escalated, client):
    for method in (client.get, client.post):
        response = method(reverse("escalation:ack", args=[token]))
        assert response.status_code == 404
    assert not Clock.objects.filter(acknowledged_at__isnull=False).exists()


def test_expired_ack_link(escalated, client, settings):
    notice = notice_of(escalated)
    url = reverse("escalation:ack", args=[links.ack_token(notice.pk)])
    settings.ACK_LINK_MAX_AGE = 60
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        assert client.post(url).status_code == 404
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_get_never_acknowledges_post_does_once(escalated, client):
    notice = notice_of(escalated)
    url = reverse("escalation:ack", args=[links.ack_token(notice.pk)])
    for _ in range(3):  # SMS apps prefetch links
        page = client.get(url)
        assert page.status_code == 200
        assert b'name="viewport"' in page.content and escalated.display_number.encode() in page.content
    notice.refresh_from_db()
    assert notice.acknowledged_at is None
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    assert escalated.events.filter(kind="escalation_acknowledged").count() == 1
    notice.refresh_from_db()
    assert notice.ack_via == "link"


def test_vendor_queue_shows_only_their_vendor(escalated, people, client):
    other = UserFactory(role="vendor_engineer", vendor=VendorFactory(code="other", name="Other"))
    client.force_login(people["eng1"])  # on call: level 1 reached them
    sections = client.get(reverse("escalation:vendor-queue")).context["sections"]
    assert [t.pk for name, _label, tickets in sections if name == "awaiting_my_ack" for t in tickets] == [escalated.pk]
    client.force_login(people["eng2"])  # a colleague: the ticket is their vendor's
    sections = client.get(reverse("escalation:vendor-queue")).context["sections"]
    assert [t.pk for name, _label, tickets in sections if name == "vendor" for t in tickets] == [escalated.pk]
    client.force_login(other)
    assert escalated.display_number.encode() not in client.get(reverse("escalation:vendor-queue")).content
    assert client.get(reverse("escalation:vendor-ticket", args=[escalated.number])).status_code == 404
    client.force_login(UserFactory(role="district_official"))
    assert client.get(reverse("escalation:vendor-queue")).status_code == 404


def test_vendor_acknowledges_posts_progress_and_resolves_in_the_app(escalated, people, client):
    client.force_login(people["eng2"])
    url = reverse("escalation:vendor-ticket", args=[escalated.number])
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    assert Clock.objects.get(ticket=escalated, kind="resolution").acknowledged_at is not None
    bad = client.post(url, {"action": "progress", "eta": "31-02-2026", "note": "x"})
    assert bad.status_code == 400
    past = client.post(url, {"action": "progress", "eta": "2020-01-01T10:00", "note": "x"})
    assert past.status_code == 400
    assert client.post(url, {"action": "nonsense"}).status_code == 400
    eta = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).astimezone(T0.tzinfo).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"action": "progress", "eta_at": eta, "note": "Failover running"}).status_code == 302
    assert escalated.events.filter(kind="eta_posted").count() == 1
    assert client.post(url, {"action": "decline", "reason": ""}).status_code == 400
    response = client.post(url, {"action": "restore", "note": "Restored"})
    assert response.status_code == 302
    escalated.refresh_from_db()
    assert escalated.status == "in_progress"  # back to the desk, to confirm and resolve
    eta_clock = Clock.objects.filter(ticket=escalated, kind="eta", eta_at__isnull=False).get()
    assert eta_clock.stop_reason == "restored"
    assert Clock.objects.get(ticket=escalated, kind="vendor_restore").stop_reason == "restored"


def test_clocks_api_is_scoped(escalated, client, people):
    url = reverse("api-sla-clocks", args=[escalated.display_number])
    client.force_login(people["dept"])
    rows = client.get(url).json()["results"]
    assert {r["kind"] for r in rows} >= {"first_response", "resolution", "vendor_ack", "vendor_restore"}
    res = next(r for r in rows if r["kind"] == "resolution")
    assert res["breached"] and res["escalation_steps"] == 1
    client.force_login(UserFactory(role="district_official", district=escalated.district.__class__.objects.get(code="bastar")))
    assert client.get(url).status_code == 404
    client.force_login(people["dept"])
    for bad in ["%25", "K7M4QX2P0000", "१२३४५६७८", "' OR 1=1"]:
        assert client.get(f"/api/sla/tickets/{bad}/clocks/").status_code == 404


def test_acknowledge_api_is_idempotent_and_forbidden_to_officials(escalated, client, people):
    url = reverse("api-sla-acknowledge", args=[escalated.number])
    client.force_login(UserFactory(role="district_official"))
    assert client.post(url, {}, content_type="application/json").status_code == 403
    client.force_login(people["eng1"])
    first = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert first.status_code == 200 and first.json()["acknowledged"] is True
    replay = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert client.post(url, {}, content_type="application/json").json()["acknowledged"] is False
    assert client.post(url, {"x": 1}, content_type="application/json").status_code == 400


PROGRESS_BAD = [
    ("no eta", {"note": "x"}),
    ("number eta", {"eta": 1234567890, "note": "x"}),
    ("impossible date", {"eta": "2026-02-31T10:00:00+05:30", "note": "x"}),
    ("past", {"eta": "2020-01-01T10:00:00+05:30", "note": "x"}),
    ("too far", {"eta": "2099-01-01T10:00:00+05:30", "note": "x"}),
    ("no zone", {"eta": (dt.datetime.now() + dt.timedelta(hours=1)).isoformat(), "note": "x"}),
    ("empty note", {"eta": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(), "note": " "}),
    ("array note", {"eta": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(), "note": ["x"]}),
    ("unknown field", {"eta": "x", "note": "x", "admin": True}),
]


@pytest.mark.parametrize(("why", "body"), PROGRESS_BAD, ids=[p[0] for p in PROGRESS_BAD])
def test_progress_api_refuses_bad_input(why, body, escalated, client, people):
    client.force_login(people["eng1"])
    response = client.post(reverse("api-sla-progress", args=[escalated.number]), body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "code" in response.json()
    assert not escalated.events.filter(kind="eta_posted").exists()


@pytest.mark.parametrize("name", ["api-sla-calendars", "api-sla-policies", "api-sla-ladders", "api-sla-rotations",
                                  "api-sla-escalations"])
def test_config_lists_are_paginated_within_a_query_budget(name, escalated, client, django_assert_max_num_queries):
    client.force_login(UserFactory(role="supervisor"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse(name))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] >= 1 and isinstance(data["results"], list)


def test_config_lists_need_a_supervisor(client, people):
    client.force_login(people["eng1"])
    assert client.get(reverse("api-sla-policies")).status_code == 403


def test_rotation_says_who_is_on_call_now(people, client):
    client.force_login(UserFactory(role="supervisor"))
    with time_machine.travel(T0 + dt.timedelta(hours=9)):  # first shift (from T0 - 2 h): eng1
        row = client.get(reverse("api-sla-rotations")).json()["results"][0]
        assert row["on_call_now"] == "eng1"
    with time_machine.travel(T0 + dt.timedelta(hours=11)):  # the second shift began at T0 + 10 h
        assert client.get(reverse("api-sla-rotations")).json()["results"][0]["on_call_now"] == "eng2"


def test_escalation_ledger_is_scoped(escalated, client, people):
    client.force_login(people["eng1"])
    rows = client.get(reverse("api-sla-escalations")).json()["results"]
    # Vendor acknowledgement levels 1-4 (+0, +15, +30, +45 after 00:15) and resolution level 1.
    assert {r["ticket"] for r in rows} == {escalated.number}
    assert sorted((r["clock"], r["level"]) for r in rows) == [("resolution", 1)] + [("vendor_ack", n) for n in range(1, 5)]
    client.force_login(UserFactory(role="vendor_engineer", vendor=VendorFactory(code="other", name="Other")))
    assert client.get(reverse("api-sla-escalations")).json()["results"] == []
    assert EscalationRecord.objects.count() == 5


FILTER_BAD = [
    ("api-sla-policies", {"priority": "P9"}),
    ("api-sla-policies", {"district": "raipur"}),
    ("api-sla-escalations", {"fired_after": "yesterday"}),
    ("api-sla-escalations", {"vendor": "1;DROP"}),
]


@pytest.mark.parametrize(("name", "query"), FILTER_BAD)
def test_invalid_filters_are_400(name, query, client, db):
    client.force_login(UserFactory(role="supervisor"))
    response = client.get(reverse(name), query)
    assert response.status_code == 400 and response.json()["code"] == "invalid_filter"
