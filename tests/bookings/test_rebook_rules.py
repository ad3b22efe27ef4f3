"""Each rebooking rule of DOMAIN.md §8: its own test, its own error code."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import translation

from bookings import services
from bookings.models import Appointment, AppointmentEvent, ChangeRecord, Session
from helpdesk.exceptions import DomainError
from notifications.models import OutboxMessage
from tests.bookings.factories import SLOTS, BeneficiaryFactory, SessionFactory, book, day

pytestmark = pytest.mark.django_db
CITIZEN = services.BookingActor.citizen("9876543210")


def rebook(appointment, session, slot=SLOTS[1], actor=CITIZEN, **kwargs):
    return services.appointment_rebook(appointment_id=appointment.appointment_id, session_id=session.session_id,
                                       slot=slot, actor=actor, **kwargs)


def code_of(call) -> tuple[str, int]:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code, info.value.status_code


@pytest.fixture
def booked():
    beneficiary = BeneficiaryFactory()
    old = SessionFactory(date=day(3))
    return book(beneficiary, old)


def test_rebook_moves_the_seat_issues_a_new_number_event_change_and_sms(booked):
    target = SessionFactory(date=day(4))
    old_number = booked.confirmation_number
    result = rebook(booked, target, expected_version=1)
    assert result.session_id == target.pk and result.slot == SLOTS[1]
    assert result.confirmation_number != old_number and result.version == 2 and result.reschedule_count == 1
    assert Session.objects.get(pk=booked.session_id).booked_dose1 == 0
    assert Session.objects.get(pk=target.pk).booked_dose1 == 1
    event = AppointmentEvent.objects.get(appointment=booked, kind="rescheduled")
    assert (event.from_session_id, event.to_session_id, event.actor_label) == (booked.session_id, target.pk, "citizen")
    change = ChangeRecord.objects.get(kind="appointment.rescheduled")
    assert change.payload["confirmation_number"] == result.confirmation_number
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.recipient == "9876543210" and result.confirmation_number in sms.body


def test_only_a_booked_appointment(booked):
    Appointment.objects.filter(pk=booked.pk).update(status="vaccinated")
    assert code_of(lambda: rebook(booked, SessionFactory(date=day(4)))) == ("not_booked", 409)


def test_citizen_cutoff_is_2359_ist_the_day_before(booked):
    target = SessionFactory(date=day(5))
    appointment_day = Session.objects.get(pk=booked.session_id).date
    eve = dt.datetime.combine(appointment_day - dt.timedelta(days=1), dt.time(23, 59),
                              tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    with time_machine.travel(eve, tick=False):
        assert rebook(booked, target).session_id == target.pk  # 23:59 IST the day before: still allowed
    booked2 = book(BeneficiaryFactory(), SessionFactory(date=appointment_day))
    with time_machine.travel(eve + dt.timedelta(minutes=1), tick=False):  # 00:00 IST on the day
        assert code_of(lambda: rebook(booked2, target)) == ("cutoff_passed", 409)


def test_agent_may_rebook_on_the_day_with_a_reason(agent, booked):
    Session.objects.filter(pk=booked.session_id).update(date=day(0))
    result = rebook(booked, SessionFactory(date=day(2)), actor=services.BookingActor.staff(agent), reason="Centre closed")
    assert result.version == 2


@pytest.mark.parametrize("offset", [0, 8, -1])
def test_target_must_be_tomorrow_to_7_days(booked, offset):
    assert code_of(lambda: rebook(booked, SessionFactory(date=day(offset)))) == ("outside_window", 422)


@pytest.mark.parametrize("offset", [1, 7])
def test_window_edges_are_allowed(booked, offset):
    assert rebook(booked, SessionFactory(date=day(offset))).session.date == day(offset)


def test_target_must_be_published(booked):
    assert code_of(lambda: rebook(booked, SessionFactory(published=False))) == ("session_not_published", 422)


def test_target_full_keeps_the_old_booking(booked):
    full = SessionFactory(capacity_dose1=1)
    book(BeneficiaryFactory(mobile="9000011111"), full)
    assert code_of(lambda: rebook(booked, full)) == ("APPOIN0040", 409)
    booked.refresh_from_db()
    assert booked.status == "booked" and booked.version == 1
    assert Session.objects.get(pk=booked.session_id).booked_dose1 == 1
    assert not AppointmentEvent.objects.exists() and not ChangeRecord.objects.exists()


def test_not_the_same_session_and_slot(booked):
    assert code_of(lambda: rebook(booked, booked.session, slot=booked.slot)) == ("same_session_and_slot", 422)


def test_same_session_other_slot_keeps_one_seat(booked):
    result = rebook(booked, booked.session, slot=SLOTS[2])
    assert result.slot == SLOTS[2]
    assert Session.objects.get(pk=booked.session_id).booked_dose1 == 1


def test_slot_must_be_offered(booked):
    assert code_of(lambda: rebook(booked, SessionFactory(), slot="05:00PM-07:00PM")) == ("invalid_slot", 400)


def test_age_band(booked):
    assert code_of(lambda: rebook(booked, SessionFactory(min_age_limit=45))) == ("not_eligible_age", 422)
    assert code_of(lambda: rebook(booked, SessionFactory(min_age_limit=18, max_age_limit=30))) == ("not_eligible_age", 422)


def _dose2(vaccine: str, dose1_days_ago: int):
    beneficiary = BeneficiaryFactory(dose1_vaccine=vaccine, dose1_date=day(-dose1_days_ago))
    return book(beneficiary, SessionFactory(vaccine=vaccine, date=day(2)), dose=2)


def test_dose2_same_vaccine():
    appointment = _dose2("COVAXIN", 60)
    assert code_of(lambda: rebook(appointment, SessionFactory(vaccine="COVISHIELD"))) == ("dose2_vaccine_mismatch", 422)


@pytest.mark.parametrize(("vaccine", "days_ago", "ok"), [
    ("COVISHIELD", 84 - 3, True), ("COVISHIELD", 84 - 4, False),  # target is 3 days ahead
    ("COVAXIN", 28 - 3, True), ("COVAXIN", 28 - 4, False),
])
def test_dose2_gap(vaccine, days_ago, ok):
    appointment = _dose2(vaccine, days_ago)
    target = SessionFactory(vaccine=vaccine, date=day(3))
    if ok:
        assert rebook(appointment, target).session_id == target.pk
    else:
        assert code_of(lambda: rebook(appointment, target)) == ("dose2_too_early", 422)


def test_citizen_limit_of_3_reschedules_agent_may_exceed(booked, agent):
    sessions = [SessionFactory(date=day(n)) for n in (2, 3, 4, 5)]
    for session in sessions[:3]:
        booked = rebook(booked, session)
    assert booked.reschedule_count == 3
    assert code_of(lambda: rebook(booked, sessions[3])) == ("reschedule_limit", 409)
    staff = services.BookingActor.staff(agent)
    assert code_of(lambda: rebook(booked, sessions[3], actor=staff)) == ("reason_required", 400)
    assert rebook(booked, sessions[3], actor=staff, reason="Caller's village flooded").reschedule_count == 4


def test_each_reschedule_is_an_event(booked):
    for offset in (4, 5):
        booked = rebook(booked, SessionFactory(date=day(offset)))
    assert AppointmentEvent.objects.filter(appointment=booked, kind="rescheduled").count() == 2


def test_stale_version_is_refused(booked):
    assert code_of(lambda: rebook(booked, SessionFactory(), expected_version=7)) == ("stale_version", 409)


def test_someone_elses_appointment_is_not_found(booked):
    other = services.BookingActor.citizen("9123456789")
    assert code_of(lambda: rebook(booked, SessionFactory(), actor=other)) == ("not_found", 404)


def test_refusal_messages_are_in_hindi_for_hindi_callers(booked):
    Appointment.objects.filter(pk=booked.pk).update(reschedule_count=3)
    with translation.override("hi"), pytest.raises(DomainError) as info:
        rebook(booked, SessionFactory())
    assert info.value.code == "reschedule_limit"
    assert info.value.detail == ("अपॉइंटमेंट का समय ऑनलाइन अधिकतम 3 बार बदला जा सकता है। "
                                 "कृपया हेल्पडेस्क को कॉल करें।")


def test_cancel_releases_the_seat(booked):
    result = services.appointment_cancel(appointment_id=booked.appointment_id, actor=CITIZEN, expected_version=1)
    assert result.status == "cancelled"
    assert Session.objects.get(pk=booked.session_id).booked_dose1 == 0
    assert code_of(lambda: services.appointment_cancel(appointment_id=booked.appointment_id, actor=CITIZEN)) == ("not_booked", 409)


def test_database_refuses_overbooking_and_two_active_appointments(booked):
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=booked.session_id).update(booked_dose1=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(beneficiary=booked.beneficiary, session=booked.session, slot=SLOTS[0], dose=1,
                                   confirmation_number="DUPLICATE1")


def test_database_caps_a_mobile_at_4_beneficiaries():
    for _ in range(4):
        BeneficiaryFactory(mobile="9811111111")
    with pytest.raises(IntegrityError):
        BeneficiaryFactory(mobile="9811111111")


def test_database_refuses_a_13_digit_reference():
    with pytest.raises(IntegrityError):
        BeneficiaryFactory(reference_id="1234567890123")


@pytest.mark.postgres
def test_events_and_lookup_logs_are_append_only_on_postgres(booked):
    from django.db import DatabaseError

    event = rebook(booked, SessionFactory()).events.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppointmentEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppointmentEvent.objects.filter(pk=event.pk).delete()


def test_the_conditional_update_is_the_guard_when_the_unlocked_look_misses(booked, monkeypatch):
    full = SessionFactory(capacity_dose1=1)
    book(BeneficiaryFactory(mobile="9000011111"), full)
    monkeypatch.setattr(services.appointments, "_full_dose", lambda *args: None)  # as if the seat went in between
    assert code_of(lambda: rebook(booked, full)) == ("APPOIN0040", 409)
    booked.refresh_from_db()
    assert booked.session_id != full.pk and booked.version == 1
    assert Session.objects.get(pk=full.pk).booked_dose1 == 1
    assert Session.objects.get(pk=booked.session_id).booked_dose1 == 1  # the release rolled back too


def test_the_unlocked_look_never_answers_for_someone_elses_appointment(booked):
    full = SessionFactory(capacity_dose1=1)
    book(BeneficiaryFactory(mobile="9000011111"), full)
    stranger = services.BookingActor.citizen("9123456789")
    assert code_of(lambda: rebook(booked, full, actor=stranger)) == ("not_found", 404)


def test_housekeeping_expires_past_bookings_so_the_dose_can_be_booked_again(booked):
    from bookings.tasks import housekeeping

    Session.objects.filter(pk=booked.session_id).update(date=day(-1))
    today_booking = book(BeneficiaryFactory(mobile="9000022222"), SessionFactory(date=day(0)))
    assert housekeeping() == "expired 1, purged 0"
    booked.refresh_from_db()
    assert booked.status == "expired" and booked.version == 2
    assert Appointment.objects.get(pk=today_booking.pk).status == "booked"
    assert ChangeRecord.objects.get().kind == "appointment.expired"
    assert book(booked.beneficiary, SessionFactory(date=day(2))).status == "booked"  # no unique clash
    assert housekeeping() == "expired 0, purged 0"
