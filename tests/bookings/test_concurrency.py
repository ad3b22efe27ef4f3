"""Hundreds of simultaneous rebook attempts into a session with a few seats (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.db.models import Count

from bookings import services
from bookings.models import Appointment, Session
from helpdesk.exceptions import DomainError
from tests.bookings.factories import SLOTS, BeneficiaryFactory, SessionFactory, book, day
from tests.factories import UserFactory

ATTEMPTS = 300
SEATS = 5
# PostgreSQL here allows 100 connections, shared with other test runs: 40 threads (one connection
# each) fire the 300 attempts, all released together by a barrier.
THREADS = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_exactly_as_many_rebookings_succeed_as_there_are_seats(districts_loaded):
    origins = [SessionFactory(date=day(2), capacity_dose1=ATTEMPTS) for _ in range(4)]
    appointments = [book(BeneficiaryFactory(mobile=None, mobile_slot=None), origins[n % 4]) for n in range(ATTEMPTS)]
    target = SessionFactory(date=day(4), capacity_dose1=SEATS)
    actor = services.BookingActor.staff(UserFactory(role="agent"))
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(batch):
        barrier.wait(timeout=60)
        try:
            for appointment in batch:
                try:
                    services.appointment_rebook(
                        appointment_id=appointment.appointment_id, session_id=target.session_id, slot=SLOTS[1],
                        actor=actor, reason="load", expected_version=1)
                    result = "ok"
                except DomainError as exc:
                    result = exc.code
                with lock:
                    outcomes.append(result)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(worker, [appointments[n::THREADS] for n in range(THREADS)]))

    assert outcomes.count("ok") == SEATS
    assert outcomes.count("APPOIN0040") == ATTEMPTS - SEATS
    target.refresh_from_db()
    assert target.booked_dose1 == SEATS
    assert Appointment.objects.filter(session=target, status="booked").count() == SEATS
    # nobody holds two active appointments for a dose
    assert not (Appointment.objects.filter(status="booked").values("beneficiary", "dose")
                .annotate(n=Count("id")).filter(n__gt=1).exists())
    # the losers kept their old booking, and the origins' counters match their appointments
    assert Appointment.objects.filter(status="booked").count() == ATTEMPTS
    for origin in Session.objects.filter(pk__in=[o.pk for o in origins]):
        assert origin.booked_dose1 == Appointment.objects.filter(session=origin, status="booked").count()
    assert connection.vendor == "postgresql"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_crossing_rebookings_do_not_deadlock(districts_loaded):
    """A moves S1 -> S2 while B moves S2 -> S1: seat updates in primary-key order, no deadlock."""
    s1, s2 = SessionFactory(date=day(3), capacity_dose1=40), SessionFactory(date=day(4), capacity_dose1=40)
    pairs = []
    for _ in range(20):
        pairs.append((book(BeneficiaryFactory(mobile=None, mobile_slot=None), s1), s2))
        pairs.append((book(BeneficiaryFactory(mobile=None, mobile_slot=None), s2), s1))
    actor = services.BookingActor.staff(UserFactory(role="agent"))
    barrier = threading.Barrier(len(pairs))
    errors = []

    def attempt(pair):
        appointment, target = pair
        try:
            barrier.wait(timeout=60)
            services.appointment_rebook(appointment_id=appointment.appointment_id, session_id=target.session_id,
                                        slot=SLOTS[0], actor=actor, reason="swap")
        except Exception as exc:  # noqa: BLE001 - any failure (deadlock included) fails the test
            errors.append(repr(exc))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        list(pool.map(attempt, pairs))
    assert errors == []
    for session in (s1, s2):
        session.refresh_from_db()
        assert session.booked_dose1 == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_session_move_cancel_and_rebook_at_once_never_deadlock(districts_loaded):
    """One lock order everywhere (sessions by pk, then appointments, then the feed): a session
    moved while its citizens rebook out, others rebook in and some cancel."""
    moved, other = SessionFactory(date=day(2), capacity_dose1=40), SessionFactory(date=day(3), capacity_dose1=40)
    target = SessionFactory(date=day(4), capacity_dose1=40)
    leaving = [book(BeneficiaryFactory(mobile=None, mobile_slot=None), moved) for _ in range(12)]
    cancelling = [book(BeneficiaryFactory(mobile=None, mobile_slot=None), moved) for _ in range(6)]
    arriving = [book(BeneficiaryFactory(mobile=None, mobile_slot=None), other) for _ in range(12)]
    actor = services.BookingActor.staff(UserFactory(role="agent"))
    jobs = ([lambda a=a: services.appointment_rebook(appointment_id=a.appointment_id, session_id=target.session_id,
                                                      slot=SLOTS[0], actor=actor, reason="out") for a in leaving]
            + [lambda a=a: services.appointment_rebook(appointment_id=a.appointment_id, session_id=moved.session_id,
                                                        slot=SLOTS[1], actor=actor, reason="in") for a in arriving]
            + [lambda a=a: services.appointment_cancel(appointment_id=a.appointment_id, actor=actor, reason="x")
               for a in cancelling]
            + [lambda: services.session_move(session_id=moved.session_id, new_date=day(5), actor=actor, reason="move")])
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait(timeout=60)
            job()
        except DomainError as exc:  # a refusal is fine (e.g. the target moved out of the window)
            errors.append(("domain", exc.code))
        except Exception as exc:  # noqa: BLE001 - a deadlock or any database error fails the test
            errors.append(("error", repr(exc)))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        list(pool.map(run, jobs))
    assert [e for e in errors if e[0] == "error"] == []
    for session in Session.objects.filter(pk__in=[moved.pk, other.pk, target.pk]):
        assert session.booked_dose1 == Appointment.objects.filter(session=session, status="booked", dose=1).count()
    assert Session.objects.get(pk=moved.pk).date == day(5)
