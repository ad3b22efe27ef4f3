"""The shapes the bookings API answers with, for the schema (drf-spectacular reads these): each is
exactly what bookings/selectors.py and the views build. The views keep returning plain dicts; the
fuzz tests from outside check every answer against these declarations."""

from __future__ import annotations

from rest_framework import serializers as s


# Fields whose JSON names are Python keywords (`from`, `to`) are declared as `from_`, `to_` (no
# docstring here: drf-spectacular would give it to every shape built on this class).
class _Renamed(s.Serializer):
    def get_fields(self):
        fields = super().get_fields()
        for name in [n for n in fields if n.endswith("_") and not n.startswith("_")]:
            fields[name[:-1]] = fields.pop(name)
        return fields


class BookingAppointment(s.Serializer):
    appointment_id = s.UUIDField()
    status = s.CharField(help_text="booked, cancelled, vaccinated, no_show or expired")
    dose = s.IntegerField(min_value=1, max_value=2)
    slot = s.CharField(help_text="e.g. 09:00AM-11:00AM")
    confirmation_number = s.CharField()
    reschedule_count = s.IntegerField()
    version = s.IntegerField(help_text="send back as expected_version to refuse a stale write (409)")
    channel = s.CharField(help_text="portal, helpdesk or onsite")
    session_id = s.UUIDField()
    date = s.CharField(help_text="dd-mm-yyyy")
    vaccine = s.CharField()
    center_id = s.IntegerField()
    center_name = s.CharField()
    address = s.CharField(allow_blank=True)
    pincode = s.CharField()


class BookingBeneficiary(s.Serializer):
    reference_id = s.CharField(help_text="14 digits")
    name = s.CharField(help_text="masked for citizens and in lists: R***** K****")
    birth_year = s.IntegerField()
    gender = s.CharField(help_text="F, M or O")
    mobile = s.CharField(allow_blank=True, help_text="masked: XXXXXX3210; empty when none")
    channel = s.CharField()
    dose1_vaccine = s.CharField(allow_blank=True)
    dose1_date = s.CharField(allow_null=True, help_text="dd-mm-yyyy")
    appointments = BookingAppointment(many=True)


class BookingBeneficiaries(s.Serializer):
    beneficiaries = BookingBeneficiary(many=True)


class OtpSent(s.Serializer):
    txnId = s.UUIDField()  # noqa: N815 - CoWIN's name
    expires_in = s.IntegerField(help_text="seconds")


class CitizenLogin(s.Serializer):
    token = s.CharField()
    expires_in = s.IntegerField(help_text="seconds")


class BookingSession(s.Serializer):
    session_id = s.UUIDField()
    date = s.CharField(help_text="dd-mm-yyyy")
    center_id = s.IntegerField()
    name = s.CharField()
    address = s.CharField(allow_blank=True)
    district_name = s.CharField()
    block_name = s.CharField(allow_blank=True)
    pincode = s.CharField()
    vaccine = s.CharField()
    min_age_limit = s.IntegerField()
    max_age_limit = s.IntegerField(allow_null=True)
    available_capacity_dose1 = s.IntegerField()
    available_capacity_dose2 = s.IntegerField()
    slots = s.ListField(child=s.CharField())
    version = s.IntegerField()
    published = s.BooleanField()


class BookingSessions(s.Serializer):
    sessions = BookingSession(many=True)


class StaffSession(BookingSession):
    booked_dose1 = s.IntegerField()
    booked_dose2 = s.IntegerField()


class StaffSessionPage(s.Serializer):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = StaffSession(many=True)


class RosterEntry(s.Serializer):
    appointment_id = s.UUIDField()
    reference_id = s.CharField()
    name = s.CharField(help_text="masked")
    mobile = s.CharField(allow_blank=True, help_text="masked")
    dose = s.IntegerField()
    slot = s.CharField()
    status = s.CharField()
    confirmation_number = s.CharField()
    channel = s.CharField()


class RosterPage(s.Serializer):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = RosterEntry(many=True)


class AppointmentPerson(s.Serializer):
    reference_id = s.CharField()
    name = s.CharField()
    mobile = s.CharField(allow_blank=True, help_text="masked")


class AppointmentHistoryEntry(_Renamed):
    kind = s.CharField()
    at = s.DateTimeField()
    by = s.CharField(allow_blank=True, help_text="a username, or citizen / system / import")
    reason = s.CharField(allow_blank=True)
    confirmation_number = s.CharField(allow_blank=True)
    from_ = s.CharField(allow_blank=True, help_text="centre, date and slot before")
    to_ = s.CharField(allow_blank=True, help_text="centre, date and slot after")


class AppointmentDetail(BookingAppointment):
    beneficiary = AppointmentPerson()
    history = AppointmentHistoryEntry(many=True)


class Attached(s.Serializer):
    ticket_id = s.IntegerField()
    reference_id = s.CharField()


class Registered(s.Serializer):
    reference_id = s.CharField()
    channel = s.CharField()
    appointment = BookingAppointment(required=False, help_text="when a session was given")


class Change(s.Serializer):
    id = s.IntegerField()
    kind = s.CharField(help_text="e.g. appointment.rescheduled, beneficiary.registered")
    reference_id = s.CharField()
    appointment_id = s.UUIDField(allow_null=True)
    at = s.DateTimeField()
    data = s.DictField(help_text="what changed; the keys depend on the kind")


class Changes(s.Serializer):
    changes = Change(many=True)
    next = s.IntegerField(help_text="the cursor to send as `since` next time")
    has_more = s.BooleanField()


class ImportRefusal(s.Serializer):
    row = s.IntegerField(help_text="1-based; 0: the whole file")
    reason = s.CharField()


class ImportRunOut(s.Serializer):
    id = s.IntegerField()
    kind = s.CharField()
    source = s.CharField(allow_blank=True)
    format = s.CharField()
    status = s.CharField(help_text="pending, running, done or failed")
    total = s.IntegerField()
    processed = s.IntegerField()
    accepted = s.IntegerField()
    refused = s.IntegerField()
    refusals = ImportRefusal(many=True, help_text="the first 100")
    finished_at = s.DateTimeField(allow_null=True)
