"""The accountability loop from the vendor's side, with a frozen clock: the signed link page as a
workspace (acknowledge, progress with an ETA, hand over, restored, not ours), its semantics
(clocks, events, SMS), idempotency, read-only and invalid links, and bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import District
from escalation import engine, links
from escalation.models import Clock, EscalationNotice, EscalationRecord
from notifications.models import OutboxMessage
from tests.escalation.conftest import T0
from tests.factories import UserFactory, VendorFactory
from tickets import services as ts
from tickets.models import Category, Comment, TicketEvent

pytestmark = pytest.mark.django_db
CITIZEN = "9876500001"


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def escalated(policy, people, frozen, django_capture_on_commit_callbacks):
    """A citizen's P1 ticket, not handed to the vendor; its resolution clock (60 min) breached
    and level 1 (the engineer on call, eng1) fired at T0+61."""
    ticket = ts.ticket_create(
        district=District.objects.get(code="raipur"), category=Category.objects.order_by("position").first(),
        description="Portal shows error 500", requester_kind="citizen", channel="web", priority="P1",
        actor=ts.Actor(label="citizen"), requester_mobile=CITIZEN, requester_language="hi").ticket
    frozen.shift(dt.timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        engine.sweep()
    return ticket


def link_of(ticket, user) -> str:
    notice = EscalationNotice.objects.filter(record__ticket=ticket, user=user).order_by("-id").first()
    return reverse("escalation:ack", args=[links.ack_token(notice.pk)])


def kinds(ticket, after: int = 0) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket, id__gt=after).order_by("id").values_list("kind", flat=True))


def last_id(ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket).order_by("-id").values_list("id", flat=True).first()


def citizen_sms(ticket) -> list[str]:
    return list(OutboxMessage.objects.filter(ticket=ticket, recipient=CITIZEN).order_by("id")
                .values_list("body", flat=True))


def post(client, url, **data):
    return client.post(url, data)


def test_link_workspace_acknowledge_then_eta_then_restored(escalated, people, client, frozen,
                                                           django_capture_on_commit_callbacks):
    url = link_of(escalated, people["eng1"])
    page = client.get(url).content.decode()
    assert 'id="ack-button"' in page and 'id="progress-button"' not in page  # acknowledge first
    assert not Clock.objects.filter(ticket=escalated, acknowledged_at__isnull=False).exists()

    response = post(client, url, action="acknowledge")
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert 'id="ack-done"' in page and 'id="ack-button"' not in page and 'id="progress-button"' in page
    ack_event = TicketEvent.objects.get(ticket=escalated, kind="escalation_acknowledged")
    assert ack_event.actor == people["eng1"] and ack_event.actor_label == "vendor-link"
    eta_clock = Clock.objects.get(ticket=escalated, kind="eta", state="running")
    assert eta_clock.eta_at is None and eta_clock.due_at == T0 + dt.timedelta(minutes=61 + 30)

    # ETA "in 45 minutes", public: the ETA clock stops and a new one runs to the promised time.
    mark = last_id(escalated)
    frozen.shift(dt.timedelta(minutes=4))  # T0+65
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url, action="progress", eta_in="45", eta_unit="minutes", note="Restarting the DB",
                        public="1", action_key="k1")
    assert response.status_code == 302
    promised = Clock.objects.get(ticket=escalated, kind="eta", state="running")
    assert promised.eta_at == T0 + dt.timedelta(minutes=110) and promised.due_at == promised.eta_at
    assert Clock.objects.get(pk=eta_clock.pk).stop_reason == "progress"
    # A public note is also the first response to the citizen (their first-response clock stops).
    assert kinds(escalated, mark) == ["comment", "first_response", "clock_stopped", "clock_stopped", "clock_started",
                                      "eta_posted"]
    assert Comment.objects.get(ticket=escalated, body="Restarting the DB").is_public
    # The citizen's SMS, in Hindi (the ticket's language), carries the note and the ETA.
    assert any("Restarting the DB" in body and "11:50" in body for body in citizen_sms(escalated))
    # The same form twice (a double tap): posted once.
    post(client, url, action="progress", eta_in="45", eta_unit="minutes", note="Restarting the DB", public="1",
         action_key="k1")
    assert TicketEvent.objects.filter(ticket=escalated, kind="eta_posted").count() == 1

    # An internal note with an ETA as a time of day: no SMS to the citizen.
    sent = len(citizen_sms(escalated))
    post(client, url, action="progress", eta_at="12:30", note="Failover", public="0", action_key="k2")
    assert Clock.objects.get(ticket=escalated, kind="eta", state="running").eta_at == T0.replace(hour=12, minute=30)
    assert len(citizen_sms(escalated)) == sent

    # Restored on our side: the vendor's clocks stop (met), the desk gets the ticket back.
    frozen.shift(dt.timedelta(minutes=20))
    mark = last_id(escalated)
    response = post(client, url, action="restore", note="DB restored", action_key="k3")
    assert response.status_code == 302
    escalated.refresh_from_db()
    assert escalated.status == "in_progress"
    eta = Clock.objects.get(ticket=escalated, kind="eta", eta_at=T0.replace(hour=12, minute=30))
    assert eta.stop_reason == "restored" and eta.stopped_at < eta.eta_at
    assert "vendor_restored" in kinds(escalated, mark)
    assert Clock.objects.filter(ticket=escalated, kind="resolution").exclude(state="stopped").exists()
    page = client.get(url).content.decode()
    assert 'id="finished"' in page and 'id="restore-button"' not in page and 'id="progress-button"' not in page
    # Restoring again changes nothing.
    mark = last_id(escalated)
    post(client, url, action="restore", note="again", action_key="k4")
    assert kinds(escalated, mark) == []


def test_eta_passes_eta_missed_and_the_ladder_starts_again(escalated, people, frozen,
                                                           django_capture_on_commit_callbacks):
    from escalation import services

    services.escalation_post_progress(ticket_id=escalated.pk, user=people["eng1"],
                                      eta=T0 + dt.timedelta(minutes=90), note="Working on it")
    promised = Clock.objects.get(ticket=escalated, kind="eta", state="running")
    frozen.move_to(T0 + dt.timedelta(minutes=89))
    engine.sweep()
    assert not EscalationRecord.objects.filter(clock=promised).exists()
    mark = last_id(escalated)
    frozen.move_to(T0 + dt.timedelta(minutes=90))
    with django_capture_on_commit_callbacks(execute=True):
        engine.sweep()
    assert kinds(escalated, mark) == ["eta_missed", "escalation_fired"]
    assert EscalationRecord.objects.get(clock=promised).level == 1


def test_hand_over_gives_the_colleague_a_link_and_makes_the_old_one_read_only(escalated, people, client,
                                                                               django_capture_on_commit_callbacks):
    url = link_of(escalated, people["eng1"])
    post(client, url, action="acknowledge")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url, action="hand_over", to_user=str(people["eng2"].pk), note="You know the DB",
                        action_key="h1")
    assert response.status_code == 302
    old = EscalationNotice.objects.get(record__ticket=escalated, user=people["eng1"])
    new = EscalationNotice.objects.get(record__ticket=escalated, user=people["eng2"])
    assert old.superseded_by == new and old.superseded_at is not None
    event = TicketEvent.objects.get(ticket=escalated, kind="vendor_handed_over")
    assert event.payload["to_user"] == people["eng2"].pk and event.actor == people["eng1"]
    sms = OutboxMessage.objects.get(recipient=people["eng2"].mobile, idempotency_key__startswith="handover:")
    new_url = re.search(r"/ack/\S+?/", sms.body).group(0)
    assert new_url == reverse("escalation:ack", args=[links.ack_token(new.pk)])

    # The old link: read-only, every action refused, nothing changed.
    page = client.get(url).content.decode()
    assert 'id="read-only"' in page and "<form" not in page.split('id="read-only"')[1].split("What happened")[0]
    mark = last_id(escalated)
    for action in ("acknowledge", "restore", "hand_over"):
        refused = post(client, url, action=action, to_user=str(people["eng1"].pk))
        assert refused.status_code == 409, action
    assert kinds(escalated, mark) == []
    # The new link is a workspace of its own.
    assert 'id="progress-button"' in client.get(new_url).content.decode()


def test_decline_needs_a_reason_and_hands_back(policy, people, frozen, client, make_ticket,
                                               django_capture_on_commit_callbacks):
    ticket = make_ticket()
    ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                         vendor=people["vendor"])
    frozen.shift(dt.timedelta(minutes=16))  # vendor acknowledgement (15 min) breached: level 1
    engine.sweep()
    url = link_of(ticket, people["eng1"])
    mark = last_id(ticket)
    assert post(client, url, action="decline", reason="   ").status_code == 400
    assert kinds(ticket, mark) == []
    assert post(client, url, action="decline", reason="This is the SMS gateway, not the portal").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert set(kinds(ticket, mark)) >= {"escalation_acknowledged", "vendor_declined", "status_changed"}
    assert Clock.objects.get(ticket=ticket, kind="vendor_restore").stop_reason == "declined"
    assert Comment.objects.filter(ticket=ticket, is_public=False, body__contains="SMS gateway").exists()


BAD = [
    ("ETA in the past", {"action": "progress", "eta_at": "2026-05-03T09:00", "note": "x"}, 400, "eta_in_past"),
    ("ETA 31 days ahead", {"action": "progress", "eta_at": "2026-06-04T10:00", "note": "x"}, 400, "eta_too_far"),
    ("ETA 800 hours", {"action": "progress", "eta_in": "800", "eta_unit": "hours", "note": "x"}, 400, "eta_too_far"),
    ("ETA unparseable", {"action": "progress", "eta": "soon-ish", "note": "x"}, 400, "invalid_eta"),
    ("ETA impossible time", {"action": "progress", "eta": "25:61", "note": "x"}, 400, "invalid_eta"),
    ("ETA impossible date", {"action": "progress", "eta_at": "2026-02-31T10:00", "note": "x"}, 400, "invalid_eta"),
    ("ETA Devanagari digits", {"action": "progress", "eta": "in ४५ minutes", "note": "x"}, 400, "invalid_eta"),
    ("ETA bad unit", {"action": "progress", "eta_in": "5", "eta_unit": "days", "note": "x"}, 400, "invalid_eta"),
    ("note over the limit", {"action": "progress", "eta_in": "30", "eta_unit": "minutes", "note": "x" * 2001},
     400, "note_too_long"),
    ("empty note", {"action": "progress", "eta_in": "30", "eta_unit": "minutes", "note": "  "}, 400, "note_required"),
    ("NUL in note", {"action": "progress", "eta_in": "30", "eta_unit": "minutes", "note": "a\x00b"}, 400,
     "invalid_note"),
    ("unknown action", {"action": "explode"}, 400, "invalid_action"),
]


@pytest.mark.parametrize(("why", "data", "status", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(why, data, status, code, escalated, people, client):
    url = link_of(escalated, people["eng1"])
    post(client, url, action="acknowledge")
    mark = last_id(escalated)
    response = client.post(url, data)
    assert response.status_code == status
    assert 'id="action-error"' in response.content.decode()
    assert kinds(escalated, mark) == []


def test_a_refused_progress_keeps_the_draft(escalated, people, client):
    url = link_of(escalated, people["eng1"])
    post(client, url, action="acknowledge")
    response = post(client, url, action="progress", eta="yesterday", note="Rebuilding the index", public="1")
    assert response.status_code == 400 and "Rebuilding the index</textarea>" in response.content.decode()


def test_hand_over_refuses_another_vendor_or_a_colleague_without_mobile(escalated, people, client):
    url = link_of(escalated, people["eng1"])
    post(client, url, action="acknowledge")
    other = UserFactory(role="vendor_engineer", vendor=VendorFactory(code="other", name="Other"), mobile="9300000001")
    silent = UserFactory(role="vendor_engineer", vendor=people["vendor"], mobile="")
    mark = last_id(escalated)
    for target, expected in [(other, "same vendor"), (silent, "no mobile"), (people["dept"], "same vendor")]:
        response = post(client, url, action="hand_over", to_user=str(target.pk))
        assert response.status_code == 400 and expected in response.content.decode(), target.username
    for raw in ("", "abc", "-1", "9" * 20, "１"):
        assert post(client, url, action="hand_over", to_user=raw).status_code == 400
    assert kinds(escalated, mark) == []
    assert not EscalationNotice.objects.filter(record__ticket=escalated, user__in=[other, silent]).exists()


def test_forged_or_expired_link_explains_and_offers_nothing(escalated, people, client, settings, frozen):
    url = link_of(escalated, people["eng1"])
    for bad in (url[:-4] + "xyz/", "/ack/nonsense/"):
        page = client.get(bad)
        assert page.status_code == 404 and 'id="invalid-link"' in page.content.decode()
        assert "<form" not in page.content.decode().split("<main>")[1]
        assert client.post(bad, {"action": "acknowledge"}).status_code == 404
    frozen.shift(dt.timedelta(seconds=settings.ACK_LINK_MAX_AGE + 1))
    assert client.post(url, {"action": "acknowledge"}).status_code == 404
    assert not TicketEvent.objects.filter(ticket=escalated, kind="escalation_acknowledged").exists()


def test_the_inbox_offers_the_same_actions(escalated, people, client):
    client.force_login(people["eng2"])  # not escalated to in person; their vendor was
    url = reverse("escalation:vendor-ticket", args=[escalated.number])
    assert 'id="ack-button"' in client.get(url).content.decode()
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    response = client.post(url, {"action": "progress", "eta": "in 2 hours", "note": "On it", "public": "0"})
    assert response.status_code == 302
    clock = Clock.objects.get(ticket=escalated, kind="eta", state="running")
    assert clock.eta_at == T0 + dt.timedelta(minutes=61 + 120) and clock.eta_by == people["eng2"]
    # The ETA counts for the vendor and the person the step reached (eng1), whoever typed it.
    assert clock.eta_vendor == people["vendor"] and clock.eta_for == people["eng1"]


def test_a_closed_ticket_makes_the_link_read_only(escalated, people, client):
    url = link_of(escalated, people["eng1"])
    post(client, url, action="acknowledge")
    ts.ticket_transition(ticket_id=escalated.pk, to="resolved", actor=ts.Actor.of(people["dept"]), note="done")
    page = client.get(url).content.decode()
    assert 'id="read-only"' in page and 'id="progress-button"' not in page and 'id="restore-button"' not in page
    mark = last_id(escalated)
    for data in ({"action": "progress", "eta_in": "30", "eta_unit": "minutes", "note": "late"},
                 {"action": "restore"}, {"action": "decline", "reason": "x"},
                 {"action": "hand_over", "to_user": str(people["eng2"].pk)}):
        assert client.post(url, data).status_code == 409, data["action"]
    assert kinds(escalated, mark) == []


def test_the_inbox_has_a_query_budget(policy, people, frozen, client):
    """A fixed number of queries whatever the number of tickets (the layout's own included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> tuple[int, dict]:
        client.get(reverse("escalation:vendor-queue"))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("escalation:vendor-queue"))
        return len(queries), {name: tickets for name, _label, tickets in page.context["sections"]}

    def escalate(n: int) -> None:
        for _ in range(n):
            ts.ticket_create(district=District.objects.get(code="raipur"),
                             category=Category.objects.order_by("position").first(), description="Portal down",
                             requester_kind="citizen", channel="web", priority="P1", actor=ts.Actor(label="citizen"))
        frozen.shift(dt.timedelta(minutes=61))
        engine.sweep()

    client.force_login(people["eng1"])
    escalate(1)
    one, sections = count()
    assert len(sections["awaiting_my_ack"]) == 1
    escalate(6)
    seven, sections = count()
    assert len(sections["awaiting_my_ack"]) == 7
    assert seven == one <= 14
