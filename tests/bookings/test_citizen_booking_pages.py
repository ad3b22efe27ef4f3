"""The citizens' booking pages on a phone: sessions grouped by centre with slot buttons, only
eligible sessions choosable (the others explained), all 33 districts, a confirmation step, a
result page that survives a reload (and is nobody else's), book again after a cancel, a visible
logout, form errors beside their field."""

import datetime as dt
import re

import pytest
from django.test import Client

from accounts.models import District
from bookings.models import Appointment, AppointmentEvent, ChangeRecord, Session
from notifications.models import OutboxMessage
from tests.bookings.factories import (
    SLOTS,
    BeneficiaryFactory,
    CentreFactory,
    SessionFactory,
    book,
    day,
)

from .test_pages import citizen_login

pytestmark = pytest.mark.django_db


def slot_buttons(html: str) -> set[str]:
    return set(re.findall(r'<button type="submit" name="choice" value="([0-9a-f-]+)\|', html))


def test_only_eligible_sessions_are_choosable_and_the_others_say_why(client):
    person = BeneficiaryFactory(mobile="9876543211", dose1_vaccine="COVISHIELD", dose1_date=day(-90))
    current = SessionFactory(date=day(2))
    appointment = book(person, current, dose=2)
    centre = CentreFactory()
    covishield = SessionFactory(centre=centre, date=day(3))
    covaxin = SessionFactory(centre=centre, date=day(4), vaccine="COVAXIN")
    senior = SessionFactory(centre=centre, date=day(5), min_age_limit=45)
    full = SessionFactory(centre=centre, date=day(6), capacity_dose2=0)
    citizen_login(client, "9876543211")
    html = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/",
                      {"district": str(centre.district_id)}).content.decode()
    choosable = slot_buttons(html)
    assert str(covishield.session_id) in choosable
    assert not {str(s.session_id) for s in (covaxin, senior, full)} & choosable
    assert "Dose 2 must be the same vaccine as dose 1 (COVISHIELD)." in html
    assert "This session is for another age group." in html
    assert "Fully booked for dose 2." in html
    # one card per centre, its sessions inside it
    assert html.count(f'id="centre-{centre.center_id}"') == 1
    card = html.split(f'id="centre-{centre.center_id}"')[1].split("</section>")[0]
    assert str(covishield.session_id) in card and card.count('<div class="session') == 4


def test_dose_2_too_early_is_explained(client):
    person = BeneficiaryFactory(mobile="9876543212", dose1_vaccine="COVISHIELD", dose1_date=day(-10))
    appointment = book(person, SessionFactory(date=day(2)), dose=2)
    early = SessionFactory(date=day(3))
    citizen_login(client, "9876543212")
    html = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/",
                      {"district": str(early.centre.district_id)}).content.decode()
    assert str(early.session_id) not in slot_buttons(html)
    assert "84 days after dose 1" in html


def test_every_district_is_offered_the_same_way_as_the_complaint_form(client):
    appointment = book(BeneficiaryFactory(), SessionFactory(date=day(2)))
    citizen_login(client)
    booking = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/").content.decode()
    complaint = Client().get("/complaint/").content.decode()

    def options(html):
        select = re.search(r'<select id="district".*?</select>', html, re.S).group(0)
        return re.findall(r'<option value="([0-9]+)"', select)

    assert len(options(booking)) == 33 == District.objects.count()
    assert options(booking) == options(complaint)
    sakti = District.objects.get(name_en="Sakti")  # a 2022 district, no CoWIN id
    centre = CentreFactory(district=sakti, pincode="495689")
    session = SessionFactory(centre=centre, date=day(3))
    html = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/",
                      {"district": str(sakti.pk)}).content.decode()
    assert str(session.session_id) in slot_buttons(html)


def test_book_again_after_a_cancel_with_a_reload_safe_result(client, settings):
    person = BeneficiaryFactory()
    appointment = book(person, SessionFactory(date=day(2)))
    target = SessionFactory(date=day(4))
    citizen_login(client)
    mine = client.get("/booking/mine/").content.decode()
    assert 'id="citizen-logout"' in mine and f'id="book-{person.reference_id}"' not in mine
    r = client.post(f"/booking/appointment/{appointment.appointment_id}/cancel/", {"expected_version": "1"})
    assert r.status_code == 303
    assert b"is cancelled" in client.get(r["Location"]).content
    mine = client.get("/booking/mine/").content.decode()
    assert f'id="book-{person.reference_id}"' in mine  # book again
    url = f"/booking/person/{person.reference_id}/book/?district={target.centre.district_id}"
    page = client.get(url).content.decode()
    assert str(target.session_id) in slot_buttons(page)
    choice = f"{target.session_id}|{SLOTS[1]}"
    assert b'id="confirm-booking"' in client.post(url, {"choice": choice}).content
    r = client.post(url, {"choice": choice, "confirm": "1"})
    assert r.status_code == 303
    new = Appointment.objects.get(beneficiary=person, status="booked")
    assert new.session_id == target.pk and new.slot == SLOTS[1] and new.dose == 1
    assert Session.objects.get(pk=target.pk).booked_dose1 == 1
    assert AppointmentEvent.objects.filter(appointment=new, kind="booked").exists()
    assert ChangeRecord.objects.filter(kind="appointment.booked", appointment_id=new.appointment_id).exists()
    assert OutboxMessage.objects.filter(recipient="9876543210", body__contains=new.confirmation_number).exists()
    for _ in range(2):  # reload: the same confirmation number, nothing booked twice
        done = client.get(r["Location"])
        assert new.confirmation_number.encode() in done.content
    assert Appointment.objects.filter(beneficiary=person, status="booked").count() == 1
    stranger = Client().get(r["Location"])
    assert stranger.status_code == 404 and new.confirmation_number.encode() not in stranger.content
    # already booked: the page goes back to the list, a forced post is refused
    assert client.get(url).status_code == 302
    again = client.post(url, {"choice": choice, "confirm": "1"})
    assert again.status_code == 302


def test_booking_someone_elses_beneficiary_is_404(client):
    other = BeneficiaryFactory(mobile="9123456780")
    BeneficiaryFactory()
    citizen_login(client)
    assert client.get(f"/booking/person/{other.reference_id}/book/").status_code == 404


def test_mobile_and_otp_errors_are_beside_the_field_in_hindi(client):
    client.cookies["django_language"] = "hi"
    r = client.post("/booking/", {"mobile": "12345"})
    html = r.content.decode()
    assert r.status_code == 400 and 'href="#mobile"' in html and 'id="mobile-error"' in html
    assert 'value="12345"' in html and "6, 7, 8 या 9" in html
    BeneficiaryFactory()
    client.post("/booking/", {"mobile": "9876543210"})
    r = client.post("/booking/otp/", {"otp": "12"})
    assert r.status_code == 400 and 'href="#otp"' in r.content.decode()


def test_search_errors_are_beside_the_field(client):
    appointment = book(BeneficiaryFactory(), SessionFactory(date=day(2)))
    citizen_login(client)
    r = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/", {"pincode": "110001"})
    assert r.status_code == 400 and b'href="#pincode"' in r.content and b'id="pincode-error"' in r.content
    r = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/", {"district": "99999"})
    assert r.status_code == 400 and b'href="#district"' in r.content


def test_otp_rate_limit_is_the_429_page(client):
    BeneficiaryFactory()
    assert client.post("/booking/", {"mobile": "9876543210"}).status_code == 302
    r = client.post("/booking/", {"mobile": "9876543210"})  # inside the resend cool-down
    assert r.status_code == 429 and b'id="error-page"' in r.content and int(r["Retry-After"]) >= 1
    assert b'id="retry-after"' in r.content


def test_two_sessions_the_same_day_at_one_centre_are_one_card(client):
    appointment = book(BeneficiaryFactory(), SessionFactory(date=day(2)))
    centre = CentreFactory()
    SessionFactory(centre=centre, date=day(3))
    SessionFactory(centre=centre, date=day(3) + dt.timedelta(days=1))
    citizen_login(client)
    html = client.get(f"/booking/appointment/{appointment.appointment_id}/rebook/",
                      {"district": str(centre.district_id)}).content.decode()
    assert html.count(f'id="centre-{centre.center_id}"') == 1
