"""Two devices of one centre syncing at once (PostgreSQL, threads released by a barrier)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from bookings.models import Appointment, Beneficiary, ChangeRecord, Session
from bookings.offline.models import OfflineRecord
from bookings.offline.services import offline_sync_batch
from helpdesk.validation import today_ist

from .conftest import batch, make_centre, make_staff, walk_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def run_together(jobs):
    """Run each job in its own thread, all released at once; their results in order."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait(timeout=60)
        try:
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_the_same_records_sent_by_several_devices_at_once_are_accepted_once(transactional_db):
    centre = make_centre(capacity=500)
    staff = make_staff(centre)
    records = [walk_in(centre) for _ in range(40)]
    # every thread sends all 40 records (a retried batch, a second tab, an old copy), in its own order
    jobs = [lambda n=n: offline_sync_batch(user=staff, data=batch(records[n % 40:] + records[:n % 40]))["results"]
            for n in range(THREADS)]
    outcomes = run_together(jobs)
    assert all(r["status"] == "accepted" for results in outcomes for r in results)
    fresh = sum(1 for results in outcomes for r in results if not r["replay"])
    assert fresh == 40
    assert OfflineRecord.objects.count() == 40
    assert Beneficiary.objects.filter(channel="onsite").count() == 40
    assert Appointment.objects.filter(status="vaccinated").count() == 40
    assert Session.objects.get(centre=centre, date=today_ist(), vaccine="COVISHIELD").booked_dose1 == 40
    assert ChangeRecord.objects.filter(kind="beneficiary.registered").count() == 40
    refs = {r["client_id"]: r["reference_id"] for results in outcomes for r in results}
    assert len(refs) == 40 and len(set(refs.values())) == 40


def test_one_person_recorded_on_two_devices_at_once_is_registered_once(transactional_db):
    centre = make_centre(capacity=500)
    staff = make_staff(centre)
    people = [dict(name=f"Same Person {n}", birth_year=1980 + n % 20, mobile=f"98765{n:05d}") for n in range(20)]
    device_a = [walk_in(centre, **p) for p in people]
    device_b = [walk_in(centre, **p) for p in people]  # other client ids: the same people, typed again
    outcomes = run_together([lambda: offline_sync_batch(user=staff, data=batch(device_a))["results"],
                             lambda: offline_sync_batch(user=staff, data=batch(device_b))["results"]])
    for a, b in zip(*outcomes, strict=True):
        assert sorted((a["code"], b["code"])) == ["", "duplicate_beneficiary"]
    assert Beneficiary.objects.filter(channel="onsite").count() == 20
    assert Session.objects.get(centre=centre, date=today_ist(), vaccine="COVISHIELD").booked_dose1 == 20


def test_walk_ins_never_overfill_a_session(transactional_db):
    centre = make_centre(capacity=10)
    staff = make_staff(centre)
    jobs = [lambda: offline_sync_batch(user=staff, data=batch([walk_in(centre) for _ in range(5)]))["results"]
            for _ in range(THREADS)]
    codes = [r["code"] for results in run_together(jobs) for r in results]
    assert codes.count("") == 10 and codes.count("APPOIN0040") == THREADS * 5 - 10
    assert Session.objects.get(centre=centre, date=today_ist(), vaccine="COVISHIELD").booked_dose1 == 10
