"""The agents' and district officials' journeys through the REST API."""

import pytest

from live.models import Incident
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def create(api, raipur, **extra):
    body = {"district": raipur.pk, "category": "otp-not-received", "description": "OTP does not arrive",
            "name": "Ramesh", "mobile": "9876504321", "channel": "phone", **extra}
    return api.post("/api/tickets/", body, format="json")


def test_agent_phone_journey(desk_api, agent, raipur, supervisor):
    response = create(desk_api, raipur)
    assert response.status_code == 201, response.json()
    ticket = response.json()["ticket"]
    number = ticket["number"]
    assert ticket["channel"] == "phone" and ticket["requester_kind"] == "agent"
    assert ticket["requester_mobile"] == "******4321"
    assert ticket["priority"] == "P2"  # the category's default

    # the same caller again, same category: attached to the open ticket, counted as chased
    again = create(desk_api, raipur, description="calling again")
    assert again.status_code == 200
    assert again.json()["created"] is False and again.json()["ticket"]["number"] == number
    assert again.json()["ticket"]["chased_count"] == 1
    # unless the agent says otherwise
    separate = create(desk_api, raipur, description="another problem", attach_to_open=False)
    assert separate.status_code == 201 and separate.json()["ticket"]["number"] != number

    url = f"/api/tickets/{number}/"
    version = desk_api.get(url).json()["version"]
    r = desk_api.post(url + "comments/", {"body": "called back, asked to wait", "public": False,
                                          "expected_version": version}, format="json")
    assert r.status_code == 201 and r.json()["is_public"] is False
    r = desk_api.post(url + "priority/", {"priority": "P1"}, format="json")
    assert r.status_code == 200 and r.json()["priority"] == "P1"
    r = desk_api.post(url + "category/", {"category": "portal-down"}, format="json")
    assert r.json()["category"]["code"] == "portal-down"
    r = desk_api.post(url + "assign/", {"assignee": supervisor.pk}, format="json")
    assert r.json()["assignee"]["id"] == supervisor.pk
    r = desk_api.post(url + "transition/", {"to": "in_progress", "note": "looking"}, format="json")
    assert r.json()["status"] == "in_progress"
    r = desk_api.post(url + "contacted/", {"note": "rang back"}, format="json")
    assert r.json()["first_response_at"] is not None
    r = desk_api.post(url + "registration/", {"reference_id": "12345678901234"}, format="json")
    assert r.json()["registration_reference"] == "12345678901234"
    incident = Incident.objects.create(title="OTP gateway down")
    r = desk_api.post(url + "incident/", {"incident": incident.pk}, format="json")
    assert r.json()["incident_id"] == incident.pk
    r = desk_api.post(url + "comments/", {"body": "Fixed, please retry", "public": True}, format="json")
    assert r.status_code == 201
    r = desk_api.post(url + "transition/", {"to": "resolved"}, format="json")
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (400, "missing_note", "note")
    r = desk_api.post(url + "transition/", {"to": "resolved", "note": "OTP route switched"}, format="json")
    assert r.json()["status"] == "resolved"

    events = desk_api.get(url + "events/").json()["results"]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "created"
    later = desk_api.get(url + f"events/?after={events[-2]['id']}").json()["results"]
    assert [e["id"] for e in later] == [events[-1]["id"]]
    for bad in ("abc", "-1", "", "1.5"):  # refused with a message, no longer read as "all"
        r = desk_api.get(url + f"events/?after={bad}")
        assert (r.status_code, r.json()["code"]) == (400, "invalid_after" if bad else "missing_after"), bad
    for kind in ("chased", "comment", "priority_changed", "category_changed", "assigned", "status_changed",
                 "contacted", "first_response", "registration_attached", "incident_linked"):
        assert kind in kinds
    comments = desk_api.get(url + "comments/").json()["results"]
    assert [(c["body"], c["is_public"]) for c in comments][-2:] == [("Fixed, please retry", True),
                                                                     ("OTP route switched", False)]


def test_illegal_transition_is_409_with_current_state(desk_api, raipur):
    number = create(desk_api, raipur).json()["ticket"]["number"]
    desk_api.post(f"/api/tickets/{number}/transition/", {"to": "resolved", "note": "done"}, format="json")
    desk_api.post(f"/api/tickets/{number}/transition/", {"to": "closed"}, format="json")
    r = desk_api.post(f"/api/tickets/{number}/transition/", {"to": "in_progress"}, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition" and r.json()["status"] == "closed"
    assert r.json()["allowed"] == []


def test_stale_version_is_refused(desk_api, raipur):
    ticket = create(desk_api, raipur).json()["ticket"]
    url = f"/api/tickets/{ticket['number']}/"
    desk_api.post(url + "priority/", {"priority": "P1"}, format="json")  # someone else's change
    r = desk_api.post(url + "comments/", {"body": "reply", "public": True, "expected_version": ticket["version"]},
                      format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "stale_version" and r.json()["current_version"] == ticket["version"] + 1
    changed = [e for e in r.json()["recent_events"] if e["kind"] == "priority_changed"]
    assert [(e["from"], e["to"]) for e in changed] == [("P2", "P1")]
    assert Comment.objects.filter(body="reply").count() == 0


def test_idempotency_key_replays_and_refuses_a_different_body(desk_api, raipur):
    body = {"district": raipur.pk, "category": "certificate", "description": "no certificate", "channel": "phone"}
    first = desk_api.post("/api/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    second = desk_api.post("/api/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other = desk_api.post("/api/tickets/", {**body, "description": "other"}, format="json",
                          HTTP_IDEMPOTENCY_KEY="call-1")
    assert other.status_code == 422
    assert Ticket.objects.count() == 1


def test_supervisor_merges_many_and_merged_requesters_get_updates(api, supervisor, raipur, sent_sms):
    api.force_login(supervisor)
    numbers = [create(api, raipur, mobile=f"98765000{i:02d}").json()["ticket"]["number"] for i in range(3)]
    survivor, *dups = numbers
    r = api.post(f"/api/tickets/{survivor}/merge/", {"tickets": dups, "note": "same outage"}, format="json")
    assert r.status_code == 200, r.json()
    assert set(Ticket.objects.filter(number__in=dups).values_list("status", flat=True)) == {"merged"}
    assert set(Ticket.objects.filter(number__in=dups).values_list("merged_into__number", flat=True)) == {survivor}
    before = len(sent_sms())
    api.post(f"/api/tickets/{survivor}/comments/", {"body": "Restored", "public": True}, format="json")
    assert sorted(to for to, _, _ in sent_sms()[before:]) == ["9876500000", "9876500001", "9876500002"]
    # merging again is an illegal move
    r = api.post(f"/api/tickets/{survivor}/merge/", {"tickets": dups[:1]}, format="json")
    assert r.status_code == 409


def test_agent_cannot_merge(desk_api, raipur):
    a = create(desk_api, raipur, mobile="9876500011").json()["ticket"]["number"]
    b = create(desk_api, raipur, mobile="9876500012").json()["ticket"]["number"]
    assert desk_api.post(f"/api/tickets/{a}/merge/", {"tickets": [b]}, format="json").status_code == 403


def test_district_official_files_for_own_district_only(api, make_user, raipur, bastar):
    official = make_user("district_official", district=raipur)
    api.force_login(official)
    r = api.post("/api/tickets/", {"category": "portal-down", "description": "Portal down at PHC Abhanpur"},
                 format="json")
    assert r.status_code == 201
    assert r.json()["ticket"]["requester_kind"] == "district_official"
    assert r.json()["ticket"]["district"]["code"] == "raipur"
    r = api.post("/api/tickets/", {"district": bastar.pk, "category": "portal-down", "description": "x"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_district"


def test_list_filters_and_search(desk_api, raipur, bastar, agent):
    a = create(desk_api, raipur, mobile="9876500021").json()["ticket"]
    b = create(desk_api, bastar, mobile="9876500022", category="portal-down").json()["ticket"]
    desk_api.post(f"/api/tickets/{b['number']}/assign/", {"assignee": agent.pk}, format="json")
    desk_api.post(f"/api/tickets/{a['number']}/registration/", {"reference_id": "11112222333344"}, format="json")

    def numbers(query):
        r = desk_api.get("/api/tickets/" + query)
        assert r.status_code == 200, r.json()
        return {t["number"] for t in r.json()["results"]}

    assert numbers("") == {a["number"], b["number"]}
    assert numbers(f"?district={bastar.pk}") == {b["number"]}
    assert numbers("?category=otp-not-received") == {a["number"]}
    assert numbers("?priority=P1") == {b["number"]}
    assert numbers("?status=new&status=acknowledged") == {a["number"], b["number"]}
    assert numbers("?status=resolved") == set()
    assert numbers(f"?assignee={agent.pk}") == {b["number"]}
    assert numbers("?unassigned=true") == {a["number"]}
    assert numbers("?created_after=2000-01-01T00:00:00Z") == {a["number"], b["number"]}
    assert numbers("?created_before=2000-01-01T00:00:00Z") == set()
    assert numbers("?q=9876500022") == {b["number"]}
    assert numbers("?q=+91 98765 00022") == {b["number"]}
    assert numbers(f"?q={a['display_number'].lower()}") == {a["number"]}
    assert numbers("?q=11112222333344") == {a["number"]}
    assert numbers("?q=abc") == set()  # free text now: a word nobody wrote finds nothing
    for bad in ("?q=%25", "?district=abc", "?status=bogus", "?created_after=31-02-2026", "?q=" + "9" * 201,
                "?q=a%00b", "?sort=evil", "?view=bogus"):
        assert desk_api.get("/api/tickets/" + bad).status_code == 400, bad


def test_pagination(desk_api, make_ticket):
    for _ in range(7):
        make_ticket()
    page = desk_api.get("/api/tickets/?page_size=5").json()
    assert page["count"] == 7 and len(page["results"]) == 5 and page["next"]
    assert len(desk_api.get("/api/tickets/?page_size=5&page=2").json()["results"]) == 2
    assert desk_api.get("/api/tickets/?page=99").status_code == 404


def test_caller_lookup(desk_api, make_ticket, caplog):
    t1 = make_ticket(mobile="9876500031")
    make_ticket(mobile="9876500031", category=t1.category.__class__.objects.get(code="certificate"))
    with caplog.at_level("INFO", logger="tickets.audit"):
        r = desk_api.get("/api/callers/?q=9876500031")
    assert r.status_code == 200
    assert r.json()["matched_by"] == "mobile" and len(r.json()["results"]) == 2
    assert "******0031" in caplog.text and "9876500031" not in caplog.text
    assert desk_api.get("/api/callers/?q=").status_code == 400
    assert desk_api.get("/api/callers/").status_code == 400


@pytest.mark.parametrize("url", ["/api/tickets/", "/api/tickets/{n}/comments/", "/api/tickets/{n}/events/",
                                 "/api/callers/?q={m}"])
def test_list_endpoints_query_budget(desk_api, make_ticket, django_assert_max_num_queries, url, agent):
    from tickets.services import Actor, ticket_comment

    tickets = [make_ticket(mobile="9876500041", category=None, attach_to_open=False) for _ in range(20)]
    for t in tickets[:5]:
        ticket_comment(ticket_id=t.pk, body="note", actor=Actor.of(agent), is_public=False)
    desk_api.get("/api/tickets/")  # warm the session
    with django_assert_max_num_queries(6):
        r = desk_api.get(url.format(n=tickets[0].number, m="9876500041"))
    assert r.status_code == 200


def test_unknown_and_malformed_fields_are_400(desk_api, raipur):
    number = create(desk_api, raipur).json()["ticket"]["number"]
    cases = [
        ("/api/tickets/", {"district": raipur.pk, "category": "other", "description": "x", "evil": 1}),
        ("/api/tickets/", {"district": "1; DROP TABLE", "category": "other", "description": "x"}),
        ("/api/tickets/", {"district": True, "category": "other", "description": "x"}),
        ("/api/tickets/", {"district": raipur.pk, "category": ["other"], "description": "x"}),
        ("/api/tickets/", {"district": raipur.pk, "category": "other", "description": "x" * 5001}),
        ("/api/tickets/", {"district": raipur.pk, "category": "other", "description": "   "}),
        ("/api/tickets/", {"district": raipur.pk, "category": "other", "description": "x", "priority": "P9"}),
        ("/api/tickets/", {"district": raipur.pk, "category": "other", "description": "x", "reference_id": 12345678901234}),
        ("/api/tickets/", {"district": raipur.pk, "category": "other", "description": "x", "mobile": "12345"}),
        ("/api/tickets/", {"district": 999999, "category": "other", "description": "x"}),
        ("/api/tickets/", ["not", "an", "object"]),
        (f"/api/tickets/{number}/comments/", {"body": "x", "public": "yes"}),
        (f"/api/tickets/{number}/comments/", {"body": "x", "expected_version": "3"}),
        (f"/api/tickets/{number}/transition/", {"to": "flying"}),
        (f"/api/tickets/{number}/transition/", {"to": "merged"}),
        (f"/api/tickets/{number}/assign/", {"assignee": "7"}),
        (f"/api/tickets/{number}/assign/", {"assignee": 999999}),
        (f"/api/tickets/{number}/registration/", {"reference_id": "1234567890123"}),
        (f"/api/tickets/{number}/incident/", {"incident": 999999}),
    ]
    for url, body in cases:
        r = desk_api.post(url, body, format="json")
        assert r.status_code == 400, (url, body, r.status_code, r.content[:200])
        assert "code" in r.json()
    r = desk_api.post("/api/tickets/", data=b"{not json", content_type="application/json")
    assert r.status_code == 400
    r = desk_api.post("/api/tickets/", data=b"district=1", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


@pytest.mark.parametrize("tickets", ["ABC", [], ["not-a-number"], [1, 2], None, ["K7M4QX2P"] * 101])
def test_merge_bad_input(api, supervisor, make_ticket, tickets):
    api.force_login(supervisor)
    number = make_ticket().number
    r = api.post(f"/api/tickets/{number}/merge/", {"tickets": tickets}, format="json")
    assert r.status_code == 400, r.json()


def test_oversized_body_is_413(desk_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = desk_api.post("/api/tickets/", {"description": "x" * 2000}, format="json")
    assert r.status_code == 413


def test_html_is_stored_as_written(desk_api, raipur):
    script = "<script>alert('x')</script> & <b>bold</b>"
    number = create(desk_api, raipur, description=script).json()["ticket"]["number"]
    assert Ticket.objects.get(number=number).description == script
    assert desk_api.get(f"/api/tickets/{number}/").json()["description"] == script


def test_every_write_leaves_an_event(desk_api, raipur):
    number = create(desk_api, raipur).json()["ticket"]["number"]
    ticket = Ticket.objects.get(number=number)
    # other apps (SLA clocks) add their own events through tickets.hooks: count the writes' own
    mine = TicketEvent.objects.filter(ticket=ticket, kind__in=["created", "comment", "status_changed"])
    assert list(mine.values_list("kind", flat=True)) == ["created"]
    desk_api.post(f"/api/tickets/{number}/comments/", {"body": "a"}, format="json")
    desk_api.post(f"/api/tickets/{number}/transition/", {"to": "acknowledged"}, format="json")
    assert list(mine.values_list("kind", flat=True)) == ["created", "comment", "status_changed"]
