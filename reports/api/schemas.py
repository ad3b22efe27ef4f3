"""The shapes the reports API answers with and takes, for the schema (drf-spectacular reads these).
Each table is exactly what reports/tables.py `Table.as_json` builds from its selector (the table's
name, its meta, columns and rows, one key per column), with the scope the view adds. The views
keep returning those dicts; the fuzz tests from outside check every answer against these."""

from __future__ import annotations

from rest_framework import serializers as s

from helpdesk.inputs import NOTE_MAX_CHARS

from ..selectors import PRIORITIES

# Text of a note: no control character but tab and newlines (helpdesk.inputs.note), and at least
# one character that is not white space (str.strip's: the characters below, space to ideographic
# space).
_SPACE = " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_TEXT_CHAR = "[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_INK_CHAR = f"[^\x00-\x1f\x7f-\x9f{_SPACE}]"
NOT_BLANK_TEXT = f"^{_TEXT_CHAR}*{_INK_CHAR}{_TEXT_CHAR}*$"


class _Renamed(s.Serializer):
    # A field named by a Python keyword (`from`) is declared as `from_`.
    def get_fields(self):
        fields = super().get_fields()
        return {name.rstrip("_"): field for name, field in fields.items()}


# --- what every table carries -----------------------------------------------------------------


class ReportColumn(s.Serializer):
    key = s.CharField(help_text="the key of this column in every row")
    label = s.CharField(help_text="in the caller's language")
    kind = s.CharField(help_text="text, code (a machine key), int, float, percent, minutes or datetime")


class ReportDistrict(s.Serializer):
    code = s.CharField()
    name = s.CharField()


class ReportScopeOut(s.Serializer):
    level = s.CharField(help_text="state or district")
    district = ReportDistrict(allow_null=True, help_text="null for the state")


class ReportPeriod(_Renamed):
    """A window: whole IST days (`from`, `to`) and the instants it spans."""

    from_ = s.DateField(help_text="first IST day")
    to = s.DateField(help_text="last IST day")
    start = s.DateTimeField(help_text="the instant the window starts (inclusive)")
    end = s.DateTimeField(help_text="the instant the window ends (exclusive)")


class ReportTable(s.Serializer):
    table = s.CharField()
    columns = ReportColumn(many=True)
    scope = ReportScopeOut()


class CachedReportTable(ReportTable):
    computed_at = s.DateTimeField(required=False, help_text="when the figures were computed (cached "
                                                            "for REPORTS_CACHE_SECONDS; absent when not cached)")


class PeriodReportTable(CachedReportTable):
    period = ReportPeriod()


def _per_priority(name: str, **fields: s.Field) -> type[s.Serializer]:
    """A serializer with one count per priority (P1...) besides `fields`."""
    return type(name, (s.Serializer,), {**fields, **{p: s.IntegerField() for p in PRIORITIES}})


ReportPriorityCounts = _per_priority("ReportPriorityCounts")

# --- the dashboards ---------------------------------------------------------------------------

ReportOpenRow = _per_priority("ReportOpenRow", status=s.CharField(), status_label=s.CharField(), total=s.IntegerField())


class OpenTableOut(ReportTable):
    rows = ReportOpenRow(many=True)
    total = s.IntegerField()
    by_priority = ReportPriorityCounts()


class ReportIntakeRow(s.Serializer):
    hour = s.IntegerField(help_text="0-23, IST")
    label = s.CharField()
    today = s.IntegerField(allow_null=True, help_text="null for the hours still to come")
    usual = s.FloatField(help_text="mean opened in this hour over the previous 28 days")


class IntakeTableOut(ReportTable):
    rows = ReportIntakeRow(many=True)
    date = s.DateField()
    today_total = s.IntegerField()
    usual_to_this_hour = s.FloatField()
    usual_days = s.IntegerField()


ReportBacklogRow = _per_priority("ReportBacklogRow", bucket=s.CharField(), label=s.CharField(), total=s.IntegerField())


class BacklogTableOut(ReportTable):
    rows = ReportBacklogRow(many=True)
    total = s.IntegerField()
    as_of = s.DateTimeField()


class ReportSlaRow(s.Serializer):
    clock = s.CharField()
    label = s.CharField()
    total = s.IntegerField()
    met = s.IntegerField()
    breached = s.IntegerField()
    running = s.IntegerField()
    at_risk = s.IntegerField()
    compliance = s.FloatField(allow_null=True, help_text="percent of the decided clocks; null when none is")


class SlaTableOut(PeriodReportTable):
    rows = ReportSlaRow(many=True)
    available = s.BooleanField(help_text="false: the SLA clocks are not installed (no rows)")
    at_risk_definition = s.CharField()


class ReportResponseTimeRow(s.Serializer):
    measure = s.CharField(help_text="mtta or mttr")
    label = s.CharField()
    basis = s.CharField(help_text="wall_clock or business")
    count = s.IntegerField()
    median_minutes = s.FloatField(allow_null=True)
    p90_minutes = s.FloatField(allow_null=True)


class ResponseTimesTableOut(PeriodReportTable):
    rows = ReportResponseTimeRow(many=True)
    business_time = s.BooleanField()


class ReportDistrictRow(s.Serializer):
    rank = s.IntegerField()
    district = s.CharField()
    name = s.CharField()
    breaches = s.IntegerField()
    backlog = s.IntegerField()
    opened = s.IntegerField()
    reopened = s.IntegerField()
    resolved_once = s.IntegerField()
    reopen_rate = s.FloatField(allow_null=True)


class DistrictsTableOut(PeriodReportTable):
    rows = ReportDistrictRow(many=True)
    order = s.CharField()
    sla_available = s.BooleanField()


class ReportPositionRow(s.Serializer):
    metric = s.CharField()
    label = s.CharField()
    district = s.FloatField(allow_null=True, help_text="this district's figure")
    state = s.FloatField(allow_null=True, help_text="the state's (see basis)")
    basis = s.CharField()
    rank = s.IntegerField(allow_null=True)


class PositionTableOut(PeriodReportTable):
    rows = ReportPositionRow(many=True)
    districts = s.IntegerField()


class ReportCategoryRow(s.Serializer):
    category = s.CharField()
    name = s.CharField()
    opened = s.IntegerField()
    still_open = s.IntegerField()
    p1 = s.IntegerField()
    reopened = s.IntegerField()


class CategoriesTableOut(PeriodReportTable):
    rows = ReportCategoryRow(many=True)


class ReportVendorRow(s.Serializer):
    scope = s.CharField(help_text="vendor or person")
    name = s.CharField()
    vendor = s.CharField()
    received = s.IntegerField()
    acknowledged = s.IntegerField()
    acknowledged_within_target = s.IntegerField()
    within_target_pct = s.FloatField(allow_null=True)
    median_ack_seconds = s.IntegerField(allow_null=True)
    p90_ack_seconds = s.IntegerField(allow_null=True)
    never_acknowledged = s.IntegerField()
    etas_given = s.IntegerField()
    etas_met = s.IntegerField()
    ratings = s.IntegerField(allow_null=True, help_text="vendors only (null for a person)")
    rating_avg = s.FloatField(allow_null=True)


class VendorTableOut(PeriodReportTable):
    rows = ReportVendorRow(many=True)
    available = s.BooleanField(help_text="false: escalation is not installed (no columns, no rows)")


class ReportRatingRow(s.Serializer):
    dimension = s.CharField(help_text="vendor, district or category")
    code = s.CharField(allow_blank=True)
    name = s.CharField()
    ratings = s.IntegerField()
    average = s.FloatField()
    good_pct = s.FloatField(allow_null=True)


class RatingsTableOut(PeriodReportTable):
    rows = ReportRatingRow(many=True)


class ReportIncidentRow(s.Serializer):
    id = s.IntegerField()
    title = s.CharField()
    status = s.CharField()
    severity = s.CharField()
    created_at = s.DateTimeField()
    tickets = s.IntegerField(help_text="linked tickets still open")


class IncidentsTableOut(ReportTable):
    rows = ReportIncidentRow(many=True)
    available = s.BooleanField()


# --- the ticket export ------------------------------------------------------------------------


class ReportTicketExportRow(s.Serializer):
    number = s.CharField()
    created_at = s.DateTimeField()
    district_code = s.CharField()
    category_code = s.CharField()
    priority = s.CharField()
    status = s.CharField()
    channel = s.CharField()
    requester_kind = s.CharField()
    first_response_at = s.DateTimeField(allow_null=True)
    resolved_at = s.DateTimeField(allow_null=True)
    closed_at = s.DateTimeField(allow_null=True)
    reopened_count = s.IntegerField()
    chased_count = s.IntegerField()


class TicketsTableOut(ReportTable):
    rows = ReportTicketExportRow(many=True)
    period = ReportPeriod()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)


# --- the shift handover -----------------------------------------------------------------------


class ShiftReportTable(ReportTable):
    shift = ReportPeriod()


class ReportShiftTicketRow(s.Serializer):
    number = s.CharField()
    created_at = s.DateTimeField()
    district = s.CharField()
    category = s.CharField()
    priority = s.CharField()
    status = s.CharField()
    channel = s.CharField()


class ShiftOpenedTableOut(ShiftReportTable):
    rows = ReportShiftTicketRow(many=True)


class ReportShiftClosedRow(s.Serializer):
    number = s.CharField()
    created_at = s.DateTimeField()
    to_value = s.CharField(help_text="resolved or closed")
    district = s.CharField()
    category = s.CharField()
    priority = s.CharField()


class ShiftClosedTableOut(ShiftReportTable):
    rows = ReportShiftClosedRow(many=True)


class ReportShiftPendingRow(s.Serializer):
    number = s.CharField()
    fired_at = s.DateTimeField()
    level = s.IntegerField()
    clock = s.CharField()
    vendor = s.CharField(allow_blank=True)
    district = s.CharField()
    waiting_minutes = s.FloatField()


class ShiftPendingTableOut(ShiftReportTable):
    rows = ReportShiftPendingRow(many=True)
    available = s.BooleanField()


class ReportShiftBreachRow(s.Serializer):
    number = s.CharField()
    created_at = s.DateTimeField()
    kind = s.CharField(help_text="sla_breach or eta_missed")
    clock = s.CharField(allow_blank=True)
    priority = s.CharField()
    district = s.CharField()


class ShiftBreachesTableOut(ShiftReportTable):
    rows = ReportShiftBreachRow(many=True)
    available = s.BooleanField()


class ReportShiftNoteRow(s.Serializer):
    created_at = s.DateTimeField()
    author_name = s.CharField()
    ticket_number = s.CharField(allow_null=True)
    body = s.CharField()


class ShiftNotesTableOut(ShiftReportTable):
    rows = ReportShiftNoteRow(many=True)


class ShiftSummaryOut(s.Serializer):
    shift = ReportPeriod()
    opened = s.IntegerField()
    opened_p1 = s.IntegerField()
    resolved = s.IntegerField()
    closed = s.IntegerField()
    open_now = s.IntegerField()
    scope = ReportScopeOut()


class HandoverNoteIn(s.Serializer):
    body = s.RegexField(NOT_BLANK_TEXT, max_length=NOTE_MAX_CHARS, help_text="stored as written; not only white space")
    ticket = s.CharField(required=False, allow_null=True, allow_blank=True, max_length=13,
                         help_text="a ticket's number, with or without the dash (empty or null: none)")


class HandoverNoteOut(s.Serializer):
    id = s.IntegerField()
    body = s.CharField()
    ticket = s.CharField(allow_null=True, help_text="the ticket's number")
    created_at = s.DateTimeField()
    author = s.CharField(help_text="username")
