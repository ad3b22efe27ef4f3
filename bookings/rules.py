"""The rebooking rules of DOMAIN.md §8 as small functions. Each refusal has its own error code and
a message in the caller's language (English or Hindi). Pure: they read rows, never write."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from helpdesk.exceptions import Conflict, InvalidInput, NotFound, Unprocessable
from helpdesk.validation import today_ist

from .models import Appointment, AppointmentStatus, Beneficiary, Session, Vaccine

CITIZEN_RESCHEDULE_LIMIT = 3
BOOKING_WINDOW_DAYS = 7
# Minimum gap between dose 1 and dose 2, by vaccine (days).
DOSE2_GAP_DAYS = {Vaccine.COVISHIELD: 84, Vaccine.COVAXIN: 28}


class SessionFull(Conflict):
    """CoWIN's APPOIN0040: the centre is fully booked for this dose."""

    code = "APPOIN0040"


def not_found() -> NotFound:
    """One not-found for every cause (does not exist, not yours, wrong district)."""
    return NotFound(_("No matching registration or appointment was found."), code="not_found")


def session_not_found() -> NotFound:
    return NotFound(_("No such session."), code="session_not_found")


def check_booked(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("Only a booked appointment can be changed; this one is %(status)s.")
                       % {"status": appointment.get_status_display()}, code="not_booked")


def check_citizen_cutoff(appointment: Appointment, *, today: dt.date | None = None) -> None:
    """A citizen may change an appointment until 23:59 IST the day before it."""
    today = today or today_ist()
    if appointment.session.date <= today:
        raise Conflict(_("Appointments can be changed online only until 23:59 the day before. "
                         "Please call the helpdesk."), code="cutoff_passed")


def check_not_past(appointment: Appointment, *, today: dt.date | None = None) -> None:
    """Agents may change an appointment up to its own day, never one in the past."""
    today = today or today_ist()
    if appointment.session.date < today:
        raise Conflict(_("This appointment's date has passed."), code="appointment_past")


def check_target_window(session: Session, *, today: dt.date | None = None) -> None:
    today = today or today_ist()
    if not (today + dt.timedelta(days=1) <= session.date <= today + dt.timedelta(days=BOOKING_WINDOW_DAYS)):
        raise Unprocessable(_("Choose a session from tomorrow up to 7 days ahead."), code="outside_window")


def check_published(session: Session) -> None:
    if not session.published:
        raise Unprocessable(_("This session is not open for booking."), code="session_not_published")


def check_slot(session: Session, slot: str) -> None:
    if slot not in (session.slots or []):
        raise InvalidInput(_("That time slot is not offered by this session."), code="invalid_slot", field="slot")


def check_not_same(appointment: Appointment, session: Session, slot: str) -> None:
    if appointment.session_id == session.pk and appointment.slot == slot:
        raise Unprocessable(_("That is already your session and time slot."), code="same_session_and_slot")


def check_reschedule_limit(appointment: Appointment) -> None:
    if appointment.reschedule_count >= CITIZEN_RESCHEDULE_LIMIT:
        raise Conflict(_("An appointment can be rescheduled online at most 3 times. Please call the helpdesk."),
                       code="reschedule_limit")


def check_eligibility(beneficiary: Beneficiary, session: Session, dose: int) -> None:
    """Age band (by birth year, as CoWIN), and for dose 2: same vaccine, minimum gap."""
    age = session.date.year - beneficiary.birth_year
    if age < session.min_age_limit or (session.max_age_limit is not None and age > session.max_age_limit):
        raise Unprocessable(_("This session is for another age group."), code="not_eligible_age")
    if dose == 2:
        if not beneficiary.dose1_vaccine:
            raise Unprocessable(_("Dose 2 can be booked only after dose 1 is recorded."), code="dose1_missing")
        if session.vaccine != beneficiary.dose1_vaccine:
            raise Unprocessable(_("Dose 2 must be the same vaccine as dose 1 (%(vaccine)s).")
                                % {"vaccine": beneficiary.dose1_vaccine}, code="dose2_vaccine_mismatch")
        gap = DOSE2_GAP_DAYS[Vaccine(beneficiary.dose1_vaccine)]
        earliest = beneficiary.dose1_date + dt.timedelta(days=gap)
        if session.date < earliest:
            raise Unprocessable(_("Dose 2 of %(vaccine)s can be given from %(date)s (%(days)s days after dose 1).")
                                % {"vaccine": beneficiary.dose1_vaccine, "date": earliest.strftime("%d-%m-%Y"),
                                   "days": gap}, code="dose2_too_early")


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("A reason is required."), code="reason_required", field="reason")
    if len(reason) > 300:
        raise InvalidInput(_("The reason is too long (300 characters at most)."), code="invalid_reason", field="reason")
    return reason
