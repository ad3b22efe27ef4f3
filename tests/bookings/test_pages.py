"""The server-rendered journeys: citizen (mobile -> OTP -> appointments -> rebook/cancel),
agent, district official, supervisor imports."""

import re

import pytest

from bookings.models import Appointment, Beneficiary, ImportRun, LookupLog, Session
from notifications.models import OutboxMessage
from tests.bookings.factories import SLOTS, BeneficiaryFactory, SessionFactory, book, day

pytestmark = pytest.mark.django_db


def citizen_login(client, mobile="9876543210"):
    assert client.post("/booking/", {"mobile": mobile}).status_code == 302
    code = re.match(r"^([0-9]{6}) ", OutboxMessage.objects.filter(recipient=mobile).latest("pk").body).group(1)
    response = client.post("/booking/otp/", {"otp": code})
    assert response.status_code == 302 and response["Location"] == "/booking/mine/"


def test_citizen_journey_in_english(client):
    appointment = book(BeneficiaryFactory(), SessionFactory(date=day(2)))
    target = SessionFactory(date=day(5))
    citizen_login(client)
    mine = client.get("/booking/mine/").content.decode()
    assert "XXXXXX3210" in mine and appointment.confirmation_number in mine and "9876543210" not in mine
    search = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/", {"district_id": "109"})
    assert str(target.session_id) in search.content.decode()
    url = f"/booking/appointment/{appointment.appointment_id}/rebook/?district_id=109"
    check = client.post(url, {"choice": f"{target.session_id}|{SLOTS[2]}", "expected_version": "1"})
    assert check.status_code == 200 and b'id="confirm-booking"' in check.content  # asks before it changes
    assert Appointment.objects.get(pk=appointment.pk).session_id != target.pk
    response = client.post(url, {"choice": f"{target.session_id}|{SLOTS[2]}", "expected_version": "1",
                                 "confirm": "1"}, follow=True)
    assert response.redirect_chain[0][1] == 303
    appointment.refresh_from_db()
    assert appointment.session_id == target.pk
    assert appointment.confirmation_number in response.content.decode()
    assert b"Cancel this appointment?" in client.get(f"/booking/appointment/{appointment.appointment_id}/cancel/").content
    cancel = client.post(f"/booking/appointment/{appointment.appointment_id}/cancel/", {"expected_version": "2"}, follow=True)
    assert "is cancelled" in cancel.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).status == "cancelled"


def test_citizen_sees_refusals_in_hindi(client):
    appointment = book(BeneficiaryFactory(), SessionFactory(date=day(2)))
    Appointment.objects.filter(pk=appointment.pk).update(reschedule_count=3)
    target = SessionFactory(date=day(5))
    client.cookies["django_language"] = "hi"
    citizen_login(client)
    response = client.post(f"/booking/appointment/{appointment.appointment_id}/rebook/",
                           {"choice": f"{target.session_id}|{SLOTS[2]}", "expected_version": "1", "confirm": "1"})
    assert "अपॉइंटमेंट का समय ऑनलाइन अधिकतम 3 बार बदला जा सकता है" in response.content.decode()
    assert "पुष्टि संख्या" in client.get("/booking/mine/").content.decode()


def test_citizen_pages_need_the_otp_and_hide_other_peoples_bookings(client):
    other = book(BeneficiaryFactory(mobile="9123456789"), SessionFactory())
    assert client.get("/booking/mine/")["Location"] == "/booking/"
    BeneficiaryFactory()
    citizen_login(client)
    assert client.get(f"/booking/appointment/{other.appointment_id}/rebook/").status_code == 404
    assert client.get("/booking/appointment/not-a-uuid/rebook/").status_code == 404
    bad = client.post("/booking/otp/", {"otp": "12"})
    assert bad.status_code == 302  # already logged in: the OTP step is over
    client.post("/booking/logout/")
    assert client.get("/booking/mine/")["Location"] == "/booking/"


def test_wrong_otp_page_says_so(client):
    BeneficiaryFactory()
    client.post("/booking/", {"mobile": "9876543210"})
    response = client.post("/booking/otp/", {"otp": "abc"})
    assert response.status_code == 400 and "6 digits" in response.content.decode()


def test_agent_lookup_page_needs_a_reason_and_logs(client, agent):
    beneficiary = BeneficiaryFactory()
    appointment = book(beneficiary, SessionFactory())
    client.force_login(agent)
    refused = client.post("/booking/desk/", {"query": beneficiary.reference_id, "reason": ""})
    assert "Choose a reason" in refused.content.decode() and not LookupLog.objects.exists()
    found = client.post("/booking/desk/", {"query": beneficiary.reference_id, "reason": "caller_request"})
    assert beneficiary.name in found.content.decode()
    page = client.get(f"/booking/desk/appointment/{appointment.appointment_id}/", {"reason": "caller_request",
                                                                                     "district_id": "109"})
    assert page.status_code == 200 and appointment.confirmation_number in page.content.decode()
    target = SessionFactory(date=day(6))
    client.post(f"/booking/desk/appointment/{appointment.appointment_id}/?reason=caller_request",
                {"action": "rebook", "choice": f"{target.session_id}|{SLOTS[0]}", "expected_version": "1",
                 "change_reason": "Caller asked"})
    assert Appointment.objects.get(pk=appointment.pk).session_id == target.pk
    assert LookupLog.objects.count() == 3  # lookup + two page views


def test_district_pages_move_and_register(client, district_official):
    session = SessionFactory(date=day(2))
    book(BeneficiaryFactory(), session)
    client.force_login(district_official)
    assert str(session.centre.name) in client.get("/booking/district/sessions/").content.decode()
    client.post(f"/booking/district/sessions/{session.session_id}/move/",
                {"date": day(4).strftime("%d-%m-%Y"), "reason": "Cold chain failure", "expected_version": "1"})
    assert Session.objects.get(pk=session.pk).date == day(4)
    response = client.post("/booking/district/register/", {
        "name": "Sita Bai", "birth_year": "1970", "gender": "F", "mobile": "", "district_id": str(district_official.district_id),
        "channel": "onsite", "session_id": str(session.session_id), "slot": SLOTS[1], "dose": "1"}, follow=True)
    assert "Registered with reference id" in response.content.decode()
    assert Beneficiary.objects.get(name="Sita Bai").channel == "onsite"


def test_supervisor_imports_a_file_and_sees_the_summary(client, supervisor, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(supervisor)
    csv = ("center_id,name,address,district_id,block_name,pincode,from,to,fee_type\n"
           "900001,PHC Arang,Arang,109,Arang,493441,09:00,17:00,Free\n"
           "900002,Bad PIN,x,109,x,110001,09:00,17:00,Free\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/booking/imports/", {"kind": "centres",
                                                     "file": SimpleUploadedFile("centres.csv", csv.encode())})
    run = ImportRun.objects.get()
    assert response["Location"] == f"/booking/imports/{run.pk}/"
    from bookings.tasks import run_import

    run_import(run.pk)  # what the worker does (already done in-process on the embedded default; idempotent)
    run.refresh_from_db()
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-progress"' in page and "pincode must be 6 digits starting 49" in page
    assert (run.status, run.accepted, run.refused) == ("done", 1, 1)
    assert client.get(f"/api/bookings/imports/{run.pk}/").json()["refusals"] == [
        {"row": 2, "reason": "pincode must be 6 digits starting 49"}]


def test_admin_lists_open_and_personal_data_stays_masked(client, make_user):
    admin_user = make_user("admin", is_staff=True, is_superuser=True)
    BeneficiaryFactory(name="Ramesh Kumar Sahu")
    client.force_login(admin_user)
    for model in ("centre", "session", "beneficiary", "appointment", "appointmentevent", "lookuplog",
                  "changerecord", "importrun"):
        response = client.get(f"/admin/bookings/{model}/")
        assert response.status_code == 200, model
    assert "9876543210" not in client.get("/admin/bookings/beneficiary/").content.decode()


def test_openapi_schema_documents_the_bookings_endpoints(client, agent):
    client.force_login(agent)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/bookings/citizen/otp/", "/api/bookings/lookup/", "/api/bookings/changes/",
                 "/api/bookings/appointments/{appointment_id}/rebook/", "/api/bookings/citizen/beneficiaries/",
                 "/api/v2/appointment/sessions/public/calendarByDistrict", "/api/v2/admin/location/districts/{state_id}"):
        assert path in paths, path


def test_appointment_status_label_follows_the_language():
    from django.utils import translation

    from bookings.templatetags.bookings_labels import appointment_status

    with translation.override("hi"):
        assert appointment_status("booked") == "बुक"
    with translation.override("en"):
        assert appointment_status("booked") == "Booked"
    assert appointment_status("unknown") == "unknown"
