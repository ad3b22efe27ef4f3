"""What one accepted record does to the replica: the same rows a registration at the desk writes
(beneficiary, appointment, event, change-feed rows), in the bookings lock order:
1. session rows (FOR UPDATE, primary-key order): the centre's session of that day and vaccine,
   and any session where the person holds a booking for the same dose;
2. then beneficiary rows (on PostgreSQL a transaction advisory lock on the mobile first, so two
   devices registering the same person at once cannot both pass the duplicate check), then
   appointment rows;
3. seats by the conditional UPDATE of bookings.services; last the change feed's lock.
Every refusal is a DomainError with its own code; the caller runs this in a savepoint, so a
refusal leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import difflib
import secrets
import zlib

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import rules
from bookings.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Beneficiary,
    Centre,
    Channel,
    Session,
    mask_name,
)
from bookings.services import (
    BookingActor,
    new_confirmation_number,
    record_changes,
    take_seat,
)
from helpdesk.exceptions import Conflict, NotFound, Unprocessable
from helpdesk.validation import IST

from .models import OfflineRecord, RecordKind, RecordStatus

_MOBILE_LOCK_KEY = 7_310_018  # pg_advisory_xact_lock(key, hash(mobile)): one registration per mobile at a time
MAX_AGE_DAYS = 7  # a record older than this (device clock) is refused: the clock or the record is wrong
MAX_AHEAD = dt.timedelta(hours=12)


def _fresh_reference_id() -> str:
    """A helpdesk reference id (starting 99) without a look-up first: the unique index catches the
    one-in-10^12 collision, and the caller retries the record."""
    return "99" + "".join(secrets.choice("0123456789") for _ in range(12))


def normalise_name(name: str) -> str:
    return " ".join(name.casefold().split())


def name_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise_name(a), normalise_name(b)).ratio()


def vaccination_day(recorded_at: dt.datetime, *, now: dt.datetime | None = None) -> dt.date:
    """The IST day of the vaccination, from the device's clock (kept as reported), if plausible."""
    now = now or timezone.now()
    if recorded_at > now + MAX_AHEAD:
        raise Unprocessable(_("The record's time is in the future: check the device's date and time, then correct it."),
                            code="implausible_time")
    day = recorded_at.astimezone(IST).date()
    if day < now.astimezone(IST).date() - dt.timedelta(days=MAX_AGE_DAYS):
        raise Unprocessable(_("The record is more than 7 days old: ask the district official to enter it."),
                            code="implausible_time")
    return day


def _slot_at(session: Session, moment: dt.datetime) -> str:
    """The session slot that contains the moment (IST), else its first slot."""
    local = moment.astimezone(IST).time()
    for slot in session.slots or []:
        try:
            start, end = (dt.datetime.strptime(part, "%I:%M%p").time() for part in slot.split("-"))
        except ValueError:
            continue
        if start <= local < end:
            return slot
    return (session.slots or [""])[0][:20]


def _lock_sessions(centre: Centre, day: dt.date, vaccine: str, also: int | None = None) -> tuple[Session, dict]:
    """Lock order step 1: the centre's session of that day and vaccine, plus `also`, FOR UPDATE in
    primary-key order."""
    sessions: dict = {}
    if also is None:
        sessions = {s.pk: s for s in Session.objects.select_for_update(of=("self",))
                    .filter(centre=centre, date=day, vaccine=vaccine).order_by("pk")[:1]}
        target_pk = next(iter(sessions), None)
    else:
        target_pk = (Session.objects.filter(centre=centre, date=day, vaccine=vaccine).order_by("pk")
                     .values_list("pk", flat=True).first())
    if target_pk is None:
        raise Unprocessable(_("This centre has no %(vaccine)s session on %(date)s.")
                            % {"vaccine": vaccine, "date": day.strftime("%d-%m-%Y")}, code="no_session")
    if also is not None:
        wanted = sorted({target_pk, also})
        sessions = {s.pk: s for s in Session.objects.select_for_update(of=("self",)).filter(pk__in=wanted).order_by("pk")}
    return sessions[target_pk], sessions


def _lock_mobile(mobile: str) -> list[Beneficiary]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_MOBILE_LOCK_KEY, zlib.crc32(mobile.encode()) - 2**31])
    return list(Beneficiary.objects.select_for_update().filter(mobile=mobile).order_by("pk"))


def _session_full(dose: int) -> rules.SessionFull:
    return rules.SessionFull(_("The session is over capacity for dose %(dose)s today.") % {"dose": dose})


def _vaccinated_event(appointment: Appointment, actor: BookingActor, note: str) -> None:
    AppointmentEvent.objects.create(appointment=appointment, kind=AppointmentEvent.Kind.VACCINATED, actor=actor.user,
                                    reason=note, to_session=appointment.session, to_slot=appointment.slot,
                                    confirmation_number=appointment.confirmation_number)


def _feed_vaccinated(beneficiary: Beneficiary, appointment: Appointment, data: dict, client_id: str) -> tuple:
    session = appointment.session
    return ("appointment.vaccinated", beneficiary, appointment, {
        "session_id": str(session.session_id), "center_id": session.centre.center_id, "date": session.date.isoformat(),
        "vaccine": session.vaccine, "dose": appointment.dose, "slot": appointment.slot,
        "confirmation_number": appointment.confirmation_number, "channel": Channel.ONSITE,
        "client_id": client_id, "recorded_at": data["recorded_at"].isoformat()})


def apply_registration(*, centre: Centre, data: dict, actor: BookingActor, client_id: str) -> tuple[Beneficiary, Appointment]:
    """A walk-in registered and vaccinated at the centre. Refusals: implausible_time, no_session,
    duplicate_beneficiary (same mobile, birth year and name), mobile_full, not_eligible_age,
    dose1_missing / dose2_vaccine_mismatch / dose2_too_early, APPOIN0040 (over capacity)."""
    day = vaccination_day(data["recorded_at"])
    dose, vaccine = int(data["dose"]), data["vaccine"]
    session, _sessions = _lock_sessions(centre, day, vaccine)
    mobile = data.get("mobile") or None
    mobile_slot = None
    if mobile:
        on_mobile = _lock_mobile(mobile)
        for other in on_mobile:
            if other.birth_year == data["birth_year"] and normalise_name(other.name) == normalise_name(data["name"]):
                raise Conflict(_("This person is already registered (reference id ending %(last4)s). "
                                 "Record a vaccination with that reference id instead.")
                               % {"last4": other.reference_id[-4:]}, code="duplicate_beneficiary")
        free = [n for n in (1, 2, 3, 4) if n not in {b.mobile_slot for b in on_mobile}]
        if not free:
            raise Conflict(_("A mobile number can hold at most 4 registrations."), code="mobile_full")
        mobile_slot = free[0]
    if dose == 1:
        dose1_vaccine, dose1_date = vaccine, day
    else:
        dose1_vaccine, dose1_date = data["dose1_vaccine"], data["dose1_date"]
    person = Beneficiary(name=data["name"], birth_year=data["birth_year"], gender=data["gender"],
                         dose1_vaccine=dose1_vaccine if dose == 2 else "", dose1_date=dose1_date if dose == 2 else None)
    rules.check_eligibility(person, session, dose)
    if not take_seat(session.pk, dose):
        raise _session_full(dose)
    beneficiary = Beneficiary.objects.create(
        reference_id=_fresh_reference_id(), name=data["name"], birth_year=data["birth_year"], gender=data["gender"],
        mobile=mobile, mobile_slot=mobile_slot, district=centre.district, channel=Channel.ONSITE,
        dose1_vaccine=dose1_vaccine, dose1_date=dose1_date)
    appointment = Appointment.objects.create(
        beneficiary=beneficiary, session=session, slot=_slot_at(session, data["recorded_at"]), dose=dose,
        status=AppointmentStatus.VACCINATED, channel=Channel.ONSITE, confirmation_number=new_confirmation_number())
    session.centre = centre
    _vaccinated_event(appointment, actor, _("Walk-in, recorded offline at the centre"))
    changes = [("beneficiary.registered", beneficiary, None, {
        "name": beneficiary.name, "birth_year": beneficiary.birth_year, "gender": beneficiary.gender,
        "channel": Channel.ONSITE, "district_id": centre.district.cowin_id, "district_code": centre.district.code,
        "mobile": mobile, "id_type": data["id_type"], "id_last4": data["id_last4"], "center_id": centre.center_id,
        "client_id": client_id, "recorded_at": data["recorded_at"].isoformat()}),
        _feed_vaccinated(beneficiary, appointment, data, client_id)]
    record_changes(changes)
    return beneficiary, appointment


def apply_vaccination(*, centre: Centre, data: dict, actor: BookingActor, client_id: str) -> tuple[Beneficiary, Appointment]:
    """A dose given to a registered person (by reference id, any district). A booking of theirs
    for the same dose in this session becomes vaccinated; one elsewhere is cancelled (its seat
    released) and the dose recorded here. Refusals: not_found, already_vaccinated, the dose-2
    rules, not_eligible_age, no_session, APPOIN0040."""
    day = vaccination_day(data["recorded_at"])
    dose, vaccine = int(data["dose"]), data["vaccine"]
    peek = (Appointment.objects.filter(beneficiary__reference_id=data["reference_id"], dose=dose,
                                       status=AppointmentStatus.BOOKED).values_list("session_id", flat=True).first())
    session, sessions = _lock_sessions(centre, day, vaccine, also=peek)
    beneficiary = Beneficiary.objects.select_for_update().filter(reference_id=data["reference_id"]).first()
    if beneficiary is None:
        raise NotFound(_("No registration has this reference id."), code="not_found")
    appointments = list(Appointment.objects.select_for_update(of=("self",)).select_related("session")
                        .filter(beneficiary=beneficiary, dose=dose).order_by("pk"))
    if any(a.status == AppointmentStatus.VACCINATED for a in appointments) or (dose == 1 and beneficiary.dose1_vaccine):
        raise Conflict(_("Dose %(dose)s of %(name)s is already recorded.") % {"dose": dose, "name": mask_name(beneficiary.name)},
                       code="already_vaccinated")
    rules.check_eligibility(beneficiary, session, dose)
    booked = next((a for a in appointments if a.status == AppointmentStatus.BOOKED), None)
    if booked is not None and booked.session_id not in sessions:
        raise Conflict(_("The booking changed meanwhile; the record will be sent again."), code="retry")
    feed = []
    if booked is not None and booked.session_id == session.pk:
        appointment = booked
        appointment.status = AppointmentStatus.VACCINATED
        appointment.version += 1
        appointment.save(update_fields=["status", "version", "updated_at"])
    else:
        if not take_seat(session.pk, dose):
            raise _session_full(dose)
        if booked is not None:
            booked_field = f"booked_dose{dose}"
            Session.objects.filter(pk=booked.session_id, **{f"{booked_field}__gt": 0}).update(
                **{booked_field: F(booked_field) - 1})
            booked.status = AppointmentStatus.CANCELLED
            booked.version += 1
            booked.save(update_fields=["status", "version", "updated_at"])
            AppointmentEvent.objects.create(appointment=booked, kind=AppointmentEvent.Kind.CANCELLED, actor=actor.user,
                                            reason=_("Vaccinated at another centre"), from_session=booked.session,
                                            from_slot=booked.slot, confirmation_number=booked.confirmation_number)
            feed.append(("appointment.cancelled", beneficiary, booked, {
                "session_id": str(booked.session.session_id), "dose": dose, "by": "centre"}))
        appointment = Appointment.objects.create(
            beneficiary=beneficiary, session=session, slot=_slot_at(session, data["recorded_at"]), dose=dose,
            status=AppointmentStatus.VACCINATED, channel=Channel.ONSITE, confirmation_number=new_confirmation_number())
    if dose == 1:
        beneficiary.dose1_vaccine, beneficiary.dose1_date = vaccine, day
        beneficiary.save(update_fields=["dose1_vaccine", "dose1_date"])
    session.centre = centre
    appointment.session = session
    _vaccinated_event(appointment, actor, _("Recorded offline at the centre"))
    feed.append(_feed_vaccinated(beneficiary, appointment, data, client_id))
    record_changes(feed)
    return beneficiary, appointment


def apply_correction(*, centre: Centre, data: dict, actor: BookingActor, client_id: str) -> tuple[Beneficiary, Appointment | None]:
    """New person details for a record this centre sent and the server accepted. The vaccination
    itself is not changed here (the district official does that). Refusals: nothing_to_correct,
    mobile_full."""
    original = (OfflineRecord.objects.filter(centre=centre, client_id=data["corrects"], status=RecordStatus.ACCEPTED)
                .exclude(kind=RecordKind.CORRECTION).select_related("appointment").first())
    if original is None:
        raise Unprocessable(_("There is no accepted record to correct."), code="nothing_to_correct")
    mobile = data.get("mobile") or None
    current = Beneficiary.objects.filter(pk=original.beneficiary_id).values_list("mobile", flat=True).first()
    if mobile and mobile != current:
        taken = {b.mobile_slot for b in _lock_mobile(mobile)}
        free = [n for n in (1, 2, 3, 4) if n not in taken]
        if not free:
            raise Conflict(_("A mobile number can hold at most 4 registrations."), code="mobile_full")
    beneficiary = Beneficiary.objects.select_for_update().get(pk=original.beneficiary_id)
    changed = {}
    for field in ("name", "birth_year", "gender"):
        if getattr(beneficiary, field) != data[field]:
            changed[field] = data[field]
            setattr(beneficiary, field, data[field])
    if mobile != beneficiary.mobile:
        changed["mobile"] = mobile
        beneficiary.mobile = mobile
        beneficiary.mobile_slot = free[0] if mobile else None
    beneficiary.save(update_fields=["name", "birth_year", "gender", "mobile", "mobile_slot"])
    record_changes([("beneficiary.corrected", beneficiary, None, {
        **changed, "id_type": data["id_type"], "id_last4": data["id_last4"], "center_id": centre.center_id,
        "client_id": client_id, "corrects": str(data["corrects"]), "recorded_at": data["recorded_at"].isoformat()})])
    return beneficiary, original.appointment


APPLY = {RecordKind.REGISTRATION: apply_registration, RecordKind.VACCINATION: apply_vaccination,
         RecordKind.CORRECTION: apply_correction}
