"""The portal replica: imports from CoWIN-shaped JSON and CSV, the portal adapter, the command."""

import io
import json
import uuid

import httpx
import pytest
from django.core.management import call_command

from bookings.imports import import_process
from bookings.models import Appointment, Beneficiary, Centre, ImportRun, Session
from bookings.portal import HttpPortalAdapter, portal_pull
from helpdesk.exceptions import ServiceUnavailable
from tests.bookings.factories import day

from .portal_fakes import FakePortalAdapter

pytestmark = pytest.mark.django_db
SESSION_ID = str(uuid.uuid4())


def calendar(district_id=109):
    return {"district_id": district_id, "centers": [
        {"center_id": 603445, "name": "CHC Tilda", "address": "Tilda", "state_name": "Chhattisgarh",
         "district_name": "Raipur ", "block_name": "Tilda", "pincode": 493114, "lat": 21, "long": 81,
         "from": "09:00:00", "to": "17:00:00", "fee_type": "Free", "sessions": [
             {"session_id": SESSION_ID, "date": day(2).strftime("%d-%m-%Y"), "available_capacity": 15,
              "available_capacity_dose1": 10, "available_capacity_dose2": 5, "min_age_limit": 18,
              "vaccine": "COVISHIELD", "slots": ["09:00AM-11:00AM", "11:00AM-01:00PM"]}]},
        {"center_id": 603446, "name": "Outside", "pincode": 110001, "sessions": []},
        {"center_id": "x", "name": "Bad id", "pincode": 492001},
    ]}


def run(kind, content, fmt="json"):
    record = ImportRun.objects.create(kind=kind, source=f"test.{fmt}", fmt=fmt, content=content)
    return import_process(record.pk)


def test_cowin_calendar_json_imports_centres_and_sessions_with_reasons_for_refusals():
    result = run("centres", json.dumps(calendar()))
    assert (result.status, result.total, result.accepted, result.refused) == ("done", 3, 1, 2)
    assert [r["row"] for r in result.refusals] == [2, 3]
    assert "pincode" in result.refusals[0]["reason"] and "center_id" in result.refusals[1]["reason"]
    session = Session.objects.get(session_id=SESSION_ID)
    assert (session.capacity_dose1, session.capacity_dose2, session.centre.center_id) == (10, 5, 603445)
    again = run("centres", json.dumps(calendar()))
    assert again.accepted == 1 and Centre.objects.count() == 1 and Session.objects.count() == 1


def test_beneficiaries_with_appointments_and_the_4_per_mobile_rule():
    run("centres", json.dumps(calendar()))
    people = {"beneficiaries": [
        {"beneficiary_reference_id": f"1111111111111{n}", "name": f"Person {n}", "birth_year": "1980",
         "gender": "Female", "mobile_number": "9876543210", "district_id": 109,
         "appointments": [{"appointment_id": str(uuid.uuid4()), "session_id": SESSION_ID, "slot": "09:00AM-11:00AM",
                           "dose": 1}] if n == 0 else []}
        for n in range(5)] + [
        {"beneficiary_reference_id": "１２３４５６７８９０１２３４", "name": "Full-width", "birth_year": 1980,
         "gender": "M", "district_id": 109},
        {"beneficiary_reference_id": "12345678901234", "name": "No district", "birth_year": 1980, "gender": "M"},
    ]}
    result = run("beneficiaries", json.dumps(people))
    assert (result.accepted, result.refused) == (4, 3)
    reasons = [r["reason"] for r in result.refusals]
    assert reasons == ["this mobile already holds 4 registrations", "reference id must be exactly 14 digits",
                       "district_id is missing"]
    assert Appointment.objects.filter(status="booked").count() == 1
    assert Session.objects.get(session_id=SESSION_ID).booked_dose1 == 1


def test_csv_sessions_and_appointments():
    run("centres", "center_id,name,address,district_id,block_name,pincode\n700001,UPHC,Ward 1,109,Raipur,492001\n", "csv")
    sid = str(uuid.uuid4())
    sessions = ("session_id,center_id,date,vaccine,min_age_limit,capacity_dose1,capacity_dose2,slots\n"
                f"{sid},700001,{day(3):%d-%m-%Y},COVAXIN,45,1,0,09:00AM-11:00AM;11:00AM-01:00PM\n"
                f"{uuid.uuid4()},700001,31-02-2026,COVAXIN,45,1,0,09:00AM-11:00AM\n"
                f"{uuid.uuid4()},700001,{day(3):%d-%m-%Y},SPUTNIK,45,1,0,09:00AM-11:00AM\n")
    result = run("sessions", sessions, "csv")
    assert (result.accepted, result.refused) == (1, 2)
    run("beneficiaries", "reference_id,name,birth_year,gender,mobile,district_id\n"
                         "22222222222221,A,1960,M,,109\n22222222222222,B,1961,F,,109\n", "csv")
    appointments = ("appointment_id,reference_id,session_id,slot,dose,status\n"
                    f"{uuid.uuid4()},22222222222221,{sid},09:00AM-11:00AM,1,booked\n"
                    f"{uuid.uuid4()},22222222222222,{sid},09:00AM-11:00AM,1,booked\n")
    result = run("appointments", appointments, "csv")
    assert (result.accepted, result.refused) == (1, 1)
    assert result.refusals[0]["reason"] == "session full for this dose"


def test_unparseable_file_fails_the_run_with_a_reason():
    result = run("centres", "{not json")
    assert result.status == "failed" and "not valid JSON" in result.refusals[0]["reason"]


def test_portal_pull_through_the_fake_adapter():
    adapter = FakePortalAdapter(centres={109: calendar()["centers"][:1]}, beneficiaries=[
        {"beneficiary_reference_id": "33333333333333", "name": "Pulled", "birth_year": 1990, "gender": "M",
         "mobile": "9000000001", "district_id": 109}])
    runs = portal_pull(adapter=adapter, district_ids=[109])
    assert [(r.kind, r.accepted, r.refused, r.fmt) for r in runs] == [("centres", 1, 0, "api"), ("beneficiaries", 1, 0, "api")]
    assert Beneficiary.objects.filter(reference_id="33333333333333").exists()


def test_http_adapter_speaks_cowin_and_reports_an_unreachable_portal():
    def handler(request):
        if request.url.path.endswith("calendarByDistrict"):
            assert request.url.params["district_id"] == "109"
            return httpx.Response(200, json=calendar())
        if request.url.path.endswith("/helpdesk/beneficiaries"):
            return httpx.Response(200, json={"beneficiaries": [], "has_more": False})
        return httpx.Response(404)

    adapter = HttpPortalAdapter("https://portal.example", client=httpx.Client(transport=httpx.MockTransport(handler)))
    runs = portal_pull(adapter=adapter, district_ids=[109])
    assert runs[0].accepted == 1
    broken = HttpPortalAdapter("https://portal.example", client=httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(503))))
    with pytest.raises(ServiceUnavailable):
        list(broken.centres(district_id=109, start=day(0)))


def test_management_command(tmp_path):
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(calendar()), encoding="utf-8")
    out = io.StringIO()
    call_command("import_portal", "centres", str(path), stdout=out)
    assert "1 accepted, 2 refused" in out.getvalue() and "row 2: pincode" in out.getvalue()
