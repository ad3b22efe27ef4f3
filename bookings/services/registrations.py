"""Staff writes around registrations: manual registration, session move, the logged lookups of
personal data (lookup, appointment view, session roster) and attaching a registration to a ticket.
Same lock order as appointments.py."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import District, User
from accounts.permissions import is_desk, is_district_official, scope_by_district
from helpdesk.exceptions import Conflict, InvalidInput, NotFound, StaleVersion, Unprocessable
from helpdesk.validation import today_ist
from tickets.services import Actor, ticket_attach_registration

from .. import rules
from ..models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Beneficiary,
    Channel,
    LookupLog,
    LookupReason,
    Session,
)
from .appointments import (
    BookingActor,
    _event,
    _new_reference_id,
    _record_change,
    _sms_confirmation,
    _take_seat,
    new_confirmation_number,
)

_CONFIRMATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_FEED_LOCK_KEY = 7_310_006  # pg_advisory_xact_lock key of the change feed


@transaction.atomic
def beneficiary_register_manual(
    *, actor: BookingActor, name: str, birth_year: int, gender: str, district: District, channel: str,
    mobile: str | None = None, session_id: uuid.UUID | None = None, slot: str = "", dose: int = 1,
    dose1_vaccine: str = "", dose1_date: dt.date | None = None, today: dt.date | None = None,
) -> tuple[Beneficiary, Appointment | None]:
    """Record a registration taken by hand at a centre or the helpdesk while the portal is down,
    with an optional appointment (the session may be today: the person is at the centre).
    The mobile's row lock order: existing beneficiaries on that mobile are locked first, so two
    clerks cannot both take the 4th place (and the unique (mobile, slot) index backs that up).
    Appends a change-feed row so the portal can take the registration over."""
    today = today or today_ist()
    user = actor.user
    if user is None or not (is_desk(user) or is_district_official(user)):
        raise rules.not_found()
    if is_district_official(user) and district.pk != user.district_id:
        raise InvalidInput(_("You can register people only in your own district."), code="wrong_district", field="district")
    if channel not in (Channel.HELPDESK, Channel.ONSITE):
        raise InvalidInput(_("Channel is helpdesk or onsite."), code="invalid_channel", field="channel")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(_("Enter the name (up to 200 characters)."), code="invalid_name", field="name")
    if not (today.year - 120 <= birth_year <= today.year - 12):
        raise InvalidInput(_("Enter a plausible year of birth."), code="invalid_birth_year", field="birth_year")
    if gender not in Beneficiary.Gender.values:
        raise InvalidInput(_("Gender is F, M or O."), code="invalid_gender", field="gender")
    mobile_slot = None
    if mobile:
        taken = set(Beneficiary.objects.select_for_update().filter(mobile=mobile).values_list("mobile_slot", flat=True))
        free = [n for n in (1, 2, 3, 4) if n not in taken]
        if not free:
            raise Conflict(_("A mobile number can hold at most 4 registrations."), code="mobile_full")
        mobile_slot = free[0]
    beneficiary = Beneficiary.objects.create(
        reference_id=_new_reference_id(), name=name, birth_year=birth_year, gender=gender, mobile=mobile or None,
        mobile_slot=mobile_slot, district=district, channel=channel, dose1_vaccine=dose1_vaccine, dose1_date=dose1_date)
    changes = [("beneficiary.registered", None, {
        "name": name, "birth_year": birth_year, "gender": gender, "channel": channel,
        "district_id": district.cowin_id, "district_code": district.code, "mobile": mobile or None})]
    appointment = None
    if session_id is not None:
        session = Session.objects.select_related("centre").filter(session_id=session_id).first()
        if session is None or (is_district_official(user) and session.centre.district_id != user.district_id):
            raise rules.session_not_found()
        if not (today <= session.date <= today + dt.timedelta(days=rules.BOOKING_WINDOW_DAYS)):
            raise InvalidInput(_("Choose a session from today up to 7 days ahead."), code="outside_window")
        rules.check_slot(session, slot)
        rules.check_eligibility(beneficiary, session, dose)
        if not _take_seat(session.pk, dose):
            raise rules.SessionFull(_("This session is fully booked for dose %(dose)s.") % {"dose": dose})
        appointment = Appointment.objects.create(
            beneficiary=beneficiary, session=session, slot=slot, dose=dose, channel=channel,
            confirmation_number=new_confirmation_number())
        _event(appointment, AppointmentEvent.Kind.BOOKED, actor, reason=_("Registered by hand (%(channel)s)")
               % {"channel": channel}, to_session=session, to_slot=slot)
        changes.append(("appointment.booked", appointment, {
            "session_id": str(session.session_id), "slot": slot, "dose": dose,
            "confirmation_number": appointment.confirmation_number, "channel": channel}))
    # The change feed's lock comes last, after every row lock (see the lock order above).
    for kind, changed, payload in changes:
        _record_change(kind=kind, beneficiary=beneficiary, appointment=changed, payload=payload)
    if appointment is not None:
        _sms_confirmation(appointment, kind="booked")
    return beneficiary, appointment


@transaction.atomic
def session_move(
    *, session_id: uuid.UUID, new_date: dt.date, actor: BookingActor, reason: str,
    expected_version: int | None = None, today: dt.date | None = None,
) -> Session:
    """Move a whole session to another date: its booked appointments move with it (each gets an
    event, a version bump and a change-feed row) and each citizen is told by SMS on commit.
    Locks the session row. District officials only in their district (else not found)."""
    today = today or today_ist()
    user = actor.user
    reason = rules.check_reason(reason)
    session = Session.objects.select_for_update(of=("self",)).select_related("centre").filter(session_id=session_id).first()
    if session is None or user is None or not (
            is_desk(user) or (is_district_official(user) and session.centre.district_id == user.district_id)):
        raise rules.session_not_found()
    if expected_version is not None and expected_version != session.version:
        raise StaleVersion(_("This session was changed meanwhile; reload and try again."),
                           current_version=session.version)
    if not (today + dt.timedelta(days=1) <= new_date <= today + dt.timedelta(days=30)):
        raise InvalidInput(_("Move a session to a date from tomorrow up to 30 days ahead."), code="outside_window", field="date")
    if new_date == session.date:
        raise Unprocessable(_("The session is already on that date."), code="same_date")
    old_date = session.date
    session.date = new_date
    session.version += 1
    session.save(update_fields=["date", "version"])
    appointments = list(Appointment.objects.select_for_update(of=("self",)).select_related("beneficiary")
                        .filter(session=session, status=AppointmentStatus.BOOKED).order_by("pk"))
    for appointment in appointments:
        appointment.version += 1
        appointment.save(update_fields=["version", "updated_at"])
        _event(appointment, AppointmentEvent.Kind.SESSION_MOVED, actor, reason=reason,
               from_session=session, to_session=session, from_slot=appointment.slot, to_slot=appointment.slot)
        _record_change(kind="appointment.session_moved", beneficiary=appointment.beneficiary, appointment=appointment,
                       payload={"session_id": str(session.session_id), "from_date": old_date.isoformat(),
                                "date": new_date.isoformat()})
        _sms_confirmation(appointment, kind=f"moved-{new_date.isoformat()}")
    return session


@transaction.atomic
def registration_lookup(
    *, actor: User, reason: str, reference_id: str | None = None, mobile: str | None = None,
    note: str = "", ticket_id: int | None = None,
) -> list[Beneficiary]:
    """A staff lookup of personal data: refused without a reason code; always logged (who, when,
    why, what), also when nothing is found. District officials see only their district."""
    if reason not in LookupReason.values:
        raise InvalidInput(_("Choose a reason for this lookup."), code="reason_required", field="reason")
    if bool(reference_id) == bool(mobile):
        raise InvalidInput(_("Give a reference id or a mobile number."), code="invalid_query")
    queryset = scope_by_district(actor, Beneficiary.objects.all())
    queryset = queryset.filter(reference_id=reference_id) if reference_id else queryset.filter(mobile=mobile)
    found = list(queryset.order_by("reference_id")[:4])
    LookupLog.objects.create(actor=actor, reason=reason, note=(note or "")[:300],
                             query_kind="reference_id" if reference_id else "mobile",
                             query_value=reference_id or mobile, result_count=len(found), ticket_id=ticket_id)
    return found


@transaction.atomic
def appointment_view_log(*, actor: User, reason: str | None, appointment_id: uuid.UUID, found: bool) -> None:
    """Log a staff view of one appointment (with its personal data). Refused without a reason."""
    if reason not in LookupReason.values:
        raise InvalidInput(_("Choose a reason for this lookup."), code="reason_required", field="reason")
    LookupLog.objects.create(actor=actor, reason=reason, query_kind="appointment",
                             query_value=str(appointment_id), result_count=int(found))


@transaction.atomic
def session_roster(*, actor: User, session_id: uuid.UUID) -> tuple[Session, list[Appointment]]:
    """The bookings of one session (district officials: their district only, else not found).
    Logged as a lookup of personal data (reason: session_roster)."""
    session = (scope_by_district(actor, Session.objects.select_related("centre__district"), field="centre__district")
               .filter(session_id=session_id).first())
    if session is None:
        raise rules.session_not_found()
    appointments = list(Appointment.objects.filter(session=session).select_related("beneficiary")
                        .order_by("slot", "status", "pk"))
    LookupLog.objects.create(actor=actor, reason=LookupReason.SESSION_ROSTER, query_kind="session",
                             query_value=str(session_id), result_count=len(appointments))
    return session, appointments


def booking_attach_to_ticket(*, ticket_id: int, reference_id: str, actor: User):
    """Attach a registration to the caller's ticket (the ticket row is written by tickets.services)."""
    if not Beneficiary.objects.filter(reference_id=reference_id).exists():
        raise rules.not_found()
    try:
        return ticket_attach_registration(ticket_id=ticket_id, reference_id=reference_id, actor=Actor.of(actor))
    except ObjectDoesNotExist:
        raise NotFound(_("No such ticket."), code="ticket_not_found") from None

