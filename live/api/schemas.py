"""The shapes the live API answers with and the request bodies it takes, for the schema
(drf-spectacular reads these). Answers: exactly what representation.py builds. Requests: the
rules helpdesk.inputs and live.services apply, field by field (parsing.py and the services still
parse; a rule no JSON Schema can state, a code that must name a row, is said in the help text)."""

from __future__ import annotations

from rest_framework import serializers as s

from helpdesk.api.text import empty_or_text, stripped_text
from helpdesk.inputs import MAX_INT

from ..models import ComponentStatus, IncidentStatus, Severity
from ..services import MAX_TEXT
from .parsing import MAX_BULK, MAX_COMPONENTS

TITLE_MAX = 200
SLUG = r"^[-a-zA-Z0-9_]+$"


# --- answers --------------------------------------------------------------------------------------
class UpdateOut(s.Serializer):
    id = s.IntegerField()
    public = s.BooleanField()
    status = s.CharField()
    body_en = s.CharField(allow_blank=True)
    body_hi = s.CharField(allow_blank=True, help_text="empty for an internal note")
    created_at = s.DateTimeField()


class IncidentOut(s.Serializer):
    id = s.IntegerField()
    title = s.CharField()
    title_hi = s.CharField(allow_blank=True)
    status = s.CharField(help_text="investigating, identified, monitoring or resolved")
    severity = s.CharField(help_text="minor, major or critical")
    public = s.BooleanField()
    components = s.ListField(child=s.CharField(), help_text="component codes")
    districts = s.ListField(child=s.IntegerField(), help_text="district ids; empty: statewide")
    created_at = s.DateTimeField()
    resolved_at = s.DateTimeField(allow_null=True)
    cadence_minutes = s.IntegerField()
    last_public_update_at = s.DateTimeField(allow_null=True)
    next_update_due_at = s.DateTimeField(allow_null=True)
    overdue = s.BooleanField()


class IncidentDetailOut(IncidentOut):
    updates = UpdateOut(many=True, help_text="staff see internal notes too")


class IncidentPage(s.Serializer):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = IncidentOut(many=True)


class StatusDistrict(s.Serializer):
    id = s.IntegerField()
    code = s.CharField()
    status = s.CharField(help_text="operational, degraded, partial_outage or major_outage")


class StatusComponent(s.Serializer):
    code = s.CharField()
    name_en = s.CharField()
    name_hi = s.CharField()
    status = s.CharField(help_text="operational, degraded, partial_outage or major_outage")
    districts = StatusDistrict(many=True, help_text="where it differs from the statewide status")


class StatusIncident(IncidentOut):
    minutes_since_update = s.IntegerField(allow_null=True)
    updates = UpdateOut(many=True, help_text="public updates only")


class StatusOut(s.Serializer):
    district = s.CharField(allow_null=True)
    components = StatusComponent(many=True)
    incidents = StatusIncident(many=True)


class TicketEventOut(s.Serializer):
    type = s.CharField(help_text="ticket.<kind>, e.g. ticket.status_changed")
    event_id = s.IntegerField()
    ticket_id = s.IntegerField()
    number = s.CharField()
    district_id = s.IntegerField()
    status = s.CharField()
    priority = s.CharField()
    changes = s.DictField(help_text="from/to and safe ids and codes of the change (live.events)")
    at = s.DateTimeField()


class EventPage(s.Serializer):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    cursor = s.IntegerField(help_text="the last event id in this page (or `since`): send it back as since")
    results = TicketEventOut(many=True)


class ComponentStateOut(s.Serializer):
    component = s.CharField()
    district = s.IntegerField(allow_null=True)
    status = s.CharField(help_text="operational, degraded, partial_outage or major_outage")
    updated_at = s.DateTimeField(allow_null=True)


class SuspicionOut(s.Serializer):
    id = s.IntegerField()
    category = s.CharField()
    district_id = s.IntegerField(allow_null=True)
    status = s.CharField()
    count = s.IntegerField()
    baseline = s.FloatField()
    incident_id = s.IntegerField(allow_null=True)
    ticket_ids = s.ListField(child=s.IntegerField())
    created_at = s.DateTimeField()


class SuspicionPage(s.Serializer):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = SuspicionOut(many=True)


class SuspicionDismissed(s.Serializer):
    id = s.IntegerField()
    status = s.CharField()


# --- requests -------------------------------------------------------------------------------------
def _ids(max_length: int, **kwargs) -> s.ListField:
    return s.ListField(child=s.IntegerField(min_value=1, max_value=MAX_INT), max_length=max_length, **kwargs)


class IncidentCreateIn(s.Serializer):
    title = stripped_text(TITLE_MAX)
    title_hi = stripped_text(TITLE_MAX, blank=True, required=False, allow_null=True)
    severity = s.ChoiceField(Severity.values, required=False, allow_null=True, help_text="default major")
    components = s.ListField(child=s.RegexField(SLUG, max_length=64), max_length=MAX_COMPONENTS, required=False,
                             allow_null=True, help_text="codes of existing components")
    districts = _ids(MAX_BULK, required=False, allow_null=True, help_text="ids of existing districts")
    component_status = s.ChoiceField(ComponentStatus.values, required=False, allow_null=True,
                                     help_text="set on the components in each district (or statewide)")
    public = s.BooleanField(required=False, allow_null=True, help_text="default true")
    body_en = stripped_text(MAX_TEXT, required=False, allow_null=True,
                            help_text="the first public update: required unless public is false")
    body_hi = stripped_text(MAX_TEXT, required=False, allow_null=True,
                            help_text="the first public update: required unless public is false")
    ticket_ids = _ids(MAX_BULK, required=False, allow_null=True, help_text="ids of existing tickets")

    class Meta:
        ref_name = "IncidentCreate"


class IncidentUpdateIn(s.Serializer):
    body_en = stripped_text(MAX_TEXT)
    body_hi = stripped_text(MAX_TEXT)
    status = s.ChoiceField(IncidentStatus.values, required=False, allow_null=True, allow_blank=True,
                           help_text="move the lifecycle on too (\"\": no move)")
    restore_components = s.BooleanField(required=False, allow_null=True, help_text="default true")


class IncidentNoteIn(s.Serializer):
    body = stripped_text(MAX_TEXT)


class IncidentTransitionIn(s.Serializer):
    status = s.ChoiceField(IncidentStatus.values)
    restore_components = s.BooleanField(required=False, allow_null=True, help_text="default true")
    body_en = empty_or_text(MAX_TEXT, allow_null=True, help_text="with body_hi: a public update too")
    body_hi = empty_or_text(MAX_TEXT, allow_null=True, help_text="with body_en: a public update too")


class ComponentStatusIn(s.Serializer):
    status = s.ChoiceField(ComponentStatus.values)
    district = s.IntegerField(min_value=1, max_value=MAX_INT, required=False, allow_null=True,
                              help_text="an existing district's id; absent: statewide")


class SuspicionConfirmIn(s.Serializer):
    title = empty_or_text(TITLE_MAX, allow_null=True, help_text="default: the category and the place")
    severity = s.ChoiceField(Severity.values, required=False, allow_null=True, help_text="default major")
    public = s.BooleanField(required=False, allow_null=True, help_text="default false")
    body_en = empty_or_text(MAX_TEXT, allow_null=True, help_text="required when public")
    body_hi = empty_or_text(MAX_TEXT, allow_null=True, help_text="required when public")


REQUESTS = {serializer: set(serializer().fields) for serializer in (
    IncidentCreateIn, IncidentUpdateIn, IncidentNoteIn, IncidentTransitionIn, ComponentStatusIn, SuspicionConfirmIn)}
