"""Booking a new appointment (a citizen after a cancel, or a first dose 2): the write, with the
same lock order as bookings/services/appointments.py: the session row, then the beneficiary row, then the seat
by conditional UPDATE, then the change feed."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from helpdesk.exceptions import Conflict
from helpdesk.validation import today_ist

from . import rules
from .models import Appointment, AppointmentEvent, AppointmentStatus, Beneficiary, Channel, Session
from .services.appointments import (
    BookingActor,
    _event,
    _may_act_on_beneficiary,
    _record_change,
    _session_full,
    _sms_confirmation,
    _take_seat,
    new_confirmation_number,
)


def next_dose(beneficiary: Beneficiary, appointments: list[Appointment]) -> int | None:
    """The dose to book next: 1 until dose 1 is recorded, then 2; None when nothing is left to
    book (a dose is booked already, or both are given)."""
    active = {a.dose for a in appointments if a.status in (AppointmentStatus.BOOKED, AppointmentStatus.VACCINATED)}
    dose = 2 if beneficiary.dose1_vaccine or 1 in {a.dose for a in appointments
                                                    if a.status == AppointmentStatus.VACCINATED} else 1
    return None if dose in active else dose


@transaction.atomic
def appointment_book(
    *, reference_id: str, session_id: uuid.UUID, slot: str, actor: BookingActor, today: dt.date | None = None,
) -> Appointment:
    """Book the beneficiary's next dose in `session_id` at `slot` (DOMAIN.md §8 rules: published,
    tomorrow to 7 days ahead, an offered slot, age band, dose 2 same vaccine and interval).

    Locks the session row, then the beneficiary row; the seat is taken by a conditional UPDATE
    (SessionFull, APPOIN0040, when none is left; nothing is written); one booked appointment per
    beneficiary and dose is a partial unique index, so two parallel bookings make one. Appends a
    `booked` event and a change-feed row. On commit: an SMS confirmation (outbox)."""
    today = today or today_ist()
    target = Session.objects.select_for_update(of=("self",)).select_related("centre").filter(
        session_id=session_id).first()
    beneficiary = Beneficiary.objects.select_for_update(of=("self",)).filter(reference_id=reference_id).first()
    if beneficiary is None or not _may_act_on_beneficiary(actor, beneficiary):
        raise rules.not_found()
    if target is None:
        raise rules.session_not_found()
    dose = next_dose(beneficiary, list(beneficiary.appointments.all()))
    if dose is None:
        raise Conflict(_("This person already has an appointment for the next dose."), code="already_booked")
    rules.check_published(target)
    rules.check_target_window(target, today=today)
    rules.check_slot(target, slot)
    rules.check_eligibility(beneficiary, target, dose)
    if not _take_seat(target.pk, dose):
        raise _session_full(dose)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                beneficiary=beneficiary, session=target, slot=slot, dose=dose, status=AppointmentStatus.BOOKED,
                confirmation_number=new_confirmation_number(), channel=Channel.HELPDESK)
    except IntegrityError:
        raise Conflict(_("This person already has an appointment for the next dose."), code="already_booked") from None
    _event(appointment, AppointmentEvent.Kind.BOOKED, actor, to_session=target, to_slot=slot)
    _record_change(kind="appointment.booked", beneficiary=beneficiary, appointment=appointment,
                   payload={"session_id": str(target.session_id), "slot": slot, "dose": dose,
                            "date": target.date.isoformat(), "center_id": target.centre.center_id,
                            "confirmation_number": appointment.confirmation_number,
                            "by": "citizen" if actor.is_citizen else "helpdesk"})
    _sms_confirmation(appointment, kind="booked")
    return appointment
