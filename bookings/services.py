"""Every write to appointments and sessions: rebook, cancel, manual registration, session move,
staff lookups (they write the audit log). Pages, the API, imports and admin call these.

Locks and order, the same in every write (so that they never deadlock):
1. session rows first, in ascending primary-key order (rebook: the appointment's current session
   and the target; cancel: the current one; session move: the moved one);
2. then appointment rows (SELECT ... FOR UPDATE OF the appointment only), re-checked: if the
   appointment moved between the unlocked peek and its lock, the call is refused as stale;
3. seat counts change only by conditional UPDATEs (`booked = booked + 1 WHERE booked <
   capacity`) on those locked rows; the CheckConstraint booked <= capacity backs them up. No seat
   arithmetic happens in Python;
4. last, the change-feed advisory lock (PostgreSQL), held until commit.
After commit: SMS confirmations leave through notifications.outbox (rows written in the transaction).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import District, User
from accounts.permissions import is_desk, is_district_official, scope_by_district
from helpdesk.exceptions import Conflict, InvalidInput, NotFound, StaleVersion, Unprocessable
from helpdesk.validation import today_ist
from notifications.outbox import outbox_enqueue
from tickets.services import Actor, ticket_attach_registration

from . import rules
from .models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Beneficiary,
    ChangeRecord,
    Channel,
    CitizenToken,
    LookupLog,
    LookupReason,
    OtpTransaction,
    Session,
)

_CONFIRMATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_FEED_LOCK_KEY = 7_310_006  # pg_advisory_xact_lock key of the change feed


@dataclass(frozen=True)
class BookingActor:
    """Who acts: a staff user, or a citizen known only by the mobile their OTP proved."""

    user: User | None = None
    mobile: str = ""

    @classmethod
    def citizen(cls, mobile: str) -> BookingActor:
        return cls(mobile=mobile)

    @classmethod
    def staff(cls, user: User) -> BookingActor:
        return cls(user=user)

    @property
    def is_citizen(self) -> bool:
        return self.user is None

    @property
    def label(self) -> str:
        return "citizen" if self.user is None else ""


def new_confirmation_number() -> str:
    return "".join(secrets.choice(_CONFIRMATION_ALPHABET) for _ in range(10))


def _feed_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FEED_LOCK_KEY])


def _record_change(*, kind: str, beneficiary: Beneficiary, appointment: Appointment | None, payload: dict) -> None:
    _feed_lock()
    ChangeRecord.objects.create(
        kind=kind, reference_id=beneficiary.reference_id,
        appointment_id=appointment.appointment_id if appointment else None, payload=payload,
    )


def record_changes(changes: list[tuple[str, Beneficiary, Appointment | None, dict]]) -> None:
    """Several change-feed rows of one transaction, in the order given: one lock, one INSERT
    (ids are allocated in row order, so the feed keeps that order)."""
    _feed_lock()
    ChangeRecord.objects.bulk_create([
        ChangeRecord(kind=kind, reference_id=beneficiary.reference_id,
                     appointment_id=appointment.appointment_id if appointment else None, payload=payload)
        for kind, beneficiary, appointment, payload in changes])


def _sms_confirmation(appointment: Appointment, *, kind: str) -> None:
    mobile = appointment.beneficiary.mobile
    if not mobile:
        return
    session = appointment.session
    values = {"centre": session.centre.name, "date": session.date.strftime("%d-%m-%Y"),
              "slot": appointment.slot, "number": appointment.confirmation_number}
    if kind == "cancelled":
        body = _("Your vaccination appointment %(number)s is cancelled.") % values
    else:
        body = _("Vaccination appointment confirmed: %(centre)s, %(date)s, %(slot)s. Confirmation %(number)s.") % values
    outbox_enqueue(channel="sms", recipient=mobile, body=body, language=(get_language() or "en")[:2],
                   idempotency_key=f"booking:{appointment.appointment_id}:v{appointment.version}:{kind}")


def _take_seat(session_pk: int, dose: int) -> bool:
    booked, capacity = f"booked_dose{dose}", f"capacity_dose{dose}"
    return Session.objects.filter(pk=session_pk, **{f"{booked}__lt": F(capacity)}).update(
        **{booked: F(booked) + 1}) == 1


def _release_seat(session_pk: int, dose: int) -> None:
    booked = f"booked_dose{dose}"
    Session.objects.filter(pk=session_pk, **{f"{booked}__gt": 0}).update(**{booked: F(booked) - 1})


_PRECHECK_SQL = """
SELECT a.dose, a.session_id, t.id, t.capacity_dose1 - t.booked_dose1, t.capacity_dose2 - t.booked_dose2, b.mobile
  FROM bookings_appointment a
  JOIN bookings_beneficiary b ON b.id = a.beneficiary_id
  CROSS JOIN bookings_session t
 WHERE a.appointment_id = %s AND t.session_id = %s
"""


def _full_dose(appointment_id: uuid.UUID, session_id: uuid.UUID, actor: BookingActor) -> int | None:
    """An unlocked look, before any lock or transaction work: is the target already full for
    this appointment's dose? Under a rush on one session almost every request ends here.
    Only for a caller who may see the appointment anyway (its citizen, or the desk), so the
    answer reveals nothing. The conditional UPDATE stays the real guard."""
    if not (actor.is_citizen or is_desk(actor.user)):
        return None
    field = Appointment._meta.get_field("appointment_id")
    with connection.cursor() as cursor:
        cursor.execute(_PRECHECK_SQL, [field.get_db_prep_value(appointment_id, connection),
                                       field.get_db_prep_value(session_id, connection)])
        row = cursor.fetchone()
    if row is None or (actor.is_citizen and row[5] != actor.mobile):
        return None
    dose, current, target, free1, free2 = row[:5]
    return dose if current != target and (free1 if dose == 1 else free2) <= 0 else None


def _session_full(dose: int) -> rules.SessionFull:
    return rules.SessionFull(_("This session is fully booked for dose %(dose)s. Your booking is unchanged.")
                             % {"dose": dose})


def _lock_appointment(appointment_id: uuid.UUID, actor: BookingActor, expected_version: int | None) -> Appointment:
    """The appointment, locked, if `actor` may act on it; otherwise the one not-found."""
    try:
        appointment = (Appointment.objects.select_for_update(of=("self",))
                       .select_related("session__centre", "beneficiary").get(appointment_id=appointment_id))
    except Appointment.DoesNotExist:
        appointment = None
    if appointment is None or not _may_act(actor, appointment):
        raise rules.not_found()
    if expected_version is not None and expected_version != appointment.version:
        raise StaleVersion(_("This appointment was changed meanwhile; reload and try again."),
                           current_version=appointment.version)
    return appointment


def _may_act_on_beneficiary(actor: BookingActor, beneficiary: Beneficiary) -> bool:
    if actor.is_citizen:
        return bool(actor.mobile) and beneficiary.mobile == actor.mobile
    if is_desk(actor.user):
        return True
    if is_district_official(actor.user):
        return beneficiary.district_id == actor.user.district_id
    return False


def _may_act(actor: BookingActor, appointment: Appointment) -> bool:
    if actor.is_citizen:
        return bool(actor.mobile) and appointment.beneficiary.mobile == actor.mobile
    if is_desk(actor.user):
        return True
    if is_district_official(actor.user):
        return appointment.session.centre.district_id == actor.user.district_id
    return False


def _event(appointment: Appointment, kind: str, actor: BookingActor, **fields) -> AppointmentEvent:
    return AppointmentEvent.objects.create(
        appointment=appointment, kind=kind, actor=actor.user, actor_label=actor.label,
        confirmation_number=appointment.confirmation_number, **fields)


def appointment_rebook(
    *, appointment_id: uuid.UUID, session_id: uuid.UUID, slot: str, actor: BookingActor,
    expected_version: int | None = None, reason: str = "", today: dt.date | None = None,
) -> Appointment:
    """Move a booked appointment to another session and slot (DOMAIN.md §8).

    Locks the current and the target session rows (primary-key order), then the appointment row,
    then changes the two seat counts by conditional UPDATEs: if the target has no seat for this
    dose, SessionFull (APPOIN0040) is
    raised and the transaction rolls back, so the old booking stays exactly as it was. Issues a
    new confirmation number, bumps the version, appends an event and a change-feed row.
    Before the transaction, one unlocked read refuses a target that is already full (the rush
    case) without taking any lock. On commit: an SMS confirmation to the beneficiary's mobile
    (outbox)."""
    full = _full_dose(appointment_id, session_id, actor)
    if full is not None:
        raise _session_full(full)
    with transaction.atomic():
        return _rebook(appointment_id=appointment_id, session_id=session_id, slot=slot, actor=actor,
                       expected_version=expected_version, reason=reason, today=today or today_ist())


def _lock_sessions(*, appointment_id: uuid.UUID, target_session_id: uuid.UUID | None = None) -> tuple[int | None, dict]:
    """Lock order step 1: the appointment's current session (peeked without a lock) and the
    target, FOR UPDATE in primary-key order. Returns (peeked session pk, {session_id: Session})."""
    peek = Appointment.objects.filter(appointment_id=appointment_id).values_list("session_id", flat=True).first()
    condition = Q(pk=peek) if peek is not None else Q(pk__in=[])
    if target_session_id is not None:
        condition |= Q(session_id=target_session_id)
    sessions = list(Session.objects.select_for_update(of=("self",)).select_related("centre")
                    .filter(condition).order_by("pk"))
    return peek, {session.session_id: session for session in sessions}


def _check_not_moved(appointment: Appointment, peek: int | None) -> None:
    if appointment.session_id != peek:
        raise StaleVersion(_("This appointment was changed meanwhile; reload and try again."),
                           current_version=appointment.version)


def _rebook(*, appointment_id, session_id, slot, actor, expected_version, reason, today) -> Appointment:
    peek, locked = _lock_sessions(appointment_id=appointment_id, target_session_id=session_id)
    appointment = _lock_appointment(appointment_id, actor, expected_version)
    _check_not_moved(appointment, peek)
    rules.check_booked(appointment)
    if actor.is_citizen:
        rules.check_citizen_cutoff(appointment, today=today)
        rules.check_reschedule_limit(appointment)
    else:
        reason = rules.check_reason(reason)
        rules.check_not_past(appointment, today=today)
    target = locked.get(session_id)
    if target is None:
        raise rules.session_not_found()
    rules.check_published(target)
    rules.check_target_window(target, today=today)
    rules.check_slot(target, slot)
    rules.check_not_same(appointment, target, slot)
    rules.check_eligibility(appointment.beneficiary, target, appointment.dose)

    old_session, old_slot = appointment.session, appointment.slot
    if target.pk != old_session.pk:
        for pk in sorted((target.pk, old_session.pk)):
            if pk == target.pk:
                if not _take_seat(target.pk, appointment.dose):
                    raise _session_full(appointment.dose)
            else:
                _release_seat(old_session.pk, appointment.dose)
    appointment.session = target
    appointment.slot = slot
    appointment.reschedule_count += 1
    appointment.confirmation_number = new_confirmation_number()
    appointment.version += 1
    appointment.save(update_fields=["session", "slot", "reschedule_count", "confirmation_number", "version", "updated_at"])
    _event(appointment, AppointmentEvent.Kind.RESCHEDULED, actor, reason=reason, from_session=old_session,
           to_session=target, from_slot=old_slot, to_slot=slot)
    _record_change(kind="appointment.rescheduled", beneficiary=appointment.beneficiary, appointment=appointment,
                   payload={"session_id": str(target.session_id), "from_session_id": str(old_session.session_id),
                            "slot": slot, "dose": appointment.dose, "date": target.date.isoformat(),
                            "center_id": target.centre.center_id,
                            "confirmation_number": appointment.confirmation_number,
                            "by": "citizen" if actor.is_citizen else "helpdesk"})
    _sms_confirmation(appointment, kind="rescheduled")
    return appointment


@transaction.atomic
def appointment_cancel(
    *, appointment_id: uuid.UUID, actor: BookingActor, expected_version: int | None = None,
    reason: str = "", today: dt.date | None = None,
) -> Appointment:
    """Cancel a booked appointment and release its seat. Same locks and cutoffs as rebooking.
    On commit: an SMS to the beneficiary (outbox)."""
    today = today or today_ist()
    peek, _locked = _lock_sessions(appointment_id=appointment_id)
    appointment = _lock_appointment(appointment_id, actor, expected_version)
    _check_not_moved(appointment, peek)
    rules.check_booked(appointment)
    if actor.is_citizen:
        rules.check_citizen_cutoff(appointment, today=today)
    else:
        reason = rules.check_reason(reason)
        rules.check_not_past(appointment, today=today)
    _release_seat(appointment.session_id, appointment.dose)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.version += 1
    appointment.save(update_fields=["status", "version", "updated_at"])
    _event(appointment, AppointmentEvent.Kind.CANCELLED, actor, reason=reason, from_session=appointment.session,
           from_slot=appointment.slot)
    _record_change(kind="appointment.cancelled", beneficiary=appointment.beneficiary, appointment=appointment,
                   payload={"session_id": str(appointment.session.session_id), "dose": appointment.dose,
                            "by": "citizen" if actor.is_citizen else "helpdesk"})
    _sms_confirmation(appointment, kind="cancelled")
    return appointment


def _new_reference_id() -> str:
    """Helpdesk-issued reference ids start 99 (the portal's never do in this replica)."""
    while True:
        candidate = "99" + "".join(secrets.choice("0123456789") for _ in range(12))
        if not Beneficiary.objects.filter(reference_id=candidate).exists():
            return candidate


# Shared with bookings.offline: the same seat counter, reference ids and change feed, taken in
# the same lock order.
record_change = _record_change
take_seat = _take_seat
new_reference_id = _new_reference_id


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


def appointments_expire(*, today: dt.date | None = None, batch: int = 1000) -> int:
    """Mark booked appointments whose day has passed as expired (each with an event and a change
    row), so the beneficiary may book that dose again. Rows are locked with SKIP LOCKED in
    batches, so two runs never fight. Seats are not released: the day is over. Returns the count."""
    today = today or today_ist()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(Appointment.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("beneficiary", "session")
                        .filter(status=AppointmentStatus.BOOKED, session__date__lt=today).order_by("pk")[:batch])
            if not rows:
                return done
            for appointment in rows:
                appointment.status = AppointmentStatus.EXPIRED
                appointment.version += 1
                appointment.save(update_fields=["status", "version", "updated_at"])
                AppointmentEvent.objects.create(appointment=appointment, kind=AppointmentEvent.Kind.EXPIRED,
                                                actor_label="system", from_session=appointment.session,
                                                from_slot=appointment.slot,
                                                confirmation_number=appointment.confirmation_number)
                _record_change(kind="appointment.expired", beneficiary=appointment.beneficiary,
                               appointment=appointment, payload={"session_id": str(appointment.session.session_id)})
            done += len(rows)


def otp_purge(*, older_than: dt.timedelta | None = None) -> int:
    """Delete OTP transactions and citizen tokens that expired more than `older_than` ago
    (default OTP_RETENTION_HOURS)."""
    from django.utils import timezone

    older_than = older_than if older_than is not None else dt.timedelta(hours=settings.OTP_RETENTION_HOURS)
    cutoff = timezone.now() - older_than
    removed, _ = OtpTransaction.objects.filter(expires_at__lt=cutoff).delete()
    tokens, _ = CitizenToken.objects.filter(expires_at__lt=cutoff).delete()
    return removed + tokens
