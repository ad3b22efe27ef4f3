"""DOMAIN.md §9: every bad input a clear 4xx (never a 500), as tables."""

import json

import pytest

from accounts.models import District
from bookings.models import Beneficiary
from tests.bookings.factories import SLOTS, BeneficiaryFactory, SessionFactory, book, day

pytestmark = pytest.mark.django_db

BAD_REFERENCES = [
    "1234567890123", "123456789012345", "१२३४५६७८९०१२३४", "１２３４５６７８９０１２３４", "1234567 890123",
    "+1234567890123", "-1234567890123", "1.234567890123e13", "1e13", 12345678901234, ["12345678901234"],
    {"a": 1}, None, True, "1234567890123%", "123456789012_4", "1234567890123*", "%", "' OR 1=1 --",
    "12345678901234; DROP TABLE x", "<script>alert(1)</script>", "1" * 5000, "", "0x1234567890ab",
]
BAD_MOBILES = [
    "987654321", "98765432101", "5876543210", "०९८७६५४३२१", "９８７６５４３２１０", "98765 4321x", "+1 9876543210",
    9876543210, ["9876543210"], None, "98765%", "9" * 500, "<b>9876543210</b>", "+91-98765-4321",
]


@pytest.fixture
def staff(client, agent):
    client.force_login(agent)
    return client


@pytest.mark.parametrize("value", BAD_REFERENCES, ids=repr)
def test_agent_lookup_refuses_bad_reference_ids(staff, value):
    response = staff.post("/api/bookings/lookup/", json.dumps({"reference_id": value, "reason": "caller_request"}),
                          content_type="application/json")
    assert response.status_code == 400, (value, response.content)
    assert response.json()["code"] in ("invalid_reference_id", "invalid_query")


@pytest.mark.parametrize("value", BAD_MOBILES, ids=repr)
def test_otp_and_lookup_refuse_bad_mobiles(client, staff, value):
    response = client.post("/api/bookings/citizen/otp/", json.dumps({"mobile": value}), content_type="application/json")
    assert response.status_code == 400, (value, response.content)
    response = staff.post("/api/bookings/lookup/", json.dumps({"mobile": value, "reason": "caller_request"}),
                          content_type="application/json")
    assert response.status_code == 400, (value, response.content)


@pytest.mark.parametrize("value", ["+91 98765 43210", "098765-43210", "919876543210", " 9876543210 "])
def test_deliberate_mobile_normalisation_is_accepted(client, value):
    response = client.post("/api/bookings/citizen/otp/", json.dumps({"mobile": value}), content_type="application/json")
    assert response.status_code in (200, 429)


@pytest.mark.parametrize("body", ["[1,2]", '"x"', "null", "{bad json", "1e400"])
def test_bodies_that_are_not_objects(client, body):
    response = client.post("/api/bookings/citizen/otp/", body, content_type="application/json")
    assert response.status_code == 400


BAD_DATES = ["2026-11-26", "31-02-2026", "1-1-2026", "01/01/2026", "01-13-2026", "00-01-2026", "०१-०१-२०२६",
             "01-01-1990", "01-01-2099", "", "%", "01-01-2026' OR 1=1", "x" * 300]
COWIN_PATHS = ["calendarByDistrict?district_id=109", "findByDistrict?district_id=109",
               "calendarByPin?pincode=492001", "findByPin?pincode=492001"]


@pytest.mark.parametrize("path", COWIN_PATHS)
@pytest.mark.parametrize("date", BAD_DATES, ids=repr)
def test_cowin_refuses_bad_dates(client, path, date):
    response = client.get(f"/api/v2/appointment/sessions/public/{path}", {"date": date})
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"errorCode", "error"}


@pytest.mark.parametrize("district", ["999", "1", "0", "abc", "109.0", "1e2", "-109", "१०९", "１０９", "109%",
                                      "' OR 1=1", "", "9" * 50])
def test_cowin_refuses_unknown_or_malformed_district_ids(client, district):
    date = day(0).strftime("%d-%m-%Y")
    response = client.get(f"/api/v2/appointment/sessions/public/calendarByDistrict?district_id={district}&date={date}")
    assert response.status_code == 400 and response.json()["errorCode"] in ("APPOIN0014", "APPOIN0021")


@pytest.mark.parametrize("pin", ["110001", "49200", "4920011", "४९२००१", "49200%", "49_001", "abcdef", ""])
def test_cowin_refuses_pins_outside_the_state(client, pin):
    date = day(0).strftime("%d-%m-%Y")
    response = client.get("/api/v2/appointment/sessions/public/findByPin", {"pincode": pin, "date": date})
    assert response.status_code == 400 and response.json()["errorCode"] == "APPOIN0013"


def test_cowin_refuses_duplicate_and_missing_parameters(client):
    date = day(0).strftime("%d-%m-%Y")
    dup = client.get(f"/api/v2/appointment/sessions/public/calendarByDistrict?district_id=109&district_id=110&date={date}")
    assert dup.status_code == 400 and dup.json()["errorCode"] == "APPOIN0020"
    missing = client.get("/api/v2/appointment/sessions/public/calendarByDistrict?district_id=109")
    assert missing.status_code == 400 and missing.json()["errorCode"] == "APPOIN0010"


BAD_UUIDS = ["not-a-uuid", "00000000-0000-0000-0000-00000000000", "00000000000000000000000000000000x",
             "'; DROP TABLE bookings_appointment; --", "%25", "*"]


@pytest.fixture
def citizen(client):
    from tests.bookings.test_otp_and_citizen_api import auth, login

    BeneficiaryFactory()
    return auth(login(client))


@pytest.mark.parametrize("value", BAD_UUIDS, ids=repr)
def test_bad_appointment_and_session_ids(client, citizen, value):
    response = client.post(f"/api/bookings/citizen/appointments/{value}/rebook/",
                           {"session_id": "00000000-0000-4000-8000-000000000000", "slot": SLOTS[0], "expected_version": 1},
                           content_type="application/json", **citizen)
    assert response.status_code == 400 and response.json()["code"] == "invalid_appointment_id"


@pytest.mark.parametrize("field,value,code", [
    ("session_id", "nope", "invalid_session_id"), ("session_id", 123, "invalid_session_id"),
    ("slot", "9-11", "invalid_slot"), ("slot", ["09:00AM-11:00AM"], "invalid_slot"),
    ("expected_version", "1.0", "invalid_expected_version"), ("expected_version", True, "invalid_expected_version"),
    ("expected_version", -1, "invalid_expected_version"), ("expected_version", "१", "invalid_expected_version"),
    ("expected_version", None, "missing_expected_version"),
])
def test_rebook_body_fields(client, citizen, field, value, code):
    beneficiary = Beneficiary.objects.get(mobile="9876543210")
    appointment = book(beneficiary, SessionFactory())
    body = {"session_id": str(SessionFactory(date=day(4)).session_id), "slot": SLOTS[1], "expected_version": 1}
    body[field] = value
    response = client.post(f"/api/bookings/citizen/appointments/{appointment.appointment_id}/rebook/",
                           json.dumps(body), content_type="application/json", **citizen)
    assert response.status_code == 400 and response.json()["code"] == code, response.content


@pytest.mark.parametrize("otp", ["12345", "1234567", "१२३४५६", "12 456", "abcdef", 123456, None, ["123456"]])
def test_bad_otps(client, otp):
    response = client.post("/api/bookings/citizen/otp/confirm/",
                           json.dumps({"txnId": "00000000-0000-4000-8000-000000000000", "otp": otp}),
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_otp"


def test_not_found_is_identical_whatever_the_cause(staff, make_user, client):
    bastar = BeneficiaryFactory(mobile="9000000123", district=District.objects.get(cowin_id=113))
    official = make_user("district_official")  # Raipur
    client.force_login(official)
    other_district = client.post("/api/bookings/lookup/", {"reference_id": bastar.reference_id, "reason": "complaint"},
                                 content_type="application/json")
    nowhere = client.post("/api/bookings/lookup/", {"reference_id": "99999999999999", "reason": "complaint"},
                          content_type="application/json")
    assert other_district.status_code == nowhere.status_code == 404
    assert other_district.json() == nowhere.json()


def test_agent_lookup_without_a_reason_is_refused(staff):
    beneficiary = BeneficiaryFactory()
    for reason in (None, "", "because", ["caller_request"]):
        response = staff.post("/api/bookings/lookup/", json.dumps({"reference_id": beneficiary.reference_id, "reason": reason}),
                              content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] in ("reason_required", "invalid_reason")
