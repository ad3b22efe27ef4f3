"""The live REST API: permissions, bad input as clear 4xx, the reconnect snapshot, query budgets."""

from __future__ import annotations

import json

import pytest

from live import services
from live.models import Incident
from tickets.models import TicketEvent
from tickets.services import Actor, ticket_transition

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def incident(supervisor, components):
    return services.incident_create(title="OTP SMS delayed", actor=supervisor, components=[components["otp-sms"]],
                                    component_status="major_outage", body_en="Investigating.", body_hi="जाँच जारी।")


def test_public_status_snapshot_needs_no_login(client, incident, bastar):
    body = client.get("/api/live/status/").json()
    assert [c["code"] for c in body["components"]] == ["registration", "otp-sms", "slot-booking", "certificate",
                                                       "phone-line"]
    assert body["components"][1]["status"] == "major_outage"
    assert body["incidents"][0]["id"] == incident.pk and body["incidents"][0]["updates"][0]["body_hi"] == "जाँच जारी।"
    services.incident_add_note(incident_id=incident.pk, body="internal only", actor=incident.created_by)
    assert "internal only" not in client.get("/api/live/status/").content.decode()
    assert client.get("/api/live/status/?district=bastar").json()["district"] == "bastar"


@pytest.mark.parametrize("query", ["district=nowhere", "district=%25", "district=bastar&district=raipur",
                                   "district=" + "x" * 100, "district=<script>"])
def test_status_bad_district_is_400(client, components, query):
    response = client.get(f"/api/live/status/?{query}")
    assert response.status_code == 400


def test_create_incident_supervisor_only(client, agent, supervisor, components):
    body = {"title": "Portal down", "title_hi": "पोर्टल बंद", "severity": "critical",
            "components": ["registration"], "component_status": "major_outage",
            "body_en": "Investigating.", "body_hi": "जाँच जारी।"}
    client.force_login(agent)
    assert post(client, "/api/live/incidents/", body).status_code == 403
    client.force_login(supervisor)
    response = post(client, "/api/live/incidents/", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 201
    data = response.json()
    assert data["cadence_minutes"] == 30 and data["components"] == ["registration"]
    replay = post(client, "/api/live/incidents/", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1
    assert post(client, "/api/live/incidents/", {**body, "title": "x"}, HTTP_IDEMPOTENCY_KEY="k1").status_code == 422


@pytest.mark.parametrize("patch, code", [
    ({"title": ""}, "missing_title"),
    ({"title": 5}, "invalid_title"),
    ({"title": "x" * 201}, "invalid_title"),
    ({"severity": "apocalyptic"}, "invalid_severity"),
    ({"components": ["nope"]}, "invalid_components"),
    ({"components": "otp-sms"}, "invalid_components"),
    ({"districts": [True]}, "invalid_districts"),
    ({"districts": ["5"]}, "invalid_districts"),
    ({"districts": [10**9]}, "invalid_district"),
    ({"component_status": "fine"}, "invalid_component_status"),
    ({"body_hi": ""}, "missing_body_hi"),
    ({"public": "yes"}, "invalid_public"),
    ({"ticket_ids": [1.5]}, "invalid_ticket_ids"),
])
def test_create_incident_bad_input(client, supervisor, components, patch, code):
    body = {"title": "Portal down", "severity": "major", "components": ["registration"],
            "body_en": "Investigating.", "body_hi": "जाँच जारी।", **patch}
    client.force_login(supervisor)
    response = post(client, "/api/live/incidents/", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Incident.objects.exists()


def test_body_must_be_an_object(client, supervisor, components):
    client.force_login(supervisor)
    assert post(client, "/api/live/incidents/", ["title"]).status_code == 400
    response = client.post("/api/live/incidents/", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_update_transition_note_link(client, supervisor, agent, incident, make_ticket):
    client.force_login(supervisor)
    url = f"/api/live/incidents/{incident.pk}"
    assert post(client, f"{url}/updates/", {"body_en": "Found it.", "body_hi": "कारण मिला।",
                                            "status": "identified"}).status_code == 201
    assert post(client, f"{url}/notes/", {"body": "called vendor"}).status_code == 201
    response = post(client, f"{url}/transition/", {"status": "investigating"})
    assert response.status_code == 200 and response.json()["status"] == "investigating"
    response = post(client, f"{url}/transition/", {"status": "resolved", "restore_components": True})
    assert response.json()["status"] == "resolved"
    assert post(client, f"{url}/transition/", {"status": "monitoring"}).status_code == 409
    assert client.get("/api/live/status/").json()["components"][1]["status"] == "operational"
    detail = client.get(f"{url}/").json()
    assert [u["public"] for u in detail["updates"]] == [False, True, True]


def test_link_one_click_by_an_agent(client, agent, incident, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)
    response = post(client, f"/api/live/incidents/{incident.pk}/link/", {"ticket_ids": [ticket.pk]})
    assert response.json() == {"linked": 1}
    ticket.refresh_from_db()
    assert ticket.incident_id == incident.pk
    for bad in ([], [0], ["1"], [ticket.pk] * 501, "1"):
        assert post(client, f"/api/live/incidents/{incident.pk}/link/", {"ticket_ids": bad}).status_code == 400
    assert post(client, f"/api/live/incidents/{incident.pk}/link/", {"ticket_ids": [10**9]}).status_code == 404
    assert post(client, "/api/live/incidents/999999/link/", {"ticket_ids": [ticket.pk]}).status_code == 404


def test_district_official_sees_own_and_statewide_incidents_only(client, make_user, supervisor, components,
                                                                 raipur, bastar):
    statewide = services.incident_create(title="Statewide", actor=supervisor, body_en="a", body_hi="b")
    in_raipur = services.incident_create(title="Raipur", actor=supervisor, districts=[raipur], body_en="a",
                                         body_hi="b")
    in_bastar = services.incident_create(title="Bastar", actor=supervisor, districts=[bastar], body_en="a",
                                         body_hi="b")
    client.force_login(make_user("district_official"))
    ids = {i["id"] for i in client.get("/api/live/incidents/").json()["results"]}
    assert ids == {statewide.pk, in_raipur.pk}
    assert client.get(f"/api/live/incidents/{in_bastar.pk}/").status_code == 404
    assert post(client, f"/api/live/incidents/{in_raipur.pk}/notes/", {"body": "x"}).status_code == 403


def test_component_status_endpoint(client, supervisor, components, bastar):
    client.force_login(supervisor)
    response = post(client, "/api/live/components/otp-sms/status/", {"status": "degraded", "district": bastar.pk})
    assert response.status_code == 200 and response.json()["district"] == bastar.pk
    assert post(client, "/api/live/components/nope/status/", {"status": "degraded"}).status_code == 404
    assert post(client, "/api/live/components/otp-sms/status/", {"status": "down"}).status_code == 400
    assert post(client, "/api/live/components/otp-sms/status/", {"status": "degraded",
                                                                 "district": "5"}).status_code == 400


def test_events_snapshot_since_cursor_is_scoped(client, make_user, agent, make_ticket, bastar):
    raipur_ticket = make_ticket()
    bastar_ticket = make_ticket(district=bastar)
    ticket_transition(ticket_id=raipur_ticket.pk, to="in_progress", actor=Actor.of(agent))
    client.force_login(agent)
    everything = client.get("/api/live/events/?since=0").json()
    ours = {"ticket.created", "ticket.status_changed"}  # other apps add their own kinds (SLA clocks)
    assert [(e["ticket_id"], e["type"]) for e in everything["results"] if e["type"] in ours] == [
        (raipur_ticket.pk, "ticket.created"), (bastar_ticket.pk, "ticket.created"),
        (raipur_ticket.pk, "ticket.status_changed")]
    ids = [e["event_id"] for e in everything["results"]]
    assert ids == sorted(ids) and len(ids) == TicketEvent.objects.count()
    later = client.get(f"/api/live/events/?since={ids[0]}").json()
    assert [e["event_id"] for e in later["results"]] == ids[1:] and later["cursor"] == everything["cursor"]
    only_bastar = client.get(f"/api/live/events/?since=0&ticket={bastar_ticket.pk}").json()["results"]
    assert {e["ticket_id"] for e in only_bastar} == {bastar_ticket.pk}
    client.force_login(make_user("district_official"))
    assert {e["ticket_id"] for e in client.get("/api/live/events/?since=0").json()["results"]} == {raipur_ticket.pk}
    client.force_login(make_user("vendor_engineer"))
    assert client.get("/api/live/events/?since=0").json()["results"] == []
    client.logout()
    assert client.get("/api/live/events/?since=0").status_code == 403


@pytest.mark.parametrize("query", ["since=-1", "since=abc", "since=1e3", "since=%D9%A1", "since=1&since=2",
                                   "since=" + "9" * 30, "ticket=x",
                                   "page_size=null", "page_size=0"])
def test_events_bad_cursor_is_400(client, agent, query):
    client.force_login(agent)
    assert client.get(f"/api/live/events/?{query}").status_code == 400


def test_events_query_budget(client, agent, make_ticket, django_assert_max_num_queries):
    for _ in range(30):
        make_ticket()
    client.force_login(agent)
    with django_assert_max_num_queries(6):
        response = client.get("/api/live/events/?since=0&page_size=100")
    assert len(response.json()["results"]) == min(100, TicketEvent.objects.count())
    assert response.json()["count"] == TicketEvent.objects.count() >= 30


def test_incident_list_query_budget(client, supervisor, components, django_assert_max_num_queries):
    for n in range(12):
        services.incident_create(title=f"Incident {n}", actor=supervisor, components=[components["otp-sms"]],
                                 body_en="a", body_hi="b")
    client.force_login(supervisor)
    with django_assert_max_num_queries(7):
        response = client.get("/api/live/incidents/?open=1")
    assert response.json()["count"] == 12


def test_status_and_suspicions_query_budget(client, supervisor, components, django_assert_max_num_queries):
    for n in range(8):
        services.incident_create(title=f"Incident {n}", actor=supervisor, components=[components["otp-sms"]],
                                 body_en="a", body_hi="b")
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/live/status/").json()["incidents"]) == 8
    client.force_login(supervisor)
    with django_assert_max_num_queries(6):
        assert client.get("/api/live/suspicions/").status_code == 200


def test_suspicion_confirm_and_dismiss_endpoints(client, supervisor, agent, make_ticket, raipur, otp,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            make_ticket(district=raipur, category=otp)
    client.force_login(agent)
    listed = client.get("/api/live/suspicions/").json()["results"]
    assert len(listed) == 1 and len(listed[0]["ticket_ids"]) == 5
    sid = listed[0]["id"]
    assert post(client, f"/api/live/suspicions/{sid}/confirm/", {}).status_code == 403
    client.force_login(supervisor)
    response = post(client, f"/api/live/suspicions/{sid}/confirm/", {"severity": "major"})
    assert response.status_code == 200
    assert post(client, f"/api/live/suspicions/{sid}/dismiss/", {}).status_code == 409
    assert post(client, "/api/live/suspicions/999999/dismiss/", {}).status_code == 404


def test_schema_documents_the_live_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = set(schema["paths"])
    for path in ["/api/live/status/", "/api/live/events/", "/api/live/incidents/",
                 "/api/live/incidents/{incident_id}/updates/", "/api/live/suspicions/{suspicion_id}/confirm/"]:
        assert path in paths


@pytest.mark.parametrize("path", ["/api/live/incidents/99999999999999999999/",
                                  "/api/live/incidents/9223372036854775808/"])
def test_out_of_range_ids_are_404(client, supervisor, path):
    client.force_login(supervisor)
    assert client.get(path).status_code == 404
    assert post(client, "/api/live/suspicions/99999999999999999999/dismiss/", {}).status_code == 404
    assert post(client, path + "notes/", {"body": "x"}).status_code == 404
