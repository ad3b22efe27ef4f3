"""Every write to appointments and sessions, split by what it serves: `appointments` (rebook,
cancel, the seat counter, the change feed: the lock order is written there and holds for every
module here), `registrations` (staff: manual registration, session move, logged lookups,
attaching a registration to a ticket), `housekeeping` (expiry, OTP purge). Callers import
from `bookings.services`; the names are the same as before the split."""

from .appointments import (
    BookingActor,
    appointment_cancel,
    appointment_rebook,
    new_confirmation_number,
    new_reference_id,
    record_change,
    record_changes,
    take_seat,
)
from .housekeeping import appointments_expire, otp_purge
from .registrations import (
    appointment_view_log,
    beneficiary_register_manual,
    booking_attach_to_ticket,
    registration_lookup,
    session_move,
    session_roster,
)

__all__ = [
    "BookingActor", "appointment_cancel", "appointment_rebook", "appointment_view_log",
    "appointments_expire", "beneficiary_register_manual", "booking_attach_to_ticket", "new_confirmation_number",
    "new_reference_id", "otp_purge", "record_change", "record_changes", "registration_lookup", "session_move",
    "session_roster", "take_seat",
]
