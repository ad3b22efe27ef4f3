"""The request bodies and query parameters of the bookings API, field by field, as the views parse
them (helpdesk.inputs, helpdesk.validation, the services' rules): what the schema says is valid is
what the views take. The views parse with those functions; these classes only describe."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers as s

from helpdesk.inputs import MAX_INT
from helpdesk.openapi import MOBILE
from helpdesk.validation import today_ist

from ..imports import KINDS
from ..models import Beneficiary, Channel, LookupReason

# Text with no control character but tab, newline and carriage return (the input guard), holding
# at least one character that is not whitespace (the services strip it and refuse it empty).
_TEXT = "[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
WORDS = f"^{_TEXT}*[^\\s\x00-\x1f\x7f-\x9f]{_TEXT}*$"
SLOT = r"^[0-9]{2}:[0-9]{2}(AM|PM)-[0-9]{2}:[0-9]{2}(AM|PM)$"
REFERENCE = r"^[0-9]{14}$"
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# A day that exists, written dd-mm-yyyy, in 2000-2099 (every year divisible by 4 is a leap year).
DAY = ("^(?:(?:0[1-9]|1[0-9]|2[0-8])-(?:0[1-9]|1[0-2])|(?:29|30)-(?:0[13-9]|1[0-2])|31-(?:0[13578]|1[02]))"
       "-20[0-9]{2}$|^29-02-20(?:[02468][048]|[13579][26])$")
# Any day that exists, written dd-mm-yyyy, years 0001-9999 (the Gregorian leap years).
_DAY_MONTH = ("(?:(?:0[1-9]|1[0-9]|2[0-8])-(?:0[1-9]|1[0-2])|(?:29|30)-(?:0[13-9]|1[0-2])"
              "|31-(?:0[13578]|1[02]))")
ANY_DAY = (f"^(?!.*-0000$)(?:{_DAY_MONTH}-[0-9]{{4}}"
           "|29-02-(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00))$")
# The two vaccines, in any letter case (the view upper-cases them).
VACCINE_ANY_CASE = "^(?:[Cc][Oo][Vv][Ii][Ss][Hh][Ii][Ee][Ll][Dd]|[Cc][Oo][Vv][Aa][Xx][Ii][Nn])$"
REASON_MAX = 300
STAFF_CHANNELS = [Channel.HELPDESK, Channel.ONSITE]


def _version() -> s.IntegerField:
    return s.IntegerField(min_value=1, max_value=MAX_INT,
                          help_text="the version last read: a stale write is refused (409)")


def _reason() -> s.RegexField:
    return s.RegexField(WORDS, max_length=REASON_MAX, help_text="why (kept in the appointment's history)")


class OtpSend(s.Serializer):
    mobile = s.CharField(max_length=20, help_text="10 digits starting 6-9 (a +91, 91 or 0 prefix allowed)")


class OtpConfirm(s.Serializer):
    txnId = s.UUIDField()  # noqa: N815 - CoWIN's name
    otp = s.RegexField(r"^[0-9]{6}$")


class CitizenRebook(s.Serializer):
    session_id = s.UUIDField()
    slot = s.RegexField(SLOT, help_text="one of the session's slots")
    expected_version = _version()


class CitizenCancel(s.Serializer):
    expected_version = _version()


class StaffRebook(CitizenRebook):
    reason = _reason()


class StaffCancel(CitizenCancel):
    reason = _reason()


class RegistrationLookup(s.Serializer):
    reason = s.ChoiceField(LookupReason.choices)
    reference_id = s.RegexField(REFERENCE, required=False, allow_null=True,
                                help_text="give a reference id or a mobile, not both")
    mobile = s.RegexField(MOBILE, max_length=20, required=False, allow_null=True)
    note = s.CharField(max_length=300, required=False, allow_blank=True, allow_null=True)
    ticket_id = s.IntegerField(min_value=1, max_value=MAX_INT, required=False, allow_null=True,
                               help_text="the caller's ticket (logged with the lookup)")


class RegistrationLookupScheme(OpenApiSerializerExtension):
    """A lookup names exactly one of reference_id and mobile (null counts as not given)."""

    target_class = RegistrationLookup

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["oneOf"] = [{"required": [name], "properties": {name: {"type": "string"}}, "additionalProperties": True}
                           for name in ("reference_id", "mobile")]
        return schema


class RegistrationAttach(s.Serializer):
    ticket_id = s.IntegerField(min_value=1, max_value=MAX_INT)
    reference_id = s.RegexField(REFERENCE)


class SessionMove(s.Serializer):
    date = s.RegexField(DAY, help_text="dd-mm-yyyy, tomorrow up to 30 days ahead")
    reason = _reason()
    expected_version = _version()


class ManualRegistration(s.Serializer):
    name = s.RegexField(WORDS, max_length=200)
    birth_year = s.IntegerField(help_text="12 to 120 years before this year")
    gender = s.ChoiceField(Beneficiary.Gender.choices)
    channel = s.ChoiceField(STAFF_CHANNELS)
    district_id = s.IntegerField(min_value=1, max_value=9999, required=False,
                                 help_text="CoWIN district id; or give district_code")
    district_code = s.CharField(max_length=64, required=False, help_text="e.g. sakti (districts created since)")
    mobile = s.RegexField(MOBILE, max_length=20, required=False, allow_blank=True, allow_null=True)
    session_id = s.RegexField(UUID, required=False, allow_blank=True, allow_null=True,
                              help_text="book an appointment too (today up to 7 days ahead), with `slot`")
    slot = s.RegexField(SLOT, required=False)
    dose = s.IntegerField(min_value=1, max_value=2, required=False, default=1)
    dose1_vaccine = s.RegexField(VACCINE_ANY_CASE, required=False, allow_blank=True, allow_null=True,
                                 help_text="with dose1_date, or neither")
    dose1_date = s.RegexField(DAY, required=False, allow_blank=True, allow_null=True, help_text="dd-mm-yyyy")

    def get_fields(self):
        fields = super().get_fields()
        year = today_ist().year  # the bounds move with the calendar: stated as of today
        fields["birth_year"] = s.IntegerField(min_value=year - 120, max_value=year - 12,
                                              help_text=fields["birth_year"].help_text)
        return fields


class ImportUpload(s.Serializer):
    file = s.FileField(help_text="a CoWIN JSON export or a CSV (by its name: .csv), UTF-8")
    kind = s.ChoiceField(list(KINDS))


class SessionListQuery(s.Serializer):
    date = s.RegexField(ANY_DAY, required=False, allow_blank=True, help_text="dd-mm-yyyy (empty: every date)")
    center_id = s.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    page = s.IntegerField(required=False)


class ChangesQuery(s.Serializer):
    since = s.IntegerField(min_value=0, max_value=MAX_INT, required=False, help_text="last id seen (0 for all)")
    limit = s.IntegerField(min_value=1, max_value=1000, required=False, help_text="default 500")


APPOINTMENT_REASON = OpenApiParameter("reason", str, required=True, enum=LookupReason.values,
                                      description="why the personal data is looked at (logged)")
