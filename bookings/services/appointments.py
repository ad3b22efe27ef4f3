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

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_desk, is_district_official
from helpdesk.exceptions import StaleVersion
from helpdesk.validation import today_ist
from notifications.outbox import outbox_enqueue

from .. import rules
from ..models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Beneficiary,
    ChangeRecord,
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

