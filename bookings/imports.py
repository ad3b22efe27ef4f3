"""The portal replica: import centres, sessions, beneficiaries and appointments from files in
CoWIN's JSON shape or CSV, or from the portal's API (bookings.portal), row by row.

Each row is validated strictly and written in its own savepoint: a bad row is refused with a
reason and never stops the run. Re-importing the same file is idempotent (upserts keyed by the
portal's ids: center_id, session_id, reference id, appointment_id). An ImportRun row carries the
progress (processed/total) and the summary (accepted, refused with reasons) shown on the
supervisor's page. Imported seats are taken by the same conditional UPDATE as bookings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import District
from helpdesk import validation
from helpdesk.exceptions import DomainError, InvalidInput
from helpdesk.queue import enqueue_on_commit

from .cowin import clear_local_cache
from .models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Beneficiary,
    Centre,
    Channel,
    FeeType,
    ImportRun,
    Session,
    Vaccine,
)
from .services import new_confirmation_number

KINDS = ("centres", "sessions", "beneficiaries", "appointments")
MAX_REFUSALS_KEPT = 500
_TIME_RE = re.compile(r"^([0-9]{2}):([0-9]{2})(:[0-9]{2})?$")
_INT_RE = re.compile(r"^-?[0-9]{1,9}$")


class RowError(Exception):
    """A row is refused; the message is the reason shown in the summary."""


# --- parsing of the file into row dicts ---------------------------------------------------------
def parse_rows(*, kind: str, raw: bytes | str, fmt: str) -> list[dict]:
    """Rows of a file. JSON: CoWIN's shapes ({"centers": [...]} with nested sessions,
    {"sessions": [...]}, {"beneficiaries": [...]} with nested appointments, {"appointments": [...]}) or
    a plain list. CSV: one row per line with a header (see README)."""
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    if fmt == "csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(text))]
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RowError(f"not valid JSON: {exc}") from None
    if isinstance(data, list):
        return [row for row in data]
    if not isinstance(data, dict):
        raise RowError("JSON must be an object or a list")
    top_district = data.get("district_id")
    for key in ("centers", "centres", "sessions", "beneficiaries", "appointments"):
        if key in data and isinstance(data[key], list):
            rows = data[key]
            if top_district is not None:
                rows = [{"district_id": top_district, **row} if isinstance(row, dict) else row for row in rows]
            return rows
    raise RowError("no centers, sessions, beneficiaries or appointments list found")


# --- field parsers --------------------------------------------------------------------------------
def _str(row: dict, *names: str, required: bool = True, max_len: int = 300) -> str:
    for name in names:
        value = row.get(name)
        if value not in (None, ""):
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise RowError(f"{name} must be text")
            value = str(value).strip()
            if len(value) > max_len:
                raise RowError(f"{name} is too long")
            return value
    if required:
        raise RowError(f"{names[0]} is missing")
    return ""


def _int(row: dict, name: str, *, required: bool = True, minimum: int = 0, maximum: int = 10**9) -> int | None:
    value = row.get(name)
    if value in (None, ""):
        if required:
            raise RowError(f"{name} is missing")
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and _INT_RE.match(value.strip()))):
        raise RowError(f"{name} must be a whole number")
    number = int(value)
    if not minimum <= number <= maximum:
        raise RowError(f"{name} out of range")
    return number


def _date(row: dict, name: str, *, required: bool = True) -> dt.date | None:
    value = _str(row, name, required=required, max_len=10)
    if not value:
        return None
    try:
        return validation.cowin_date(value) if value[2:3] == "-" else validation.iso_date(value)
    except DomainError:
        raise RowError(f"{name}: not a date (dd-mm-yyyy or yyyy-mm-dd)") from None


def _time(value: str, name: str) -> dt.time:
    match = _TIME_RE.match(value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise RowError(f"{name}: not a time (HH:MM)")
    return dt.time(int(match.group(1)), int(match.group(2)))


_districts_cache: dict[int, District] = {}


def _district(row: dict) -> District:
    cowin_id = _int(row, "district_id", minimum=1, maximum=9999)
    if cowin_id not in _districts_cache:
        district = District.objects.filter(cowin_id=cowin_id).first()
        if district is None:
            raise RowError(f"unknown district_id {cowin_id}")
        _districts_cache[cowin_id] = district
    return _districts_cache[cowin_id]


def _uuid(row: dict, name: str):
    try:
        return validation.uuid_value(_str(row, name, max_len=36), name)
    except DomainError:
        raise RowError(f"{name} is not a UUID") from None


def _slots(value: Any) -> list[str]:
    slots = value if isinstance(value, list) else [s for s in str(value or "").split(";") if s.strip()]
    cleaned = []
    for slot in slots:
        if not isinstance(slot, str) or not re.match(r"^[0-9]{2}:[0-9]{2}(AM|PM)-[0-9]{2}:[0-9]{2}(AM|PM)$", slot.strip()):
            raise RowError(f"bad slot {slot!r}")
        cleaned.append(slot.strip())
    return cleaned


# --- one row of each kind ---------------------------------------------------------------------------
def import_centre(row: dict) -> None:
    center_id = _int(row, "center_id", minimum=1)
    pincode = _str(row, "pincode", max_len=6)
    if not re.match(r"^49[0-9]{4}$", pincode):
        raise RowError("pincode must be 6 digits starting 49")
    fee_type = _str(row, "fee_type", required=False, max_len=4) or FeeType.FREE
    if fee_type not in FeeType.values:
        raise RowError("fee_type must be Free or Paid")
    open_from = _time(_str(row, "from", "open_from", required=False, max_len=8) or "09:00", "from")
    open_to = _time(_str(row, "to", "open_to", required=False, max_len=8) or "17:00", "to")
    if open_from >= open_to:
        raise RowError("from must be before to")
    Centre.objects.update_or_create(center_id=center_id, defaults={
        "name": _str(row, "name", max_len=200), "address": _str(row, "address", required=False),
        "district": _district(row), "block_name": _str(row, "block_name", required=False, max_len=100),
        "pincode": pincode, "lat": float(row.get("lat") or 0) if _is_number(row.get("lat")) else 0.0,
        "long": float(row.get("long") or 0) if _is_number(row.get("long")) else 0.0,
        "open_from": open_from, "open_to": open_to, "fee_type": fee_type})
    for session in row.get("sessions") or []:
        if not isinstance(session, dict):
            raise RowError("sessions must be objects")
        import_session({**session, "center_id": center_id})


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(re.match(r"^-?[0-9]{1,3}(\.[0-9]{1,8})?$", value.strip()))


def import_session(row: dict) -> None:
    session_id = _uuid(row, "session_id")
    centre = Centre.objects.filter(center_id=_int(row, "center_id", minimum=1)).first()
    if centre is None:
        raise RowError("unknown center_id (import the centre first)")
    vaccine = _str(row, "vaccine", max_len=12).upper()
    if vaccine not in Vaccine.values:
        raise RowError("vaccine must be COVISHIELD or COVAXIN")
    min_age = _int(row, "min_age_limit")
    if min_age not in (18, 45):
        raise RowError("min_age_limit must be 18 or 45")
    max_age = _int(row, "max_age_limit", required=False, maximum=130)
    if max_age is not None and max_age < min_age:
        raise RowError("max_age_limit below min_age_limit")
    # CoWIN publishes what is still free; the replica keeps capacity = free + booked here.
    free1 = _int(row, "capacity_dose1", required=False)
    free1 = free1 if free1 is not None else _int(row, "available_capacity_dose1")
    free2 = _int(row, "capacity_dose2", required=False)
    free2 = free2 if free2 is not None else _int(row, "available_capacity_dose2")
    is_capacity = row.get("capacity_dose1") not in (None, "")
    published = str(row.get("published", "true")).strip().lower() not in ("false", "0", "no")
    fields = {"centre": centre, "date": _date(row, "date"), "vaccine": vaccine, "min_age_limit": min_age,
              "max_age_limit": max_age, "slots": _slots(row.get("slots")), "published": published}
    session = Session.objects.select_for_update().filter(session_id=session_id).first()
    if session is None:
        Session.objects.create(session_id=session_id, capacity_dose1=free1, capacity_dose2=free2, **fields)
        return
    cap1 = free1 if is_capacity else free1 + session.booked_dose1
    cap2 = free2 if is_capacity else free2 + session.booked_dose2
    if cap1 < session.booked_dose1 or cap2 < session.booked_dose2:
        raise RowError("capacity below the seats already booked in the helpdesk")
    for name, value in fields.items():
        setattr(session, name, value)
    session.capacity_dose1, session.capacity_dose2 = cap1, cap2
    session.save()


_GENDERS = {"m": "M", "male": "M", "f": "F", "female": "F", "o": "O", "other": "O", "others": "O"}


def import_beneficiary(row: dict) -> None:
    try:
        reference_id = validation.reference_id(_str(row, "beneficiary_reference_id", "reference_id", max_len=14))
    except DomainError:
        raise RowError("reference id must be exactly 14 digits") from None
    gender = _GENDERS.get(_str(row, "gender", max_len=10).lower())
    if gender is None:
        raise RowError("gender must be Male, Female or Other")
    mobile_raw = _str(row, "mobile", "mobile_number", required=False, max_len=20)
    mobile = None
    if mobile_raw:
        try:
            mobile = validation.mobile(mobile_raw)
        except DomainError:
            raise RowError("mobile must be 10 digits starting 6-9") from None
    dose1_vaccine = _str(row, "dose1_vaccine", "vaccine", required=False, max_len=12).upper()
    dose1_date = _date(row, "dose1_date", required=False)
    if dose1_date and not dose1_vaccine:
        raise RowError("dose1_date without the dose 1 vaccine")
    if not dose1_date:
        dose1_vaccine = ""  # CoWIN may name the vaccine before dose 1 is given
    if dose1_vaccine and dose1_vaccine not in Vaccine.values:
        raise RowError("vaccine must be COVISHIELD or COVAXIN")
    birth_year = _int(row, "birth_year", minimum=1900, maximum=timezone.now().year)
    existing = Beneficiary.objects.select_for_update().filter(reference_id=reference_id).first()
    mobile_slot = existing.mobile_slot if existing is not None and existing.mobile == mobile else None
    if mobile and mobile_slot is None:
        taken = set(Beneficiary.objects.select_for_update().filter(mobile=mobile).values_list("mobile_slot", flat=True))
        free = [n for n in (1, 2, 3, 4) if n not in taken]
        if not free:
            raise RowError("this mobile already holds 4 registrations")
        mobile_slot = free[0]
    Beneficiary.objects.update_or_create(reference_id=reference_id, defaults={
        "name": _str(row, "name", max_len=200), "birth_year": birth_year, "gender": gender, "mobile": mobile,
        "mobile_slot": mobile_slot, "district": _district(row), "dose1_vaccine": dose1_vaccine,
        "dose1_date": dose1_date})
    for appointment in row.get("appointments") or []:
        if not isinstance(appointment, dict):
            raise RowError("appointments must be objects")
        import_appointment({**appointment, "beneficiary_reference_id": reference_id})


def import_appointment(row: dict) -> None:
    appointment_id = _uuid(row, "appointment_id")
    beneficiary = Beneficiary.objects.filter(
        reference_id=_str(row, "beneficiary_reference_id", "reference_id", max_len=14)).first()
    if beneficiary is None:
        raise RowError("unknown beneficiary reference id (import the beneficiary first)")
    session = Session.objects.filter(session_id=_uuid(row, "session_id")).first()
    if session is None:
        raise RowError("unknown session_id (import the session first)")
    dose = _int(row, "dose", minimum=1, maximum=2)
    slot = _str(row, "slot", max_len=20)
    if slot not in session.slots:
        raise RowError("slot not offered by the session")
    status = _str(row, "status", required=False, max_len=12).lower() or AppointmentStatus.BOOKED
    if status not in AppointmentStatus.values:
        raise RowError("unknown status")
    if Appointment.objects.filter(appointment_id=appointment_id).exists():
        return  # the replica already has it; the helpdesk's own changes win until reconciled
    if status == AppointmentStatus.BOOKED:
        booked, capacity = f"booked_dose{dose}", f"capacity_dose{dose}"
        if not Session.objects.filter(pk=session.pk, **{f"{booked}__lt": F(capacity)}).update(**{booked: F(booked) + 1}):
            raise RowError("session full for this dose")
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                appointment_id=appointment_id, beneficiary=beneficiary, session=session, slot=slot, dose=dose,
                status=status, channel=Channel.PORTAL, confirmation_number=new_confirmation_number())
    except IntegrityError:
        raise RowError("the beneficiary already has an active appointment for this dose") from None
    AppointmentEvent.objects.create(appointment=appointment, kind=AppointmentEvent.Kind.IMPORTED, actor_label="import",
                                    to_session=session, to_slot=slot,
                                    confirmation_number=appointment.confirmation_number)


ROW_IMPORTERS: dict[str, Callable[[dict], None]] = {
    "centres": import_centre, "sessions": import_session,
    "beneficiaries": import_beneficiary, "appointments": import_appointment,
}


# --- runs ----------------------------------------------------------------------------------------
def import_start(*, kind: str, filename: str, raw: bytes, user=None) -> ImportRun:
    """Record an upload and queue its processing (a Celery task, on commit)."""

    if kind not in KINDS:
        raise InvalidInput("kind is one of: " + ", ".join(KINDS), code="invalid_kind", field="kind")
    fmt = "csv" if filename.lower().endswith(".csv") else "json"
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file must be UTF-8 text.", code="invalid_file", field="file") from None
    with transaction.atomic():
        run = ImportRun.objects.create(kind=kind, source=filename[:200], fmt=fmt, content=content, created_by=user)
        enqueue_on_commit("bookings.tasks.run_import", run.pk)
    return run


def import_process(run_id: int, *, rows: Iterable[dict] | None = None) -> ImportRun:
    """Process one run (idempotent: a finished run is left alone). Progress saved every 100 rows."""
    run = ImportRun.objects.get(pk=run_id)
    if run.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED):
        return run
    importer = ROW_IMPORTERS[run.kind]
    try:
        row_list = list(rows) if rows is not None else parse_rows(kind=run.kind, raw=run.content, fmt=run.fmt)
    except RowError as exc:
        run.status, run.finished_at = ImportRun.Status.FAILED, timezone.now()
        run.refusals = [{"row": 0, "reason": str(exc)}]
        run.save()
        return run
    _districts_cache.clear()
    run.status, run.total, run.processed, run.accepted, run.refused, run.refusals = (
        ImportRun.Status.RUNNING, len(row_list), 0, 0, 0, [])
    run.save()
    for number, row in enumerate(row_list, start=1):
        try:
            if not isinstance(row, dict):
                raise RowError("a row must be an object")
            with transaction.atomic():
                importer(row)
            run.accepted += 1
        except RowError as exc:
            _refuse(run, number, str(exc))
        except (IntegrityError, DomainError, ValueError, TypeError) as exc:
            _refuse(run, number, f"rejected by the database: {str(exc).splitlines()[0][:200]}")
        run.processed = number
        if number % 100 == 0:
            run.save(update_fields=["processed", "accepted", "refused", "refusals", "total", "status"])
    run.status, run.finished_at, run.content = ImportRun.Status.DONE, timezone.now(), ""
    run.save()

    clear_local_cache()
    return run


def _refuse(run: ImportRun, number: int, reason: str) -> None:
    run.refused += 1
    if len(run.refusals) < MAX_REFUSALS_KEPT:
        run.refusals.append({"row": number, "reason": reason})
