"""Periodic clean-up of bookings: expiring past appointments, purging expired OTPs and tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from helpdesk.validation import today_ist

from ..models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    CitizenToken,
    OtpTransaction,
)
from .appointments import _record_change

_CONFIRMATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_FEED_LOCK_KEY = 7_310_006  # pg_advisory_xact_lock key of the change feed


def appointments_expire(*, today: dt.date | None = None, batch: int = 1000) -> int:
    """Mark booked appointments whose day has passed as expired (each with an event and a change
    row), so the beneficiary may book that dose again. Rows are locked with SKIP LOCKED in
    batches, so two runs never fight. Seats are not released: the day is over. Returns the count."""
    today = today or today_ist()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(Appointment.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("beneficiary", "session")
                        .filter(status=AppointmentStatus.BOOKED, session__date__lt=today).order_by("pk")[:batch])
            if not rows:
                return done
            for appointment in rows:
                appointment.status = AppointmentStatus.EXPIRED
                appointment.version += 1
                appointment.save(update_fields=["status", "version", "updated_at"])
                AppointmentEvent.objects.create(appointment=appointment, kind=AppointmentEvent.Kind.EXPIRED,
                                                actor_label="system", from_session=appointment.session,
                                                from_slot=appointment.slot,
                                                confirmation_number=appointment.confirmation_number)
                _record_change(kind="appointment.expired", beneficiary=appointment.beneficiary,
                               appointment=appointment, payload={"session_id": str(appointment.session.session_id)})
            done += len(rows)


def otp_purge(*, older_than: dt.timedelta | None = None) -> int:
    """Delete OTP transactions and citizen tokens that expired more than `older_than` ago
    (default OTP_RETENTION_HOURS)."""
    from django.utils import timezone

    older_than = older_than if older_than is not None else dt.timedelta(hours=settings.OTP_RETENTION_HOURS)
    cutoff = timezone.now() - older_than
    removed, _ = OtpTransaction.objects.filter(expires_at__lt=cutoff).delete()
    tokens, _ = CitizenToken.objects.filter(expires_at__lt=cutoff).delete()
    return removed + tokens
