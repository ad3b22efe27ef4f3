"""Factories and helpers for the bookings tests. Seats are always taken through the counters,
so every fixture respects booked <= capacity like real data."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.db.models import F

from accounts.models import District
from bookings.models import Appointment, Beneficiary, Centre, Session
from bookings.services import new_confirmation_number
from helpdesk.validation import today_ist

SLOTS = ["09:00AM-11:00AM", "11:00AM-01:00PM", "01:00PM-03:00PM"]
_reference = itertools.count(10000000000001)
_mobile_slot: dict[str, int] = {}


def day(offset: int) -> dt.date:
    return today_ist() + dt.timedelta(days=offset)


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    center_id = factory.Sequence(lambda n: 500000 + n)
    name = factory.Sequence(lambda n: f"PHC Centre {n}")
    address = "Main road"
    district = factory.LazyFunction(lambda: District.objects.get(cowin_id=109))
    block_name = "Raipur Urban"
    pincode = "492001"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    centre = factory.SubFactory(CentreFactory)
    date = factory.LazyFunction(lambda: day(3))
    vaccine = "COVISHIELD"
    min_age_limit = 18
    capacity_dose1 = 10
    capacity_dose2 = 10
    slots = factory.LazyFunction(lambda: list(SLOTS))


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    reference_id = factory.LazyFunction(lambda: str(next(_reference)))
    name = "Ramesh Kumar Sahu"
    birth_year = 1990
    gender = "M"
    mobile = "9876543210"
    district = factory.LazyFunction(lambda: District.objects.get(cowin_id=109))

    @factory.lazy_attribute
    def mobile_slot(self):
        if not self.mobile:
            return None
        taken = set(Beneficiary.objects.filter(mobile=self.mobile).values_list("mobile_slot", flat=True))
        return min(n for n in (1, 2, 3, 4, 5) if n not in taken)


def book(beneficiary: Beneficiary, session: Session, *, slot: str = SLOTS[0], dose: int = 1, **kwargs) -> Appointment:
    field = f"booked_dose{dose}"
    assert Session.objects.filter(pk=session.pk).update(**{field: F(field) + 1}) == 1
    session.refresh_from_db()
    return Appointment.objects.create(beneficiary=beneficiary, session=session, slot=slot, dose=dose,
                                      confirmation_number=new_confirmation_number(), **kwargs)
