"""Incident lifecycle, components, public updates and notes, linking, SMS to requesters, the
update cadence, and the exact live events each change sends."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from helpdesk.exceptions import Conflict, InvalidInput, NotFound
from live import services
from live.models import (
    CadenceAlert,
    ComponentState,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)
from live.services import InvalidIncidentTransition
from live.tasks import incident_cadence_sweep, notify_linked_requesters
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _open(supervisor, components, *, districts=(), severity="major", **kwargs):
    return services.incident_create(
        title="OTP SMS delayed", title_hi="ओटीपी देर से", severity=severity, actor=supervisor,
        components=[components["otp-sms"]], districts=list(districts), component_status="major_outage",
        body_en="Investigating.", body_hi="जाँच जारी है।", **kwargs)


def test_lifecycle_and_resolving_restores_components(supervisor, components, bastar, django_capture_on_commit_callbacks):
    incident = _open(supervisor, components, districts=[bastar])
    state = ComponentState.objects.get(component=components["otp-sms"], district=bastar)
    assert state.status == "major_outage" and state.incident_id == incident.pk
    assert not ComponentState.objects.filter(district__isnull=True).exists()  # statewide untouched
    services.incident_post_update(incident_id=incident.pk, status="identified", actor=supervisor,
                                  body_en="Gateway route congested.", body_hi="गेटवे मार्ग व्यस्त।")
    services.incident_transition(incident_id=incident.pk, to="monitoring", actor=supervisor)
    services.incident_transition(incident_id=incident.pk, to="resolved", actor=supervisor, restore_components=True)
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert incident.next_update_due_at is None
    state.refresh_from_db()
    assert state.status == "operational"
    changes = list(ComponentStatusChange.objects.filter(component=components["otp-sms"]).values_list(
        "from_status", "to_status"))
    assert changes == [("operational", "major_outage"), ("major_outage", "operational")]
    with pytest.raises(InvalidIncidentTransition):
        services.incident_transition(incident_id=incident.pk, to="monitoring", actor=supervisor)


def test_resolving_without_restoring_leaves_components(supervisor, components):
    incident = _open(supervisor, components)
    services.incident_transition(incident_id=incident.pk, to="resolved", actor=supervisor, restore_components=False)
    assert ComponentState.objects.get(component=components["otp-sms"], district=None).status == "major_outage"


@pytest.mark.parametrize("to", ["resolvedx", "", "new"])
def test_unknown_status_is_refused(supervisor, components, to):
    incident = _open(supervisor, components)
    with pytest.raises(InvalidInput):
        services.incident_transition(incident_id=incident.pk, to=to, actor=supervisor)


def test_monitoring_cannot_go_back_to_investigating(supervisor, components):
    incident = _open(supervisor, components)
    services.incident_transition(incident_id=incident.pk, to="monitoring", actor=supervisor)
    with pytest.raises(InvalidIncidentTransition) as err:
        services.incident_transition(incident_id=incident.pk, to="investigating", actor=supervisor)
    assert err.value.extra["allowed"] == ["identified", "resolved"]


@pytest.mark.parametrize("body_en, body_hi", [("", "हिन्दी"), ("English", ""), ("   ", "x"), ("x" * 2001, "y")])
def test_public_update_needs_both_languages(supervisor, components, body_en, body_hi):
    incident = _open(supervisor, components)
    with pytest.raises(InvalidInput):
        services.incident_post_update(incident_id=incident.pk, body_en=body_en, body_hi=body_hi, actor=supervisor)
    assert IncidentUpdate.objects.filter(incident=incident).count() == 1


def test_exact_events_of_create_update_note(supervisor, components, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = _open(supervisor, components)
    kinds = [(e["type"], tuple(g)) for g, e in sent]
    assert kinds == [
        ("component.status", ("status", "console")),
        ("incident.created", ("status", "console")),
        ("incident.update", ("status", "console")),
    ]
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_add_note(incident_id=incident.pk, body="Vendor called back.", actor=supervisor)
    assert [(e["type"], g) for g, e in sent] == [("incident.note", ["console"])]
    assert "Vendor" not in str(sent)  # events carry ids, never the text


def test_internal_incident_never_reaches_the_status_group(supervisor, components, sent,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_create(title="Internal check", actor=supervisor, is_public=False)
        services.incident_add_note(incident_id=incident.pk, body="n", actor=supervisor)
    assert sent and all(groups == ["console"] for groups, _ in sent)
    with pytest.raises(Conflict):
        services.incident_post_update(incident_id=incident.pk, body_en="a", body_hi="b", actor=supervisor)


def test_nothing_is_sent_when_the_transaction_rolls_back(supervisor, components, sent):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _open(supervisor, components)
        raise RuntimeError
    assert sent == []
    assert not Incident.objects.exists()


def test_link_tickets_in_bulk_and_sms_each_requester_once(supervisor, agent, components, make_ticket,
                                                          django_capture_on_commit_callbacks):
    tickets = [make_ticket(), make_ticket(requester_language="hi"), make_ticket(mobile="")]
    incident = _open(supervisor, components)
    assert services.incident_link_tickets(incident_id=incident.pk, ticket_ids=[t.pk for t in tickets],
                                          actor=agent) == 3
    assert services.incident_link_tickets(incident_id=incident.pk, ticket_ids=[tickets[0].pk], actor=agent) == 0
    with pytest.raises(NotFound):
        services.incident_link_tickets(incident_id=incident.pk, ticket_ids=[tickets[0].pk, 10**9], actor=agent)
    OutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        update = services.incident_post_update(incident_id=incident.pk, body_en="Fixed soon.", body_hi="जल्द ठीक।",
                                               actor=supervisor)
    rows = list(OutboxMessage.objects.filter(idempotency_key__startswith=f"incident-update:{update.pk}:")
                .order_by("ticket_id").values_list("recipient", "body", "idempotency_key"))
    assert [r[0] for r in rows] == [tickets[0].requester_mobile, tickets[1].requester_mobile]
    assert "Fixed soon." in rows[0][1] and "जल्द ठीक।" in rows[1][1]
    assert rows[0][2] == f"incident-update:{update.pk}:ticket:{tickets[0].pk}"
    notify_linked_requesters(update.pk)  # a retried task sends nothing twice
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"incident-update:{update.pk}:").count() == 2


def test_linking_to_a_resolved_incident_is_refused(supervisor, components, make_ticket):
    incident = _open(supervisor, components)
    services.incident_transition(incident_id=incident.pk, to="resolved", actor=supervisor)
    with pytest.raises(Conflict):
        services.incident_link_tickets(incident_id=incident.pk, ticket_ids=[make_ticket().pk], actor=supervisor)


def test_cadence_warns_then_escalates_once_per_missed_slot(supervisor, make_user, components, sent,
                                                            django_capture_on_commit_callbacks):
    make_user("supervisor", mobile="9876500001")
    make_user("admin", email="admin@example.org")  # no mobile: by email
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        incident = _open(supervisor, components, severity="critical")
    assert incident.cadence_minutes == 30
    assert incident.next_update_due_at == start + dt.timedelta(minutes=30)

    def sweep(minutes):
        with django_capture_on_commit_callbacks(execute=True):
            return incident_cadence_sweep((start + dt.timedelta(minutes=minutes)).isoformat())

    assert sweep(10) == {"warned": 0, "missed": 0}
    assert sweep(26) == {"warned": 1, "missed": 0}
    assert sweep(27) == {"warned": 0, "missed": 0}
    assert sweep(31) == {"warned": 0, "missed": 1}
    assert sweep(45) == {"warned": 0, "missed": 0}
    incident.refresh_from_db()
    assert incident.overdue_since == start + dt.timedelta(minutes=30)
    keys = sorted(OutboxMessage.objects.filter(idempotency_key__startswith="incident-cadence:")
                  .values_list("idempotency_key", flat=True))
    slot = (start + dt.timedelta(minutes=30)).isoformat()
    channels = sorted(OutboxMessage.objects.filter(idempotency_key__startswith="incident-cadence:")
                      .values_list("channel", flat=True))
    assert channels == ["email", "sms"]  # the fixture's supervisor has neither mobile nor email
    assert len(keys) == 2 and all(k.startswith(f"incident-cadence:{incident.pk}:{slot}:user:") for k in keys)
    assert sweep(61) == {"warned": 0, "missed": 1}  # the next slot escalates again
    assert OutboxMessage.objects.filter(idempotency_key__startswith="incident-cadence:").count() == 4
    assert list(CadenceAlert.objects.order_by("id").values_list("kind", flat=True)) == ["warning", "missed", "missed"]
    assert [e["type"] for _, e in sent if e["type"].startswith("incident.o") or e["type"].endswith("due")] == [
        "incident.update_due", "incident.overdue", "incident.overdue"]
    with time_machine.travel(start + dt.timedelta(minutes=62), tick=False):
        services.incident_post_update(incident_id=incident.pk, body_en="Still on it.", body_hi="काम जारी।",
                                      actor=supervisor)
    incident.refresh_from_db()
    assert incident.overdue_since is None
    assert incident.next_update_due_at == start + dt.timedelta(minutes=92)


def test_seed_is_idempotent(db):
    from io import StringIO

    from live.seed import seed

    seed(size=0, stdout=StringIO())
    seed(size=0, stdout=StringIO())
    assert Incident.objects.count() == 1
    from live.models import Component

    assert sorted(Component.objects.values_list("code", flat=True)) == sorted(
        ["registration", "otp-sms", "slot-booking", "certificate", "phone-line"])
    assert IncidentUpdate.objects.filter(is_public=True).count() == 2


def test_resolving_leaves_a_component_another_open_incident_affects(supervisor, components, bastar):
    first = _open(supervisor, components)
    second = _open(supervisor, components)
    in_bastar = _open(supervisor, components, districts=[bastar])
    services.incident_transition(incident_id=first.pk, to="resolved", actor=supervisor)
    state = ComponentState.objects.get(component=components["otp-sms"], district=None)
    assert state.status == "major_outage"  # the second incident still affects it statewide
    services.incident_transition(incident_id=second.pk, to="resolved", actor=supervisor)
    state.refresh_from_db()
    assert state.status == "operational"  # the Bastar incident is another place
    assert ComponentState.objects.get(component=components["otp-sms"], district=bastar).status == "major_outage"
    services.incident_transition(incident_id=in_bastar.pk, to="resolved", actor=supervisor)
    assert ComponentState.objects.get(component=components["otp-sms"], district=bastar).status == "operational"
