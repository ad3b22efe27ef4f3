"""Demo and benchmark data for bookings (`manage.py seed_demo [--size N]`). Idempotent.

size 0: a small demo set: 3 centres in each of Raipur, Durg, Bilaspur and Bastar, sessions for
today and the next 7 days, and demo citizens (README, "Registrations and bookings"):
  mobile 9876543210: Ramesh Kumar (12345678901234) and Sunita Devi (12345678901235), each booked;
  mobile 9876543211: Mohan Lal (12345678901236), dose 1 Covishield 90 days ago, dose 2 booked.
size N >= 1: N beneficiaries (4 per mobile), 1,000 centres across the 33 districts, a session per
centre per day for 7 days, a dose-1 appointment for 4 in 5 beneficiaries; written by COPY on
PostgreSQL (bulk INSERT elsewhere) with explicit ids, so 1,000,000 take a few minutes.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import District
from helpdesk.validation import today_ist

from .models import Appointment, AppointmentStatus, Beneficiary, Centre, Session
from .services import new_confirmation_number

NAMESPACE = uuid.UUID("6f1c9a52-7d0e-4c55-9a0e-2b4c1d7e9a10")
SLOTS = ["09:00AM-11:00AM", "11:00AM-01:00PM", "01:00PM-03:00PM", "03:00PM-05:00PM"]
DEMO_DISTRICTS = {109: ("492001", "Raipur"), 119: ("491001", "Durg"), 116: ("495001", "Bilaspur"),
                  113: ("494001", "Jagdalpur")}
DEMO_PEOPLE = [
    # reference id, name, birth year, gender, mobile, district, dose1 (vaccine, days ago), book dose
    ("12345678901234", "Ramesh Kumar", 1988, "M", "9876543210", 109, None, 1),
    ("12345678901235", "Sunita Devi", 1992, "F", "9876543210", 109, None, 1),
    ("12345678901236", "Mohan Lal", 1970, "M", "9876543211", 119, ("COVISHIELD", 90), 2),
    ("12345678901237", "Kamla Bai", 1965, "F", None, 113, None, 1),
]
BULK_CENTRE_BASE = 700_000
BULK_CENTRES = 1000
FIRST_NAMES = ["Ramesh", "Sunita", "Mohan", "Kamla", "Anil", "Geeta", "Suresh", "Lata", "Vijay", "Meena"]
LAST_NAMES = ["Sahu", "Verma", "Yadav", "Patel", "Netam", "Kashyap", "Dewangan", "Sinha", "Mandavi", "Tiwari"]


def session_uuid(center_id: int, date: dt.date, vaccine: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{center_id}:{date.isoformat()}:{vaccine}")


def seed(*, size: int, stdout) -> None:
    _seed_demo(stdout)
    if size >= 1:
        seed_bulk(size=size, stdout=stdout)


@transaction.atomic
def _seed_demo(stdout) -> None:
    today = today_ist()
    centres = []
    for cowin_id, (pincode, town) in DEMO_DISTRICTS.items():
        district = District.objects.get(cowin_id=cowin_id)
        for n in range(3):
            centre, _ = Centre.objects.get_or_create(center_id=cowin_id * 1000 + n + 1, defaults={
                "name": f"{['District Hospital', 'CHC', 'UPHC'][n]} {town}", "address": f"Ward {n + 3}, {town}",
                "district": district, "block_name": town, "pincode": pincode, "lat": 21.25, "long": 81.63,
                "fee_type": "Free"})
            centres.append(centre)
    for centre in centres:
        for offset in range(8):
            date = today + dt.timedelta(days=offset)
            for vaccine, min_age in (("COVISHIELD", 18), ("COVAXIN", 45)):
                Session.objects.get_or_create(session_id=session_uuid(centre.center_id, date, vaccine), defaults={
                    "centre": centre, "date": date, "vaccine": vaccine, "min_age_limit": min_age,
                    "capacity_dose1": 50, "capacity_dose2": 30, "slots": SLOTS})
    for reference_id, name, birth_year, gender, mobile, cowin_id, dose1, dose in DEMO_PEOPLE:
        district = District.objects.get(cowin_id=cowin_id)
        beneficiary = Beneficiary.objects.filter(reference_id=reference_id).first()
        if beneficiary is None:
            slot_no = None
            if mobile:
                slot_no = Beneficiary.objects.filter(mobile=mobile).count() + 1
            beneficiary = Beneficiary.objects.create(
                reference_id=reference_id, name=name, birth_year=birth_year, gender=gender, mobile=mobile,
                mobile_slot=slot_no, district=district,
                dose1_vaccine=dose1[0] if dose1 else "", dose1_date=today - dt.timedelta(days=dose1[1]) if dose1 else None)
        if Appointment.objects.filter(beneficiary=beneficiary, status=AppointmentStatus.BOOKED).exists():
            continue
        centre = Centre.objects.filter(district=district).order_by("center_id").first()
        session = Session.objects.get(session_id=session_uuid(centre.center_id, today + dt.timedelta(days=3), "COVISHIELD"))
        field, capacity = f"booked_dose{dose}", f"capacity_dose{dose}"
        if Session.objects.filter(pk=session.pk, **{f"{field}__lt": F(capacity)}).update(**{field: F(field) + 1}):
            Appointment.objects.create(beneficiary=beneficiary, session=session, slot=SLOTS[0], dose=dose,
                                       confirmation_number=new_confirmation_number())
    stdout.write("bookings demo: citizens 9876543210 (2 beneficiaries) and 9876543211; OTP in the server log")


# --- bulk ---------------------------------------------------------------------------------------
def _write(table: str, columns: list[str], rows) -> int:
    """COPY on PostgreSQL, batched INSERT elsewhere. Returns the number of rows."""
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count
    ops = connection.ops

    def adapt(value):
        if isinstance(value, dt.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.date):
            return ops.adapt_datefield_value(value)
        if isinstance(value, dt.time):
            return ops.adapt_timefield_value(value)
        return value

    rows = (tuple(adapt(value) for value in row) for row in rows)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _next_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _reset_sequence(model) -> None:
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _bulk_reference(i: int) -> str:
    return f"2{i:013d}"


def seed_bulk(*, size: int, stdout) -> None:
    """N beneficiaries, 1,000 centres, 7 days of sessions, appointments. Skips what exists:
    centres by center_id, sessions by (centre, date), beneficiaries if the N-th already exists."""
    started = time.monotonic()
    today = today_ist()
    now = timezone.now()
    districts = list(District.objects.order_by("pk"))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE bookings_centre, bookings_session, bookings_beneficiary, "
                               "bookings_appointment IN SHARE ROW EXCLUSIVE MODE")
        existing = set(Centre.objects.filter(center_id__gte=BULK_CENTRE_BASE,
                                             center_id__lt=BULK_CENTRE_BASE + BULK_CENTRES).values_list("center_id", flat=True))
        next_centre = _next_id(Centre)
        rows = []
        for n in range(BULK_CENTRES):
            center_id = BULK_CENTRE_BASE + n
            if center_id in existing:
                continue
            district = districts[n % len(districts)]
            rows.append((next_centre, center_id, f"Centre {n:04d} {district.name_en}", f"Block {n % 7 + 1}, {district.name_en}",
                         district.pk, f"Block {n % 7 + 1}", f"49{n % 10000:04d}", 21.0, 81.0,
                         dt.time(9), dt.time(17), "Free" if n % 10 else "Paid"))
            next_centre += 1
        _write("bookings_centre", ["id", "center_id", "name", "address", "district_id", "block_name", "pincode", "lat",
                                   "long", "open_from", "open_to", "fee_type"], rows)
        _reset_sequence(Centre)
        centres = list(Centre.objects.filter(center_id__gte=BULK_CENTRE_BASE, center_id__lt=BULK_CENTRE_BASE + BULK_CENTRES)
                       .order_by("center_id").values_list("pk", "center_id", "district_id"))
        stdout.write(f"bookings bulk: {len(rows)} centres written ({time.monotonic() - started:.1f}s)")

        # Sessions: one per centre per day, tomorrow .. 7 days ahead (today too, for CoWIN's window).
        dates = [today + dt.timedelta(days=offset) for offset in range(8)]
        have = set(Session.objects.filter(centre_id__in=[c[0] for c in centres], date__in=dates)
                   .values_list("centre_id", "date"))
        beneficiaries_done = Beneficiary.objects.filter(reference_id=_bulk_reference(size - 1)).exists()
        appointments_per_session: dict[tuple[int, dt.date], int] = {}
        session_rows = []
        next_session = _next_id(Session)
        session_ids: dict[tuple[int, dt.date], int] = {}
        for centre_pk, center_id, _district in centres:
            for date in dates:
                if (centre_pk, date) in have:
                    continue
                session_ids[(centre_pk, date)] = next_session
                session_rows.append([next_session, str(session_uuid(center_id, date, "COVISHIELD")), centre_pk, date,
                                     "COVISHIELD", 18, None, 0, 0, 0, 0, '["' + '","'.join(SLOTS) + '"]', True, 1])
                next_session += 1
        # Appointments go to the new sessions from tomorrow on; capacity leaves room to rebook.
        bookable = [key for key in session_ids if key[1] > today]
        booked_total = 0 if beneficiaries_done or not bookable else size - (size + 4) // 5
        # at most ceil(size / sessions) land on one session (round robin over i)
        per_session = -(-size // len(bookable)) if bookable and booked_total else 0
        for row in session_rows:
            row[7] = per_session + 50  # capacity_dose1
            row[8] = 50  # capacity_dose2
        _write("bookings_session", ["id", "session_id", "centre_id", "date", "vaccine", "min_age_limit", "max_age_limit",
                                    "capacity_dose1", "capacity_dose2", "booked_dose1", "booked_dose2", "slots",
                                    "published", "version"], (tuple(r) for r in session_rows))
        _reset_sequence(Session)
        stdout.write(f"bookings bulk: {len(session_rows)} sessions written ({time.monotonic() - started:.1f}s)")
        if beneficiaries_done:
            stdout.write(f"bookings bulk: {size} beneficiaries already there")
            return

        first = Beneficiary.objects.filter(reference_id__startswith="2", reference_id__lt=_bulk_reference(size)) \
            .order_by("-reference_id").values_list("reference_id", flat=True).first()
        start_i = int(first[1:]) + 1 if first else 0
        next_beneficiary = _next_id(Beneficiary)
        base_beneficiary = next_beneficiary - start_i
        district_of_centre = {pk: district for pk, _c, district in centres}
        created = now

        def beneficiary_rows():
            for i in range(start_i, size):
                key = bookable[i % len(bookable)] if bookable else None
                district_id = district_of_centre[key[0]] if key else districts[i % len(districts)].pk
                yield (base_beneficiary + i, _bulk_reference(i), f"{FIRST_NAMES[i % 10]} {LAST_NAMES[(i // 10) % 10]}",
                       1950 + i % 50, "MF"[i % 2], f"7{i // 4:09d}", i % 4 + 1, district_id, "portal", "", None, created)

        count = _write("bookings_beneficiary", ["id", "reference_id", "name", "birth_year", "gender", "mobile",
                                                "mobile_slot", "district_id", "channel", "dose1_vaccine", "dose1_date",
                                                "created_at"], beneficiary_rows())
        _reset_sequence(Beneficiary)
        stdout.write(f"bookings bulk: {count} beneficiaries written ({time.monotonic() - started:.1f}s)")

        next_appointment = _next_id(Appointment)

        def appointment_rows():
            nonlocal next_appointment
            for i in range(start_i, size):
                if i % 5 == 0 or not bookable:
                    continue
                key = bookable[i % len(bookable)]
                appointments_per_session[key] = appointments_per_session.get(key, 0) + 1
                yield (next_appointment, str(uuid.uuid4()), base_beneficiary + i, session_ids[key], SLOTS[i % 4], 1,
                       "booked", f"0{i:09d}", 0, "portal", 1, created, created)
                next_appointment += 1

        count = _write("bookings_appointment", ["id", "appointment_id", "beneficiary_id", "session_id", "slot", "dose",
                                                "status", "confirmation_number", "reschedule_count", "channel",
                                                "version", "created_at", "updated_at"], appointment_rows())
        _reset_sequence(Appointment)
        stdout.write(f"bookings bulk: {count} appointments written ({time.monotonic() - started:.1f}s)")
        # Seat counters from the appointments themselves (one UPDATE per session written).
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE bookings_session SET booked_dose1 = %s WHERE id = %s",
                               [(n, session_ids[key]) for key, n in appointments_per_session.items()])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("bookings_beneficiary", "bookings_appointment", "bookings_session", "bookings_centre"):
                cursor.execute(f"ANALYZE {table}")
    stdout.write(f"bookings bulk: done in {time.monotonic() - started:.1f}s")
