"""Agents (lookup with a reason, logged; rebook/cancel on a caller's behalf; attach to a ticket),
district officials (their district only; move a session; registrations taken by hand), the
change feed for the portal."""

import json

import pytest

from accounts.models import District
from bookings.models import (
    Appointment,
    AppointmentEvent,
    Beneficiary,
    ChangeRecord,
    LookupLog,
    Session,
)
from notifications.models import OutboxMessage
from tests.bookings.factories import (
    SLOTS,
    BeneficiaryFactory,
    CentreFactory,
    SessionFactory,
    book,
    day,
)

pytestmark = pytest.mark.django_db


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def test_lookup_by_reference_and_mobile_is_logged_who_when_why_what(client, agent):
    beneficiary = BeneficiaryFactory()
    appointment = book(beneficiary, SessionFactory())
    client.force_login(agent)
    response = post(client, "/api/bookings/lookup/", {"reference_id": beneficiary.reference_id, "reason": "caller_request",
                                                       "note": "caller on line 3"})
    assert response.status_code == 200
    person = response.json()["beneficiaries"][0]
    assert person["mobile"] == "XXXXXX3210" and person["appointments"][0]["appointment_id"] == str(appointment.appointment_id)
    assert post(client, "/api/bookings/lookup/", {"mobile": "9876543210", "reason": "reschedule"}).status_code == 200
    assert post(client, "/api/bookings/lookup/", {"mobile": "9123456789", "reason": "complaint"}).status_code == 404
    logs = list(LookupLog.objects.order_by("created_at", "id").values_list("actor", "reason", "query_kind", "query_value",
                                                                           "result_count"))
    assert logs == [(agent.pk, "caller_request", "reference_id", beneficiary.reference_id, 1),
                    (agent.pk, "reschedule", "mobile", "9876543210", 1),
                    (agent.pk, "complaint", "mobile", "9123456789", 0)]


def test_appointment_history_needs_a_reason_and_is_logged(client, agent):
    appointment = book(BeneficiaryFactory(), SessionFactory())
    client.force_login(agent)
    url = f"/api/bookings/appointments/{appointment.appointment_id}/"
    assert client.get(url).status_code == 400
    assert client.get(url, {"reason": "nonsense"}).status_code == 400
    response = client.get(url, {"reason": "caller_request"})
    assert response.status_code == 200 and response.json()["history"] == []
    assert LookupLog.objects.filter(query_kind="appointment", actor=agent).count() == 1


def test_vendor_and_anonymous_cannot_look_up(client, make_user):
    BeneficiaryFactory()
    assert post(client, "/api/bookings/lookup/", {"mobile": "9876543210", "reason": "complaint"}).status_code in (401, 403)
    client.force_login(make_user("vendor_engineer"))
    assert post(client, "/api/bookings/lookup/", {"mobile": "9876543210", "reason": "complaint"}).status_code == 403


def test_agent_rebooks_and_cancels_with_a_reason_beyond_the_citizen_limit(client, agent):
    appointment = book(BeneficiaryFactory(), SessionFactory())
    Appointment.objects.filter(pk=appointment.pk).update(reschedule_count=3)
    target = SessionFactory(date=day(5))
    client.force_login(agent)
    url = f"/api/bookings/appointments/{appointment.appointment_id}/rebook/"
    body = {"session_id": str(target.session_id), "slot": SLOTS[2], "expected_version": 1}
    no_reason = post(client, url, body)
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    done = post(client, url, {**body, "reason": "Caller's centre is closed"}, HTTP_IDEMPOTENCY_KEY="agent-1")
    assert done.status_code == 200 and done.json()["reschedule_count"] == 4
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert event.actor == agent and event.reason == "Caller's centre is closed"
    history = client.get(f"/api/bookings/appointments/{appointment.appointment_id}/", {"reason": "caller_request"}).json()
    assert history["history"][0]["kind"] == "rescheduled" and history["history"][0]["by"] == agent.username
    cancel = post(client, f"/api/bookings/appointments/{appointment.appointment_id}/cancel/",
                  {"expected_version": 2, "reason": "Caller asked"})
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"


def test_attach_the_booking_to_the_callers_ticket(client, agent, make_ticket):
    ticket = make_ticket()
    beneficiary = BeneficiaryFactory()
    client.force_login(agent)
    response = post(client, "/api/bookings/attach/", {"ticket_id": ticket.pk, "reference_id": beneficiary.reference_id})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.registration_reference == beneficiary.reference_id
    assert post(client, "/api/bookings/attach/", {"ticket_id": 999999, "reference_id": beneficiary.reference_id}).status_code == 404
    assert post(client, "/api/bookings/attach/", {"ticket_id": ticket.pk, "reference_id": "99999999999999"}).status_code == 404


@pytest.fixture
def make_ticket(db):
    from tickets.models import Category
    from tickets.services import Actor, ticket_create

    def make():
        return ticket_create(district=District.objects.get(code="raipur"), category=Category.objects.first(),
                             description="Wrong booking", requester_kind="citizen", channel="phone",
                             requester_mobile="9876543210", actor=Actor(label="citizen")).ticket

    return make


def test_district_official_sees_only_their_district(client, district_official, django_assert_max_num_queries):
    for _ in range(3):
        SessionFactory()
    bastar_centre = CentreFactory(district=District.objects.get(cowin_id=113), pincode="494001")
    bastar = SessionFactory(centre=bastar_centre)
    client.force_login(district_official)
    with django_assert_max_num_queries(6):
        body = client.get("/api/bookings/sessions/").json()
    assert body["count"] == 3 and str(bastar.session_id) not in {s["session_id"] for s in body["results"]}
    assert client.get("/api/bookings/sessions/", {"date": "31-02-2026"}).status_code == 400
    moved = post(client, f"/api/bookings/sessions/{bastar.session_id}/move/",
                 {"date": day(5).strftime("%d-%m-%Y"), "reason": "x", "expected_version": 1})
    assert moved.status_code == 404
    other = book(BeneficiaryFactory(mobile="9111111111", district=bastar_centre.district), bastar)
    assert client.get(f"/api/bookings/appointments/{other.appointment_id}/", {"reason": "complaint"}).status_code == 404


def test_moving_a_session_moves_its_bookings_and_tells_each_citizen(client, district_official):
    session = SessionFactory(date=day(2))
    appointments = [book(BeneficiaryFactory(mobile=f"98765000{n:02d}"), session) for n in range(3)]
    client.force_login(district_official)
    new_date = day(6)
    response = post(client, f"/api/bookings/sessions/{session.session_id}/move/",
                    {"date": new_date.strftime("%d-%m-%Y"), "reason": "Vaccine delivery delayed", "expected_version": 1},
                    HTTP_IDEMPOTENCY_KEY="move-1")
    assert response.status_code == 200 and response.json()["date"] == new_date.strftime("%d-%m-%Y")
    assert Session.objects.get(pk=session.pk).date == new_date
    for appointment in appointments:
        appointment.refresh_from_db()
        assert appointment.version == 2
        sms = OutboxMessage.objects.get(recipient=appointment.beneficiary.mobile)
        assert new_date.strftime("%d-%m-%Y") in sms.body
    assert ChangeRecord.objects.filter(kind="appointment.session_moved").count() == 3
    stale = post(client, f"/api/bookings/sessions/{session.session_id}/move/",
                 {"date": day(7).strftime("%d-%m-%Y"), "reason": "again", "expected_version": 1})
    assert stale.status_code == 409


@pytest.mark.parametrize("channel", ["helpdesk", "onsite"])
def test_registration_taken_by_hand_is_recorded_and_fed_to_the_portal(client, district_official, channel):
    session = SessionFactory(date=day(0), capacity_dose1=1)
    client.force_login(district_official)
    body = {"name": "Sita Bai", "birth_year": 1970, "gender": "F", "district_id": 109, "channel": channel,
            "session_id": str(session.session_id), "slot": SLOTS[0], "dose": 1}
    response = post(client, "/api/bookings/registrations/", body, HTTP_IDEMPOTENCY_KEY=f"paper-{channel}")
    assert response.status_code == 201, response.content
    reference = response.json()["reference_id"]
    beneficiary = Beneficiary.objects.get(reference_id=reference)
    assert beneficiary.channel == channel and beneficiary.mobile is None and len(reference) == 14
    assert Appointment.objects.get(beneficiary=beneficiary).channel == channel
    assert Session.objects.get(pk=session.pk).booked_dose1 == 1
    full = post(client, "/api/bookings/registrations/", {**body, "name": "Another"})
    assert full.status_code == 409 and full.json()["code"] == "APPOIN0040"
    assert not Beneficiary.objects.filter(name="Another").exists()  # nothing half-written
    kinds = list(ChangeRecord.objects.values_list("kind", flat=True))
    assert kinds == ["beneficiary.registered", "appointment.booked"]
    other_district = post(client, "/api/bookings/registrations/", {**body, "district_id": 113, "session_id": None})
    assert other_district.status_code == 400


def test_manual_registration_respects_4_per_mobile(client, agent):
    for _ in range(4):
        BeneficiaryFactory(mobile="9800000000")
    client.force_login(agent)
    response = post(client, "/api/bookings/registrations/", {"name": "Fifth", "birth_year": 1990, "gender": "M",
                                                              "district_id": 109, "channel": "helpdesk",
                                                              "mobile": "9800000000"})
    assert response.status_code == 409 and response.json()["code"] == "mobile_full"


def test_change_feed_with_a_since_cursor(client, agent, supervisor):
    appointments = [book(BeneficiaryFactory(mobile=f"98765111{n:02d}"), SessionFactory()) for n in range(3)]
    client.force_login(agent)
    for appointment in appointments:
        post(client, f"/api/bookings/appointments/{appointment.appointment_id}/cancel/",
             {"expected_version": 1, "reason": "Caller asked"})
    page = client.get("/api/bookings/changes/", {"since": 0, "limit": 2}).json()
    assert [c["kind"] for c in page["changes"]] == ["appointment.cancelled"] * 2 and page["has_more"] is True
    rest = client.get("/api/bookings/changes/", {"since": page["next"]}).json()
    assert [c["appointment_id"] for c in page["changes"] + rest["changes"]] == [str(a.appointment_id) for a in appointments]
    assert rest["has_more"] is False and rest["next"] == rest["changes"][-1]["id"]
    assert client.get("/api/bookings/changes/", {"since": "-1"}).status_code == 400
    assert client.get("/api/bookings/changes/?since=1&since=2").status_code == 400


def test_session_roster_is_scoped_masked_logged_and_paginated(client, district_official, django_assert_max_num_queries):
    session = SessionFactory()
    for n in range(3):
        book(BeneficiaryFactory(mobile=f"98760000{n:02d}", name="Ramesh Kumar"), session)
    client.force_login(district_official)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/bookings/sessions/{session.session_id}/appointments/").json()
    assert body["count"] == 3 and body["results"][0]["name"] == "R***** K****"
    assert body["results"][0]["mobile"].startswith("XXXXXX")
    assert LookupLog.objects.get(query_kind="session").reason == "session_roster"
    bastar = SessionFactory(centre=CentreFactory(district=District.objects.get(cowin_id=113), pincode="494001"))
    assert client.get(f"/api/bookings/sessions/{bastar.session_id}/appointments/").status_code == 404
    page = client.get(f"/booking/district/sessions/{session.session_id}/")
    assert page.status_code == 200 and "R***** K****" in page.content.decode()
    assert client.get(f"/booking/district/sessions/{bastar.session_id}/").status_code == 404


def test_manual_registration_of_a_dose_2_in_a_district_created_in_2022(client, agent):
    client.force_login(agent)
    body = {"name": "Sita Bai", "birth_year": 1970, "gender": "F", "district_code": "sakti", "channel": "helpdesk",
            "dose1_vaccine": "covaxin", "dose1_date": day(-40).strftime("%d-%m-%Y")}
    response = post(client, "/api/bookings/registrations/", body)
    assert response.status_code == 201, response.content
    beneficiary = Beneficiary.objects.get(reference_id=response.json()["reference_id"])
    assert (beneficiary.district.code, beneficiary.dose1_vaccine) == ("sakti", "COVAXIN")
    half = post(client, "/api/bookings/registrations/", {**body, "dose1_date": None})
    assert half.status_code == 400 and half.json()["code"] == "invalid_dose1"
    unknown = post(client, "/api/bookings/registrations/", {**body, "district_code": "atlantis"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid_district_code"


@pytest.mark.parametrize("date", ["31-02-2026", "2026-12-01", "today", "", None, 20261201])
def test_session_move_refuses_bad_dates(client, district_official, date):
    session = SessionFactory(date=day(2))
    client.force_login(district_official)
    response = post(client, f"/api/bookings/sessions/{session.session_id}/move/",
                    {"date": date, "reason": "x", "expected_version": 1})
    assert response.status_code == 400


@pytest.mark.parametrize("offset", [0, -1, 31])
def test_session_move_refuses_dates_outside_tomorrow_to_30_days(client, district_official, offset):
    session = SessionFactory(date=day(2))
    client.force_login(district_official)
    response = post(client, f"/api/bookings/sessions/{session.session_id}/move/",
                    {"date": day(offset).strftime("%d-%m-%Y"), "reason": "x", "expected_version": 1})
    assert response.status_code == 400 and response.json()["code"] == "outside_window"
