"""The sync service: what each record does, exactly once, and why a record is refused."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from bookings.models import Appointment, AppointmentStatus, Beneficiary, ChangeRecord, Session
from bookings.offline.models import OfflineDevice, OfflineRecord, Resolution
from bookings.offline.services import offline_sync_batch
from helpdesk.validation import today_ist
from tests.bookings.factories import BeneficiaryFactory, book

from .conftest import batch, make_centre, now_ist, walk_in

pytestmark = pytest.mark.django_db


def sync(staff, records, **kwargs):
    return offline_sync_batch(user=staff, data=batch(records, **kwargs))["results"]


def session_today(centre, vaccine="COVISHIELD"):
    return Session.objects.get(centre=centre, date=today_ist(), vaccine=vaccine)


def test_a_walk_in_is_registered_vaccinated_and_in_the_change_feed(centre, staff):
    before = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    record = walk_in(centre, mobile="9876512345", name="Sunita  Netam")
    [result] = sync(staff, [record])
    assert result["status"] == "accepted" and result["replay"] is False
    person = Beneficiary.objects.get(reference_id=result["reference_id"])
    assert (person.name, person.channel, person.mobile, person.mobile_slot) == ("Sunita Netam", "onsite", "9876512345", 1)
    assert (person.dose1_vaccine, person.dose1_date) == ("COVISHIELD", today_ist())
    appointment = Appointment.objects.get(beneficiary=person)
    assert appointment.status == AppointmentStatus.VACCINATED and appointment.confirmation_number == result["confirmation_number"]
    assert session_today(centre).booked_dose1 == 1
    changes = list(ChangeRecord.objects.filter(id__gt=before).order_by("id"))
    assert [c.kind for c in changes] == ["beneficiary.registered", "appointment.vaccinated"]
    assert changes[0].payload["client_id"] == record["client_id"] and changes[0].payload["id_last4"] == record["id_last4"]
    assert changes[1].payload["recorded_at"] == record["recorded_at"]


def test_the_same_record_twice_is_accepted_once_and_a_changed_body_is_refused(centre, staff):
    record = walk_in(centre)
    first = sync(staff, [record])[0]
    again = sync(staff, [record])[0]
    assert again == {**first, "replay": True}
    changed = sync(staff, [{**record, "name": "Somebody Else"}])[0]
    assert (changed["status"], changed["code"], changed["replay"]) == ("refused", "changed_replay", True)
    assert OfflineRecord.objects.count() == 1 and Beneficiary.objects.filter(channel="onsite").count() == 1
    assert session_today(centre).booked_dose1 == 1
    assert Beneficiary.objects.get().name == record["name"]


def test_an_existing_beneficiary_with_the_same_mobile_year_and_name_is_a_refused_duplicate(centre, staff):
    BeneficiaryFactory(name="Ramesh Kumar Sahu", birth_year=1985, mobile="9876500001")
    [result] = sync(staff, [walk_in(centre, name="ramesh  kumar sahu", birth_year=1985, mobile="9876500001")])
    assert (result["status"], result["code"]) == ("refused", "duplicate_beneficiary")
    assert "ending" in result["detail"]
    assert session_today(centre).booked_dose1 == 0
    assert OfflineRecord.objects.get().resolution == Resolution.OPEN


def test_a_full_session_refuses_the_next_walk_in_and_keeps_the_rest(db):
    centre = make_centre(capacity=2)
    from .conftest import make_staff

    staff = make_staff(centre)
    results = sync(staff, [walk_in(centre) for _ in range(3)] + [walk_in(centre, dose=2, dose1_vaccine="COVISHIELD",
                                                                         dose1_date=(today_ist() - dt.timedelta(days=90)).isoformat())])
    assert [r["code"] for r in results] == ["", "", "APPOIN0040", ""]
    session = session_today(centre)
    assert (session.booked_dose1, session.booked_dose2) == (2, 1)


def test_dose_2_rules(centre, staff):
    early = (today_ist() - dt.timedelta(days=30)).isoformat()
    results = sync(staff, [
        walk_in(centre, dose=2, dose1_vaccine="COVISHIELD", dose1_date=early),
        walk_in(centre, dose=2, dose1_vaccine="COVAXIN", dose1_date=early),
    ])
    assert [r["code"] for r in results] == ["dose2_too_early", "dose2_vaccine_mismatch"]
    person = BeneficiaryFactory(mobile=None, dose1_vaccine="", dose1_date=None)
    [result] = sync(staff, [walk_in(centre, kind="vaccination", reference_id=person.reference_id, dose=2, name=None,
                                    birth_year=None, gender=None, id_type=None, id_last4=None)])
    assert result["code"] == "dose1_missing"


def test_times_the_device_clock_cannot_have_had_are_refused_and_kept_to_resolve(centre, staff):
    future = (now_ist() + dt.timedelta(days=2)).isoformat()
    old = (now_ist() - dt.timedelta(days=9)).isoformat()
    results = sync(staff, [walk_in(centre, recorded_at=future), walk_in(centre, recorded_at=old),
                           walk_in(centre, vaccine="COVAXIN", birth_year=1990)])
    assert [r["code"] for r in results] == ["implausible_time", "implausible_time", "not_eligible_age"]
    assert OfflineRecord.objects.filter(status="refused", resolution="").count() == 3


def test_a_slightly_wrong_device_clock_is_kept_as_reported(centre, staff):
    skewed = now_ist() - dt.timedelta(hours=3)
    [result] = sync(staff, [walk_in(centre, recorded_at=skewed.isoformat())])
    record = OfflineRecord.objects.get()
    assert result["status"] == "accepted" and record.recorded_at == skewed
    assert record.received_at > record.recorded_at


def test_vaccinating_a_registered_person_uses_their_booking_here_or_cancels_the_one_elsewhere(centre, staff):
    here, elsewhere = BeneficiaryFactory(mobile=None), BeneficiaryFactory(mobile=None)
    booked_here = book(here, session_today(centre))
    other = make_centre()
    other_session = session_today(other)
    booked_elsewhere = book(elsewhere, other_session)
    fields = {"kind": "vaccination", "name": None, "birth_year": None, "gender": None, "id_type": None, "id_last4": None}
    results = sync(staff, [walk_in(centre, reference_id=here.reference_id, **fields),
                           walk_in(centre, reference_id=elsewhere.reference_id, **fields)])
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    booked_here.refresh_from_db()
    booked_elsewhere.refresh_from_db()
    assert booked_here.status == "vaccinated" and results[0]["confirmation_number"] == booked_here.confirmation_number
    assert booked_elsewhere.status == "cancelled"
    other_session.refresh_from_db()
    assert other_session.booked_dose1 == 0 and session_today(centre).booked_dose1 == 2
    again = sync(staff, [walk_in(centre, reference_id=here.reference_id, **fields)])[0]
    assert again["code"] == "already_vaccinated"


def test_corrections_go_through_the_same_queue(centre, staff):
    original = walk_in(centre, name="Ramesh Kumr", mobile="9876500002")
    accepted = sync(staff, [original])[0]
    correction = {**walk_in(centre, name="Ramesh Kumar", birth_year=1991, mobile="9876500003"), "kind": "correction",
                  "corrects": original["client_id"]}
    for key in ("vaccine", "dose"):
        correction.pop(key)
    [result] = sync(staff, [correction])
    assert result["status"] == "accepted" and result["reference_id"] == accepted["reference_id"]
    person = Beneficiary.objects.get(reference_id=accepted["reference_id"])
    assert (person.name, person.birth_year, person.mobile) == ("Ramesh Kumar", 1991, "9876500003")
    change = ChangeRecord.objects.order_by("-id").first()
    assert change.kind == "beneficiary.corrected" and change.payload["name"] == "Ramesh Kumar"

    refused = walk_in(centre, recorded_at=(now_ist() + dt.timedelta(days=3)).isoformat())
    assert sync(staff, [refused])[0]["code"] == "implausible_time"
    fixed = walk_in(centre, name=refused["name"], corrects=refused["client_id"])
    assert sync(staff, [fixed])[0]["status"] == "accepted"
    assert OfflineRecord.objects.get(client_id=refused["client_id"]).resolution == Resolution.CORRECTED
    nothing = {**correction, "client_id": str(uuid.uuid4()), "corrects": refused["client_id"]}
    assert sync(staff, [nothing])[0]["code"] == "nothing_to_correct"


def test_the_device_reports_what_it_still_holds_and_its_clock(centre, staff):
    device = "5f0c2b8e-8f0e-4a39-b6d4-0c7a4d9e2f10"
    data = batch([walk_in(centre)], device=device, waiting=7)
    data["sent_at"] = (now_ist() + dt.timedelta(minutes=10)).isoformat()
    offline_sync_batch(user=staff, data=data)
    state = OfflineDevice.objects.get(device_id=device)
    assert state.waiting == 6 and state.user == staff
    assert 590 <= state.clock_skew_seconds <= 600
    offline_sync_batch(user=staff, data=batch([], device=device, waiting=0))
    assert OfflineDevice.objects.get(device_id=device).waiting == 0 and OfflineDevice.objects.count() == 1


def test_offline_changes_are_in_the_change_feed_in_commit_order(centre, staff, agent, client):
    client.force_login(agent)
    start = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    records = [walk_in(centre) for _ in range(5)]
    results = sync(staff, records)
    feed = client.get(f"/api/bookings/changes/?since={start}").json()["changes"]
    registered = [c for c in feed if c["kind"] == "beneficiary.registered"]
    assert [c["reference_id"] for c in registered] == [r["reference_id"] for r in results]
    assert [c["id"] for c in feed] == sorted(c["id"] for c in feed)
    assert len(feed) == 10
