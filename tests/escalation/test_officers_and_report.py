"""The vendor officers' view (by engineer; reassign; acknowledge on someone's behalf, recorded as
such), the citizen's SMS when the vendor acknowledges (a policy flag), and the accountability
report: an ETA counts for the vendor and the person escalated to, whoever posted it; citizens'
ratings per vendor (and per district and category on the dashboards' table)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import District
from escalation import engine, report, services
from escalation.models import EscalationNotice, Policy
from escalation.vendor_actions import vendor_restore
from notifications.models import OutboxMessage
from reports import ratings as rating_report
from reports.scope import Period, ReportScope
from tests.escalation.conftest import T0
from tests.factories import UserFactory, VendorFactory
from tickets import ratings
from tickets import services as ts
from tickets.models import Category, TicketEvent

pytestmark = pytest.mark.django_db
CITIZEN = "9876500002"


@pytest.fixture
def escalated(policy, people, django_capture_on_commit_callbacks):
    """Not handed to the vendor; level 1 (eng1, on call) fired at T0+61."""
    with time_machine.travel(T0, tick=False) as tm:
        ticket = ts.ticket_create(
            district=District.objects.get(code="raipur"), category=Category.objects.order_by("position").first(),
            description="Portal down", requester_kind="citizen", channel="web", priority="P1",
            actor=ts.Actor(label="citizen"), requester_mobile=CITIZEN).ticket
        tm.shift(dt.timedelta(minutes=61))
        with django_capture_on_commit_callbacks(execute=True):
            engine.sweep()
    return ticket


def test_officer_sees_escalations_by_engineer_and_acknowledges_on_behalf(escalated, people, client):
    client.force_login(people["officer"])
    page = client.get(reverse("escalation:vendor-team"))
    assert page.status_code == 200
    groups = page.context["groups"]
    assert [(user.username, [r.ticket.pk for r in rows]) for user, rows in groups] == [("eng1", [escalated.pk])]
    row = groups[0][1][0]
    assert not row.acknowledged and row.breached
    response = client.post(reverse("escalation:vendor-team"), {"action": "behalf", "number": escalated.number,
                                                                 "engineer": str(people["eng1"].pk)})
    assert response.status_code == 302
    notice = EscalationNotice.objects.get(record__ticket=escalated, user=people["eng1"])
    assert notice.ack_via == "behalf" and notice.acknowledged_by == people["officer"]
    event = TicketEvent.objects.get(ticket=escalated, kind="escalation_acknowledged")
    assert event.actor == people["officer"] and event.payload["on_behalf_of"] == people["eng1"].pk
    assert "on behalf of" in client.get(reverse("escalation:vendor-ticket", args=[escalated.number])) \
        .content.decode()


def test_officer_reassigns_to_another_engineer(escalated, people, client, django_capture_on_commit_callbacks):
    client.force_login(people["head"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("escalation:vendor-team"), {
            "action": "reassign", "number": escalated.number, "engineer": str(people["eng1"].pk),
            "to_user": str(people["eng2"].pk), "action_key": "r1"})
    assert response.status_code == 302
    old = EscalationNotice.objects.get(record__ticket=escalated, user=people["eng1"])
    new = EscalationNotice.objects.get(record__ticket=escalated, user=people["eng2"])
    assert old.superseded_by == new
    event = TicketEvent.objects.get(ticket=escalated, kind="vendor_handed_over")
    assert event.actor == people["head"] and event.payload["by_officer"] == people["head"].pk
    assert OutboxMessage.objects.filter(recipient=people["eng2"].mobile, body__contains="/ack/").exists()
    groups = client.get(reverse("escalation:vendor-team")).context["groups"]
    assert [user.username for user, _rows in groups] == ["eng2"]


def test_officers_of_another_vendor_and_engineers_get_nothing(escalated, people, client):
    other = UserFactory(role="vendor_officer", vendor=VendorFactory(code="other", name="Other"), mobile="9300000002")
    client.force_login(other)
    assert client.get(reverse("escalation:vendor-team")).context["groups"] == []
    response = client.post(reverse("escalation:vendor-team"), {"action": "behalf", "number": escalated.number,
                                                                 "engineer": str(people["eng1"].pk)})
    assert response.status_code == 404
    client.force_login(people["eng2"])  # engineers do not have the officers' view
    assert client.get(reverse("escalation:vendor-team")).status_code == 404
    assert not TicketEvent.objects.filter(ticket=escalated, kind="escalation_acknowledged").exists()


def test_citizen_sms_on_acknowledgement_only_when_the_policy_says_so(escalated, people,
                                                                     django_capture_on_commit_callbacks):
    def acks():
        return OutboxMessage.objects.filter(recipient=CITIZEN, idempotency_key__contains="vendor-ack").count()

    services.escalation_acknowledge(ticket_id=escalated.pk, user=people["eng1"], via="app")
    assert acks() == 0
    Policy.objects.update(notify_citizen_on_ack=True)
    with time_machine.travel(T0, tick=False) as tm:
        ticket = ts.ticket_create(
            district=District.objects.get(code="raipur"), category=Category.objects.order_by("position").first(),
            description="Portal down again", requester_kind="citizen", channel="web", priority="P1",
            actor=ts.Actor(label="citizen"), requester_mobile="9876500003",
            requester_language="hi").ticket
        tm.shift(dt.timedelta(minutes=61))
        engine.sweep()
        services.escalation_acknowledge(ticket_id=ticket.pk, user=people["eng1"], via="app")
        services.escalation_acknowledge(ticket_id=ticket.pk, user=people["eng1"], via="app")  # idempotent
    sms = OutboxMessage.objects.filter(recipient="9876500003", idempotency_key__contains="vendor-ack")
    assert sms.count() == 1 and "तकनीकी टीम" in sms.get().body


def test_an_eta_posted_by_the_desk_counts_for_the_vendor_and_the_person_escalated_to(escalated, people):
    agent = UserFactory(role="agent")
    with time_machine.travel(T0 + dt.timedelta(minutes=65), tick=False):
        services.escalation_post_progress(ticket_id=escalated.pk, user=agent, eta=T0 + dt.timedelta(minutes=120),
                                          note="Vendor says two hours, on the phone")
    with time_machine.travel(T0 + dt.timedelta(minutes=100), tick=False):
        services.escalation_acknowledge(ticket_id=escalated.pk, user=people["eng1"], via="app")
        vendor_restore(ticket_id=escalated.pk, user=people["eng1"], via="app")
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        data = report.accountability(start=T0 - dt.timedelta(hours=1), end=T0 + dt.timedelta(days=1))
    vendor = next(v for v in data["vendors"] if v["vendor_id"] == people["vendor"].pk)
    assert (vendor["etas_given"], vendor["etas_met"]) == (1, 1)
    eng1 = next(p for p in data["people"] if p["user_id"] == people["eng1"].pk)
    assert (eng1["etas_given"], eng1["etas_met"]) == (1, 1)
    assert not any(p["user_id"] == agent.pk for p in data["people"])


def test_ratings_per_vendor_district_and_category(escalated, people):
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        ts.ticket_transition(ticket_id=escalated.pk, to="resolved", actor=ts.Actor.of(people["dept"]), note="ok")
        ratings.rating_record(ticket_id=escalated.pk, score=4, via="sms")
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        data = report.accountability(start=T0 - dt.timedelta(hours=1), end=T0 + dt.timedelta(days=1))
        table = rating_report.ratings(ReportScope(district=None),
                                      Period(start=T0 - dt.timedelta(hours=1), end=T0 + dt.timedelta(days=1)))
    vendor = next(v for v in data["vendors"] if v["vendor_id"] == people["vendor"].pk)
    assert (vendor["ratings"], vendor["rating_avg"]) == (1, 4.0)
    rows = {(r["dimension"], r["code"]): (r["ratings"], r["average"], r["good_pct"]) for r in table.rows}
    assert rows[("vendor", people["vendor"].code)] == (1, 4.0, 100.0)
    assert rows[("district", "raipur")] == (1, 4.0, 100.0)
    assert rows[("category", escalated.category.code)] == (1, 4.0, 100.0)
    bastar = rating_report.ratings(ReportScope(district=District.objects.get(code="bastar")),
                                   Period(start=T0 - dt.timedelta(hours=1), end=T0 + dt.timedelta(days=1)))
    assert list(bastar.rows) == []
