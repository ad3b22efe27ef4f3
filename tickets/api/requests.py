"""The request bodies and parameters of the tickets API, field by field, for the schema
(drf-spectacular reads these): each states the rules its view applies (helpdesk.inputs,
tickets.intake, helpdesk.validation), so that a request valid by the schema is one the view takes,
unless it names a row that does not exist or breaks a rule on two fields together (listed with
its reason in tests/fuzz/test_outside.py). The views keep parsing with those functions.

The schema's post-processing (helpdesk/openapi.py) adds what every body shares: no control
characters in strings and keys, no field beyond those declared, a required string never empty,
ids and versions from 1 to 2**53 - 1, the mobile pattern on `mobile` and `sender`."""

from __future__ import annotations

from rest_framework import serializers as s

from helpdesk.inputs import MAX_INT, NOTE_MAX_CHARS
from tickets import bulk, canned
from tickets.listing import SORT_KEYS
from tickets.listing.params import SEARCH_MAX
from tickets.models import Channel, Priority, TicketStatus
from tickets.numbers import ALPHABET, LENGTH

# What the input guard lets through in body text (tab, newline and carriage return allowed), and
# text that says something: at least one character that is not whitespace (the views strip, and
# refuse what is left empty). Character classes, never `.`, so a newline counts like any character.
_TEXT_CHAR = "[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
SOME_TEXT = f"^{_TEXT_CHAR}*[^\\s\x00-\x1f\x7f-\x9f]{_TEXT_CHAR}*$"
# A ticket number as tickets.numbers.normalise_number reads it: 8 characters of its alphabet, in
# either case, or two groups of four joined by a dash.
_LETTERS = ALPHABET + ALPHABET.lower()
_HALF = LENGTH // 2
NUMBER = f"^[{_LETTERS}]{{{LENGTH}}}$|^[{_LETTERS}]{{{_HALF}}}-[{_LETTERS}]{{{LENGTH - _HALF}}}$"
# helpdesk.validation.mobile: an Indian mobile, with an optional +91, 91 or 0 prefix.
MOBILE = "^(\\+91|91|0)?[6-9][0-9]{9}$"
REFERENCE = "^[0-9]{14}$"
# The caller search (tickets.selectors.classify_query): a reference, a ticket number or a mobile.
CALLER_QUERY = "|".join([REFERENCE, NUMBER, MOBILE])
# The built-in views (tickets.listing.saved, and escalation's SLA views); team views are team-<id>.
VIEW_NAMES = ("open", "mine", "unassigned", "sla_at_risk", "breached", "awaiting_vendor", "awaiting_citizen",
              "reopened", "by_district", "all")
VIEW_PATTERN = "^(?:" + "|".join(VIEW_NAMES) + ")$|^team-[0-9]{1,16}$"
# tickets.listing.params._instant: a day, or an instant (to the minute or second, with an offset
# or Z), years 2000-2100. The days stop at 28 so that every one the pattern admits exists.
INSTANT_PATTERN = ("^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
                   "(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])?)?$")

SORT_CHOICES = [*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]
STATUSES_TO = [status for status in TicketStatus.values if status != TicketStatus.MERGED]
LANGUAGES = ["en", "hi"]


def _number(**kwargs) -> s.RegexField:
    return s.RegexField(NUMBER, **kwargs)


def _version() -> s.IntegerField:
    return s.IntegerField(required=False, min_value=1, max_value=MAX_INT,
                          help_text="the version last read; another one is refused (409)")


def _note(**kwargs) -> s.CharField:
    # helpdesk.inputs.note: trimmed, then at most NOTE_MAX_CHARS.
    return s.CharField(required=False, max_length=NOTE_MAX_CHARS, allow_blank=True, **kwargs)


class TicketCreate(s.Serializer):
    district = s.IntegerField(min_value=1, max_value=MAX_INT,
                              help_text="district id (district officials may omit it: their own)")
    category = s.SlugField(max_length=64, help_text="category code, e.g. otp-not-received")
    description = s.RegexField(SOME_TEXT, max_length=5000)
    subject = s.CharField(required=False, max_length=200, allow_blank=True)
    priority = s.ChoiceField(Priority.values, required=False)
    name = s.CharField(required=False, max_length=120, allow_blank=True)
    mobile = s.CharField(required=False)
    language = s.ChoiceField(LANGUAGES, required=False)
    reference_id = s.RegexField(REFERENCE, required=False, help_text="14 digits")
    channel = s.ChoiceField(Channel.values, required=False)
    attach_to_open = s.BooleanField(required=False, default=True,
                                    help_text="false: always a new ticket, even with the same complaint open")


class CommentCreate(s.Serializer):
    body = s.RegexField(SOME_TEXT, max_length=5000)
    public = s.BooleanField(default=False, help_text="a reply the citizen sees (desk staff only)")
    expected_version = _version()


class Transition(s.Serializer):
    to = s.ChoiceField(STATUSES_TO)
    note = _note(help_text="required (not blank) when `to` is resolved: the citizen's SMS carries it")
    vendor = s.CharField(required=False, max_length=64, allow_blank=True, help_text="vendor code (awaiting_vendor)")
    expected_version = _version()


class Assign(s.Serializer):
    assignee = s.IntegerField(allow_null=True, help_text="user id; null unassigns")
    expected_version = _version()


class SetPriority(s.Serializer):
    priority = s.ChoiceField(Priority.values)
    expected_version = _version()


class SetCategory(s.Serializer):
    category = s.SlugField(max_length=64, help_text="an active category's code")
    expected_version = _version()


MERGE_MAX = 100


class Merge(s.Serializer):
    tickets = s.ListField(child=_number(), min_length=1, max_length=MERGE_MAX,
                          help_text="the numbers of the tickets merged into this one (not this one)")
    note = _note()


class LinkIncident(s.Serializer):
    incident = s.IntegerField(allow_null=True, help_text="incident id; null unlinks")


class Contacted(s.Serializer):
    note = _note()


class AttachRegistration(s.Serializer):
    reference_id = s.RegexField(REFERENCE)


class CitizenComplaint(s.Serializer):
    name = s.RegexField(SOME_TEXT, max_length=120)
    mobile = s.CharField()
    district = s.IntegerField(min_value=1, max_value=MAX_INT)
    category = s.SlugField(max_length=64)
    description = s.RegexField(SOME_TEXT, max_length=5000)
    reference_id = s.RegexField(REFERENCE, required=False, help_text="14 digits")
    language = s.ChoiceField(LANGUAGES, required=False)


class StatusLookup(s.Serializer):
    number = _number()
    mobile = s.CharField()


class CitizenReply(s.Serializer):
    body = s.RegexField(SOME_TEXT, max_length=5000)


class InboundSms(s.Serializer):
    sender = s.CharField(help_text="the citizen's mobile")
    text = s.CharField(max_length=1600)
    id = s.CharField(required=False, max_length=100, allow_blank=True,
                     help_text="the gateway's message id: its retries are one message")


class TicketBulkIn(s.Serializer):
    action = s.ChoiceField(bulk.ACTIONS)
    tickets = s.ListField(child=_number(), min_length=1, max_length=bulk.BULK_MAX)
    assignee = s.IntegerField(required=False, allow_null=True, help_text="assign: user id; null unassigns")
    priority = s.ChoiceField(Priority.values, required=False, help_text="priority: required")
    to = s.ChoiceField(STATUSES_TO, required=False, help_text="status: required")
    note = _note(help_text="status: required (not blank) when `to` is resolved")
    vendor = s.IntegerField(required=False, allow_null=True, help_text="status awaiting_vendor: vendor id")
    incident = s.IntegerField(required=False, allow_null=True, help_text="incident: incident id; null unlinks")
    survivor = _number(required=False, help_text="merge: required, the ticket the others merge into")

    class Meta:
        ref_name = "TicketBulk"


class TeamViewParams(s.Serializer):
    """The list parameters a team view stores, as GET /api/tickets/ takes them (tickets/api/lists.py)."""

    view = s.ChoiceField(list(VIEW_NAMES), required=False, help_text="the base view (a built-in one)")
    status = s.ListField(child=s.ChoiceField(TicketStatus.values), required=False)
    priority = s.ListField(child=s.ChoiceField(Priority.values), required=False)
    district = s.IntegerField(min_value=1, max_value=MAX_INT, required=False, help_text="an existing district's id")
    category = s.SlugField(max_length=64, required=False, help_text="an active category's code")
    assignee = s.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    unassigned = s.ChoiceField(["true", "false"], required=False)
    channel = s.ChoiceField(Channel.values, required=False)
    created_after = s.RegexField(INSTANT_PATTERN, required=False)
    created_before = s.RegexField(INSTANT_PATTERN, required=False)
    q = s.CharField(max_length=SEARCH_MAX, required=False, allow_blank=True)
    sort = s.ChoiceField(SORT_CHOICES, required=False)


class TeamViewCreate(s.Serializer):
    name_en = s.RegexField(SOME_TEXT, max_length=80)
    name_hi = s.CharField(max_length=80, required=False, allow_blank=True)
    params = TeamViewParams(required=False)


# tickets.canned.canned_validate: text that says something, whose braces are only the known
# placeholders ({number}, {eta}, ...) or doubled ({{ and }} stand for a brace).
_CANNED_PIECE = "(?:\\{\\{|\\}\\}|\\{(?:" + "|".join(canned.PLACEHOLDERS) + ")\\}"
CANNED_TEXT = (f"^{_CANNED_PIECE}|[^{{}}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])*"
               f"{_CANNED_PIECE}|[^{{}}\\s\x00-\x1f\x7f-\x9f])"
               f"{_CANNED_PIECE}|[^{{}}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])*$")
CANNED_MAX = 2000


class CannedResponseIn(s.Serializer):
    title = s.RegexField(SOME_TEXT, max_length=120, help_text="unique")
    body_en = s.RegexField(CANNED_TEXT, max_length=CANNED_MAX)
    body_hi = s.RegexField(CANNED_TEXT, max_length=CANNED_MAX)
    is_active = s.BooleanField(required=False, default=True)
