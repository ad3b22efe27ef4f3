"""The bookings API takes what its schema declares (bookings/api/requests.py) and nothing else: an
undeclared field, a number sent as text, a blank or padded reason, a padded choice are refused
with a 400 naming the field; the schema's bounds are the services' own."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bookings.api.requests import ManualRegistration
from helpdesk.validation import today_ist
from tests.bookings.factories import BeneficiaryFactory, SessionFactory, book, day

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def staff(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def appointment():
    return book(BeneficiaryFactory(), SessionFactory(date=day(3)))


@pytest.mark.parametrize("path,body", [
    ("/api/bookings/citizen/otp/", {"mobile": "9876543210"}),
    ("/api/bookings/lookup/", {"reference_id": "12345678901234", "reason": "caller_request"}),
    ("/api/bookings/attach/", {"ticket_id": 1, "reference_id": "12345678901234"}),
    ("/api/bookings/appointments/{id}/cancel/", {"expected_version": 1, "reason": "Caller asked"}),
    ("/api/bookings/registrations/", {"name": "Sita Bai", "birth_year": 1970, "gender": "F", "channel": "helpdesk",
                                      "district_id": 109}),
])
def test_an_undeclared_field_is_refused(staff, appointment, path, body):
    response = post(staff, path.format(id=appointment.appointment_id), {**body, "priority": "high"})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unknown_fields" and response.json()["fields"] == ["priority"]


@pytest.mark.parametrize("body,code", [
    ({"expected_version": "1", "reason": "Caller asked"}, "invalid_expected_version"),
    ({"expected_version": "", "reason": "Caller asked"}, "invalid_expected_version"),
    ({"expected_version": 1, "reason": " \n\t"}, "reason_required"),
    ({"expected_version": 1, "reason": " " + "x" * 300}, "invalid_reason"),
])
def test_a_staff_cancel_takes_a_json_integer_and_a_reason_with_words(staff, appointment, body, code):
    response = post(staff, f"/api/bookings/appointments/{appointment.appointment_id}/cancel/", body)
    assert response.status_code == 400 and response.json()["code"] == code, response.content


def test_a_staff_cancel_with_a_padded_reason_is_taken(staff, appointment):
    response = post(staff, f"/api/bookings/appointments/{appointment.appointment_id}/cancel/",
                    {"expected_version": 1, "reason": "  Caller asked  "})
    assert response.status_code == 200 and response.json()["status"] == "cancelled", response.content
    assert appointment.events.get().reason == "Caller asked"


def test_a_lookup_reason_is_one_of_the_codes_as_written(staff):
    beneficiary = BeneficiaryFactory()
    response = post(staff, "/api/bookings/lookup/", {"reference_id": beneficiary.reference_id, "reason": " complaint"})
    assert response.status_code == 400 and response.json()["code"] == "reason_required"


def test_a_registration_names_its_district_by_a_json_integer(staff):
    body = {"name": "Sita Bai", "birth_year": 1970, "gender": "F", "channel": "helpdesk", "district_id": "109"}
    response = post(staff, "/api/bookings/registrations/", body)
    assert response.status_code == 400 and response.json()["code"] == "invalid_district_id"
    assert post(staff, "/api/bookings/registrations/", {**body, "district_id": 109}).status_code == 201


def test_the_registration_schema_states_the_birth_years_the_service_takes():
    field = ManualRegistration().get_fields()["birth_year"]
    year = today_ist().year
    assert (field.min_value, field.max_value) == (year - 120, year - 12)


@pytest.mark.parametrize("query", [{"center_id": "1.5"}, {"center_id": "-3"}, {"center_id": "1e3"}, {"center_id": ""},
                                   {"center_id": " 7"}, {"date": " 01-12-2026"}, {"date": "29-02-2027"}])
def test_the_session_list_filters_are_parsed_as_declared(staff, query):
    response = staff.get("/api/bookings/sessions/", query)
    assert response.status_code == 400, (query, response.content)


def test_the_session_list_filters_by_centre_and_day(staff):
    session = SessionFactory(date=day(2))
    wanted = {"center_id": str(session.centre.center_id), "date": session.date.strftime("%d-%m-%Y")}
    body = staff.get("/api/bookings/sessions/", wanted).json()
    assert [row["session_id"] for row in body["results"]] == [str(session.session_id)]
    assert staff.get("/api/bookings/sessions/", {"date": ""}).status_code == 200


def test_the_change_feed_cursor_takes_what_the_schema_declares(client, agent):
    client.force_login(agent)
    assert client.get("/api/bookings/changes/", {"since": "00"}).json()["next"] == 0
    assert client.get("/api/bookings/changes/", {"since": str(2**53 - 1)}).status_code == 200
    for query in ({"since": str(2**53)}, {"since": ""}, {"limit": ""}, {"limit": "1001"}):
        assert client.get("/api/bookings/changes/", query).status_code == 400, query


@pytest.mark.parametrize("fields,code", [
    ({"kind": "centres", "file": b""}, "missing_file"),
    ({"kind": "centres", "file": b"\xff\xfe{}"}, "invalid_file"),
    ({"kind": " centres", "file": b"[]"}, "invalid_kind"),
    ({"kind": "centres", "file": b"[]", "note": "x"}, "unknown_fields"),
])
def test_a_portal_upload_is_refused_unless_as_declared(client, supervisor, fields, code):
    client.force_login(supervisor)
    data = {name: SimpleUploadedFile("export.json", value) if name == "file" else value for name, value in fields.items()}
    response = client.post("/api/bookings/imports/", data)
    assert response.status_code == 400 and response.json()["code"] == code, response.content


def test_a_portal_upload_is_queued(client, supervisor):
    client.force_login(supervisor)
    response = client.post("/api/bookings/imports/", {"kind": "centres", "file": SimpleUploadedFile("e.json", b"[]")})
    assert response.status_code == 202 and response.json()["status"] == "pending", response.content
