from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from helpdesk.validation import IST, today_ist
from tests.bookings.factories import SLOTS, CentreFactory, SessionFactory
from tests.factories import UserFactory

_ids = itertools.count(1)


def now_ist() -> dt.datetime:
    return dt.datetime.now(IST).replace(microsecond=0)


def walk_in(centre, **fields) -> dict:
    """A valid registration record for `centre` (override any field)."""
    n = next(_ids)
    record = {"client_id": str(uuid.uuid4()), "kind": "registration", "center_id": centre.center_id,
              "recorded_at": now_ist().isoformat(), "name": f"Walk In Person {n}", "birth_year": 1990, "gender": "F",
              "id_type": "aadhaar", "id_last4": f"{n % 10000:04d}", "vaccine": "COVISHIELD", "dose": 1}
    record.update(fields)
    return {k: v for k, v in record.items() if v is not None}


def batch(records: list, *, device: str | None = None, waiting: int | None = None) -> dict:
    return {"device_id": device or str(uuid.uuid4()), "sent_at": now_ist().isoformat(),
            "waiting": len(records) if waiting is None else waiting,
            "oldest_waiting_at": now_ist().isoformat() if records else None, "records": records}


def make_centre(district_code: str = "raipur", capacity: int = 50):
    from accounts.models import District

    district = District.objects.get(code=district_code)
    centre = CentreFactory(district=district, pincode="492001" if district_code == "raipur" else "494001")
    for offset in range(-1, 3):
        SessionFactory(centre=centre, date=today_ist() + dt.timedelta(days=offset), vaccine="COVISHIELD",
                       min_age_limit=18, capacity_dose1=capacity, capacity_dose2=capacity, slots=list(SLOTS))
        SessionFactory(centre=centre, date=today_ist() + dt.timedelta(days=offset), vaccine="COVAXIN",
                       min_age_limit=45, capacity_dose1=capacity, capacity_dose2=capacity, slots=list(SLOTS))
    return centre


def make_staff(centre, **kwargs):
    return UserFactory(role="centre_staff", centre=centre, district=centre.district, **kwargs)


@pytest.fixture
def centre(db):
    return make_centre()


@pytest.fixture
def staff(centre):
    return make_staff(centre)
