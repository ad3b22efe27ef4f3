"""A frozen-clock walk of one P1 ticket through the whole ladder: warnings, breach, level 1,
level 2, acknowledgement by the signed link, a resolution breach that escalates although the
vendor acknowledged, a missed progress update, a missed ETA (the ladder starts again), resolve."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from escalation import engine, services
from escalation.links import ack_token
from escalation.models import Clock, EscalationNotice, EscalationRecord, TicketSLA
from notifications.models import OutboxMessage
from tests.escalation.conftest import T0
from tickets import services as ts

pytestmark = pytest.mark.django_db


def kinds(ticket, since_id=0):
    return [e.kind for e in ticket.events.filter(id__gt=since_id).order_by("id")]


def last_event_id(ticket):
    return ticket.events.order_by("-id").values_list("id", flat=True).first()


def test_whole_ladder_walk(policy, people, make_ticket, sms_outbox, client, django_capture_on_commit_callbacks):
    policy.warn_before_minutes = 10
    policy.save()
    agent = people["dept"]
    with time_machine.travel(T0, tick=False) as clock:

        def at(minutes: float, *, sweep: bool = True):
            clock.move_to(T0 + dt.timedelta(minutes=minutes))
            if sweep:
                with django_capture_on_commit_callbacks(execute=True):
                    engine.sweep()

        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket()
        sla = TicketSLA.objects.get(ticket=ticket)
        assert sla.snapshot["policy_name"] == "P1"
        assert kinds(ticket) == ["created", "clock_started", "clock_started"]

        at(5, sweep=False)
        ts.ticket_mark_contacted(ticket_id=ticket.pk, actor=ts.Actor.of(agent))
        fr = Clock.objects.get(ticket=ticket, kind="first_response")
        assert fr.state == "stopped" and fr.stop_reason == "met"

        at(10, sweep=False)
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(agent), vendor=people["vendor"])
        live = {c.kind: c for c in Clock.objects.filter(ticket=ticket).exclude(state="stopped")}
        assert set(live) == {"resolution", "vendor_ack", "vendor_restore"}
        assert live["resolution"].state == "running"  # awaiting vendor never pauses the citizen's clock
        assert live["vendor_ack"].due_at == T0 + dt.timedelta(minutes=25)

        # Warnings accurate to the minute: 75 % of 15 min = 11m15s after 10:10, and T-10.
        at(15 - 1 / 60)
        assert "sla_warning" not in kinds(ticket)
        at(15)
        assert kinds(ticket)[-1] == "sla_warning"
        mark = last_event_id(ticket)
        at(21.25)
        assert kinds(ticket, mark) == ["sla_warning"]

        # Breach and level 1: the engineer on call now, by SMS.
        at(25)
        mark2 = last_event_id(ticket)
        assert kinds(ticket, mark)[-2:] == ["sla_breach", "escalation_fired"]
        assert [to for to, _text in sms_outbox] == ["9100000001"]
        # Running the sweep again at the same instant fires nothing new.
        at(25)
        assert kinds(ticket, mark2) == []

        # Level 2 at +15: the responsible officer, by SMS and email.
        at(40)
        assert [to for to, _text in sms_outbox] == ["9100000001", "9100000003"]
        level2 = EscalationRecord.objects.get(ticket=ticket, level=2)
        notice = level2.notices.get()
        assert notice.user == people["officer"] and notice.channels == ["sms", "email"]
        assert OutboxMessage.objects.filter(notice=notice, status="sent").count() == 2

        # The officer opens the signed link: GET changes nothing, POST acknowledges.
        at(42, sweep=False)
        url = sms_outbox[-1][1].split("http://127.0.0.1:8000", 1)[1]
        assert url.startswith(reverse("escalation:ack", args=[ack_token(notice.pk)]).split(":")[0])
        page = client.get(url)
        assert page.status_code == 200 and b"ack-button" in page.content
        assert not Clock.objects.filter(ticket=ticket, acknowledged_at__isnull=False).exists()
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(url, {"action": "acknowledge"})
        assert done.status_code == 302 and done.url.endswith("?done=acknowledge")
        assert b"ack-done" in client.get(done.url).content
        notice.refresh_from_db()
        assert notice.ack_via == "link" and notice.ack_seconds == 120
        assert kinds(ticket)[-3:] == ["escalation_acknowledged", "clock_stopped", "clock_started"]
        eta = Clock.objects.get(ticket=ticket, kind="eta")
        assert eta.due_at == T0 + dt.timedelta(minutes=42 + 30)
        # Idempotent: a second POST acknowledges nothing more.
        again = client.post(url, {"action": "acknowledge"})
        assert again.status_code == 302
        shown = client.get(url).content.decode()
        assert "ack-button" not in shown and "Acknowledged at" in shown

        # The ladder stopped: no level 3 at +30 (10:55).
        at(55)
        assert not EscalationRecord.objects.filter(ticket=ticket, level=3).exists()

        # Resolution (due 11:00) breaches and escalates although the vendor acknowledged.
        at(60)
        res_steps = EscalationRecord.objects.filter(ticket=ticket, clock__kind="resolution")
        assert [r.level for r in res_steps] == [1]
        assert len(sms_outbox) == 3

        at(62, sweep=False)
        with django_capture_on_commit_callbacks(execute=True):
            result = services.escalation_acknowledge(ticket_id=ticket.pk, user=people["eng1"], via="app")
        assert result.acknowledged and result.clocks == ["resolution"]

        # No progress within 30 min of the first acknowledgement (due 11:12): a breach of its own,
        # and the ladder starts again from level 1.
        mark3 = last_event_id(ticket)
        at(72)
        assert kinds(ticket, mark3) == ["eta_missed", "escalation_fired"]
        assert EscalationRecord.objects.filter(ticket=ticket, clock__kind="eta", level=1).count() == 1

        # Progress with an ETA of 11:40; the ETA is missed; the ladder starts again.
        at(74, sweep=False)
        with django_capture_on_commit_callbacks(execute=True):
            services.escalation_post_progress(ticket_id=ticket.pk, user=people["eng1"],
                                              eta=T0 + dt.timedelta(minutes=100), note="Restarting the DB")
        promised = Clock.objects.get(ticket=ticket, kind="eta", state="running")
        assert promised.eta_at == T0 + dt.timedelta(minutes=100)
        assert "eta_posted" in kinds(ticket, mark3)
        at(99)
        assert not EscalationRecord.objects.filter(clock=promised).exists()
        at(100)
        assert EscalationRecord.objects.filter(clock=promised, level=1).count() == 1
        assert kinds(ticket)[-2:] == ["eta_missed", "escalation_fired"]

        # Resolve: every clock stops, nothing is due any more.
        at(105, sweep=False)
        with django_capture_on_commit_callbacks(execute=True):
            services.vendor_resolve(ticket_id=ticket.pk, user=people["eng1"], note="DB restored")
        assert not Clock.objects.filter(ticket=ticket).exclude(state="stopped").exists()
        sla.refresh_from_db()
        assert sla.next_action_at is None
        sent = len(sms_outbox)
        at(300)
        assert len(sms_outbox) == sent
        # The accountable people's record: who was told and who acknowledged how.
        acked = EscalationNotice.objects.filter(record__ticket=ticket, acknowledged_at__isnull=False)
        assert {(n.user.username, n.ack_via) for n in acked} == {("off", "link"), ("eng1", "app")}
