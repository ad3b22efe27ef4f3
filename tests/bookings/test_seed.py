"""The demo set and the bulk seed: idempotent, and every seat counter matches its appointments."""

import io

import pytest
from django.db.models import Count, Q

from bookings import seed
from bookings.models import Appointment, Beneficiary, Centre, Session

pytestmark = pytest.mark.django_db


def counters_match():
    sessions = Session.objects.annotate(n=Count("appointments", filter=Q(appointments__status="booked",
                                                                         appointments__dose=1)))
    return all(s.n == s.booked_dose1 for s in sessions)


def test_demo_set_is_idempotent_and_has_the_readme_citizens():
    seed.seed(size=0, stdout=io.StringIO())
    seed.seed(size=0, stdout=io.StringIO())
    assert Beneficiary.objects.filter(mobile="9876543210").count() == 2
    assert Beneficiary.objects.get(reference_id="12345678901236").dose1_vaccine == "COVISHIELD"
    assert Appointment.objects.filter(status="booked").count() == 4
    assert Centre.objects.count() == 12 and counters_match()


def test_bulk_seed_small_volume_is_consistent_and_idempotent():
    out = io.StringIO()
    seed.seed_bulk(size=2000, stdout=out)
    assert Centre.objects.filter(center_id__gte=seed.BULK_CENTRE_BASE).count() == 1000
    assert Centre.objects.values("district").distinct().count() == 33
    assert Session.objects.count() == 8000
    assert Beneficiary.objects.count() == 2000
    assert Appointment.objects.count() == 1600
    assert not Beneficiary.objects.values("mobile").annotate(n=Count("id")).filter(n__gt=4).exists()
    assert counters_match()
    seed.seed_bulk(size=2000, stdout=out)
    assert (Beneficiary.objects.count(), Appointment.objects.count(), Session.objects.count()) == (2000, 1600, 8000)
