"""Reads: what a citizen, an agent or a district official may see, as plain dicts (the hot paths
return them as JSON without serializers). Personal data leaves masked unless said otherwise."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Prefetch, QuerySet

from accounts.models import District
from accounts.permissions import scope_by_district
from helpdesk.validation import today_ist

from .models import (
    Appointment,
    AppointmentEvent,
    Beneficiary,
    ChangeRecord,
    CitizenToken,
    Session,
    mask_mobile,
    mask_name,
)


def session_dict(session: Session) -> dict:
    centre = session.centre
    return {
        "session_id": str(session.session_id), "date": session.date.strftime("%d-%m-%Y"),
        "center_id": centre.center_id, "name": centre.name, "address": centre.address,
        "district_name": centre.district.name_en,
        "block_name": centre.block_name, "pincode": centre.pincode, "vaccine": session.vaccine,
        "min_age_limit": session.min_age_limit, "max_age_limit": session.max_age_limit,
        "available_capacity_dose1": session.available_dose1, "available_capacity_dose2": session.available_dose2,
        "slots": session.slots, "version": session.version, "published": session.published,
    }


def appointment_dict(appointment: Appointment) -> dict:
    session = appointment.session
    centre = session.centre
    return {
        "appointment_id": str(appointment.appointment_id), "status": appointment.status, "dose": appointment.dose,
        "slot": appointment.slot, "confirmation_number": appointment.confirmation_number,
        "reschedule_count": appointment.reschedule_count, "version": appointment.version,
        "channel": appointment.channel,
        "session_id": str(session.session_id), "date": session.date.strftime("%d-%m-%Y"),
        "vaccine": session.vaccine, "center_id": centre.center_id, "center_name": centre.name,
        "address": centre.address, "pincode": centre.pincode,
    }


def beneficiary_dict(beneficiary: Beneficiary, *, masked: bool = True) -> dict:
    return {
        "reference_id": beneficiary.reference_id,
        "name": mask_name(beneficiary.name) if masked else beneficiary.name,
        "birth_year": beneficiary.birth_year, "gender": beneficiary.gender,
        "mobile": mask_mobile(beneficiary.mobile), "channel": beneficiary.channel,
        "dose1_vaccine": beneficiary.dose1_vaccine,
        "dose1_date": beneficiary.dose1_date.strftime("%d-%m-%Y") if beneficiary.dose1_date else None,
        "appointments": [appointment_dict(a) for a in beneficiary.appointments.all()],
    }


def _appointments_prefetch() -> Prefetch:
    return Prefetch("appointments", queryset=Appointment.objects.select_related("session__centre")
                    .order_by("dose", "-created_at"))


def beneficiaries_for_mobile(mobile: str) -> list[Beneficiary]:
    """A citizen's beneficiaries (at most 4) with their appointments: two queries."""
    return list(Beneficiary.objects.filter(mobile=mobile).order_by("mobile_slot", "reference_id")
                .prefetch_related(_appointments_prefetch()))


_CITIZEN_FIELDS = (
    "pk", "reference_id", "name", "birth_year", "gender", "mobile", "channel", "dose1_vaccine", "dose1_date",
    "appointments__appointment_id", "appointments__status", "appointments__dose", "appointments__slot",
    "appointments__confirmation_number", "appointments__reschedule_count", "appointments__version",
    "appointments__channel", "appointments__session__session_id", "appointments__session__date",
    "appointments__session__vaccine", "appointments__session__centre__center_id",
    "appointments__session__centre__name", "appointments__session__centre__address",
    "appointments__session__centre__pincode", "appointments__created_at",
)


def citizen_payload(mobile: str) -> list[dict]:
    """What beneficiary_dict gives for each beneficiary of `mobile` (masked), in ONE query
    (beneficiaries LEFT JOIN appointments, sessions, centres): the citizens' hot path."""
    rows = (Beneficiary.objects.filter(mobile=mobile)
            .order_by("mobile_slot", "reference_id", "appointments__dose", "-appointments__created_at")
            .values_list(*_CITIZEN_FIELDS))
    return _people(rows)


_CITIZEN_SQL = """
SELECT b.id, b.reference_id, b.name, b.birth_year, b.gender, b.mobile, b.channel, b.dose1_vaccine, b.dose1_date,
       a.appointment_id, a.status, a.dose, a.slot, a.confirmation_number, a.reschedule_count, a.version,
       a.channel, s.session_id, s.date, s.vaccine, c.center_id, c.name, c.address, c.pincode
  FROM bookings_citizentoken t
  LEFT JOIN bookings_beneficiary b ON b.mobile = t.mobile
  LEFT JOIN bookings_appointment a ON a.beneficiary_id = b.id
  LEFT JOIN bookings_session s ON s.id = a.session_id
  LEFT JOIN bookings_centre c ON c.id = s.centre_id
 WHERE t.token_hash = %s AND NOT t.revoked AND t.expires_at > %s
 ORDER BY b.mobile_slot, b.reference_id, a.dose, a.created_at DESC
"""


def citizen_payload_for_token(token_hash: str, now) -> list[dict] | None:
    """citizen_payload for the mobile behind a live token, token check included: ONE round trip,
    no ORM compilation (the citizens' hot path). None when the token is unknown, expired or
    revoked."""
    from django.db import connection

    if connection.vendor != "postgresql":  # the embedded default: the ORM's two queries

        token = CitizenToken.objects.filter(token_hash=token_hash, revoked=False, expires_at__gt=now).first()
        return None if token is None else citizen_payload(token.mobile)
    with connection.cursor() as cursor:
        cursor.execute(_CITIZEN_SQL, [token_hash, now])
        rows = cursor.fetchall()
    if not rows:
        return None
    return _people(rows) if rows[0][0] is not None else []


def _people(rows) -> list[dict]:
    people: dict[int, dict] = {}
    for row in rows:
        person = people.get(row[0])
        if person is None:
            person = people[row[0]] = {
                "reference_id": row[1], "name": mask_name(row[2]), "birth_year": row[3], "gender": row[4],
                "mobile": mask_mobile(row[5]), "channel": row[6], "dose1_vaccine": row[7],
                "dose1_date": row[8].strftime("%d-%m-%Y") if row[8] else None, "appointments": []}
        if row[9] is not None:
            person["appointments"].append({
                "appointment_id": str(row[9]), "status": row[10], "dose": row[11], "slot": row[12],
                "confirmation_number": row[13], "reschedule_count": row[14], "version": row[15],
                "channel": row[16], "session_id": str(row[17]), "date": row[18].strftime("%d-%m-%Y"),
                "vaccine": row[19], "center_id": row[20], "center_name": row[21], "address": row[22],
                "pincode": row[23]})
    return list(people.values())


def beneficiaries_with_appointments(beneficiaries: list[Beneficiary]) -> list[Beneficiary]:
    return list(Beneficiary.objects.filter(pk__in=[b.pk for b in beneficiaries]).order_by("reference_id")
                .prefetch_related(_appointments_prefetch()))


def session_by_id(session_id: uuid.UUID) -> Session | None:
    return Session.objects.select_related("centre__district").filter(session_id=session_id).first()


def appointment_for_citizen(*, appointment_id: uuid.UUID, mobile: str) -> Appointment | None:
    return (Appointment.objects.select_related("session__centre", "beneficiary")
            .filter(appointment_id=appointment_id, beneficiary__mobile=mobile).first())


def appointment_for_staff(*, appointment_id: uuid.UUID, user) -> Appointment | None:
    queryset = scope_by_district(user, Appointment.objects.select_related("session__centre", "beneficiary"),
                                 field="session__centre__district")
    return queryset.filter(appointment_id=appointment_id).first()


def appointment_for_staff_unscoped(appointment_id: uuid.UUID) -> Appointment:
    """Re-read after a service call that already checked the caller's right to it."""
    return Appointment.objects.select_related("session__centre").get(appointment_id=appointment_id)


def appointment_history(appointment: Appointment) -> list[dict]:
    events = (AppointmentEvent.objects.filter(appointment=appointment)
              .select_related("actor", "from_session__centre", "to_session__centre").order_by("created_at", "id"))
    return [{
        "kind": event.kind, "at": event.created_at.isoformat(),
        "by": event.actor.username if event.actor else event.actor_label,
        "reason": event.reason, "confirmation_number": event.confirmation_number,
        "from": _where(event.from_session, event.from_slot), "to": _where(event.to_session, event.to_slot),
    } for event in events]


def _where(session: Session | None, slot: str) -> str:
    if session is None:
        return ""
    return f"{session.centre.name}, {session.date:%d-%m-%Y} {slot}".strip()


def sessions_open(*, district: District | None = None, pincode: str | None = None, start: dt.date | None = None,
                  days: int = 7) -> QuerySet[Session]:
    """Published sessions in a district or PIN for `days` days from `start` (default tomorrow)."""
    start = start or today_ist() + dt.timedelta(days=1)
    queryset = Session.objects.filter(published=True, date__gte=start, date__lt=start + dt.timedelta(days=days))
    if district is not None:
        queryset = queryset.filter(centre__district=district)
    if pincode is not None:
        queryset = queryset.filter(centre__pincode=pincode)
    return queryset.select_related("centre__district").order_by("date", "centre__center_id")


def sessions_for_staff(user) -> QuerySet[Session]:
    return scope_by_district(user, Session.objects.select_related("centre__district"),
                             field="centre__district").order_by("date", "centre__center_id")


def changes_since(*, since: int, limit: int) -> list[dict]:
    rows = ChangeRecord.objects.filter(pk__gt=since).order_by("pk")[:limit]
    return [{"id": row.pk, "kind": row.kind, "reference_id": row.reference_id,
             "appointment_id": str(row.appointment_id) if row.appointment_id else None,
             "at": row.created_at.isoformat(), "data": row.payload} for row in rows]
