"""The shapes the escalation API (/api/sla/) answers with, for the schema (drf-spectacular reads
these): each is exactly what its view builds (escalation/api.py, selectors.ticket_clocks,
report.accountability); the views keep building plain dicts."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers as s

from .report import AGE_BUCKETS


class InstantField(s.DateTimeField):
    """A timestamp in IST, as everywhere; in UTC where the day's offset is not whole minutes
    (Asia/Kolkata's local mean time, +05:53:28, before 1880), which RFC 3339 cannot write."""

    def enforce_timezone(self, value):
        value = super().enforce_timezone(value)
        offset = value.utcoffset() if isinstance(value, dt.datetime) else None
        if offset is not None and offset.seconds % 60:
            value = value.astimezone(dt.UTC)
        return value


class Page(s.Serializer):
    count = s.IntegerField()
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)


def page(name: str, item) -> type[s.Serializer]:
    """A page of the configuration lists (helpdesk.api.Pagination) of `item`s."""
    return type(name, (Page,), {"results": item(many=True)})


class ClockOut(s.Serializer):
    id = s.IntegerField()
    kind = s.CharField()
    label = s.CharField()
    cycle = s.IntegerField()
    state = s.CharField(help_text="running, paused or stopped")
    goal_minutes = s.IntegerField()
    business = s.BooleanField()
    calendar = s.CharField(help_text="24x7 or business hours")
    started_at = s.DateTimeField()
    due_at = s.DateTimeField(allow_null=True)
    eta_at = s.DateTimeField(allow_null=True)
    minutes_left = s.IntegerField(allow_null=True)
    breached_by_minutes = s.IntegerField(allow_null=True)
    breached = s.BooleanField()
    paused = s.BooleanField()
    pause_reason = s.CharField(allow_blank=True)
    paused_at = s.DateTimeField(allow_null=True)
    elapsed_business_minutes = s.IntegerField()
    elapsed_wall_minutes = s.IntegerField()
    warnings_sent = s.IntegerField()
    escalation_steps = s.IntegerField()
    acknowledged_at = s.DateTimeField(allow_null=True)
    stopped_at = s.DateTimeField(allow_null=True)
    stop_reason = s.CharField(allow_blank=True)


class ClockList(s.Serializer):
    results = ClockOut(many=True)


class AcknowledgeOut(s.Serializer):
    acknowledged = s.BooleanField(help_text="false: there was nothing to acknowledge")
    clocks = s.ListField(child=s.CharField(), help_text="the kinds of the clocks acknowledged")


class ProgressOut(s.Serializer):
    eta_at = s.DateTimeField()
    clock_id = s.IntegerField()
    cycle = s.IntegerField()


class WindowOut(s.Serializer):
    weekday = s.IntegerField(help_text="0 Monday .. 6 Sunday")
    opens = s.CharField(help_text="HH:MM")
    closes = s.CharField(help_text="HH:MM")


class HolidayOut(s.Serializer):
    date = s.DateField()
    name = s.CharField(allow_blank=True)


class CalendarOut(s.Serializer):
    id = s.IntegerField()
    name = s.CharField()
    timezone = s.CharField()
    always_open = s.BooleanField()
    windows = WindowOut(many=True)
    holidays = HolidayOut(many=True)


class PolicyConditions(s.Serializer):
    priority = s.CharField(allow_null=True)
    category_id = s.IntegerField(allow_null=True)
    district_id = s.IntegerField(allow_null=True)
    requester_kind = s.CharField(allow_null=True)


class PolicyTargets(s.Serializer):
    first_response = s.IntegerField()
    resolution = s.IntegerField()
    vendor_ack = s.IntegerField()
    vendor_restore = s.IntegerField()
    eta_update = s.IntegerField()


class PolicySummary(s.Serializer):
    id = s.IntegerField()
    name = s.CharField()
    position = s.IntegerField()
    is_active = s.BooleanField()
    is_fallback = s.BooleanField()
    conditions = PolicyConditions()
    calendar = s.CharField()
    targets_minutes = PolicyTargets()
    warn_percent = s.IntegerField()
    warn_before_minutes = s.IntegerField()
    ladder = s.CharField(allow_null=True)
    vendor_id = s.IntegerField(allow_null=True)


class LevelOut(s.Serializer):
    level = s.IntegerField()
    offset_minutes = s.IntegerField()
    targets = s.ListField(child=s.CharField())
    channels = s.ListField(child=s.CharField())
    requires_ack = s.BooleanField()


class LadderOut(s.Serializer):
    id = s.IntegerField()
    name = s.CharField()
    repeat_every_minutes = s.IntegerField(allow_null=True)
    max_loops = s.IntegerField()
    levels = LevelOut(many=True, source="levels.all")


class RotationSummary(s.Serializer):
    id = s.IntegerField()
    name = s.CharField()
    vendor = s.CharField(help_text="vendor code")
    starts_at = s.DateTimeField()
    shift_hours = s.IntegerField()
    is_active = s.BooleanField()
    members = s.ListField(child=s.CharField(), help_text="usernames, in turn order")
    on_call_now = s.CharField(allow_null=True, help_text="username")


class NoticeOut(s.Serializer):
    user = s.CharField(allow_null=True, help_text="username")
    target = s.CharField()
    channels = s.ListField(child=s.CharField())
    acknowledged_at = s.DateTimeField(allow_null=True)
    via = s.CharField(allow_null=True)


class EscalationOut(s.Serializer):
    id = s.IntegerField()
    ticket = s.CharField(help_text="ticket number")
    clock = s.CharField(help_text="clock kind")
    cycle = s.IntegerField()
    level = s.IntegerField()
    loop = s.IntegerField()
    vendor_id = s.IntegerField(allow_null=True)
    due_at = s.DateTimeField()
    fired_at = s.DateTimeField()
    acknowledged_at = s.DateTimeField(allow_null=True)
    notices = NoticeOut(many=True)


CalendarPage = page("CalendarPage", CalendarOut)
PolicyPage = page("PolicyPage", PolicySummary)
LadderPage = page("LadderPage", LadderOut)
RotationPage = page("RotationPage", RotationSummary)
EscalationPage = page("EscalationPage", EscalationOut)


# --- the accountability report (report.accountability) ------------------------------------------
class Period(s.Serializer):
    from_ = s.DateTimeField()
    to = s.DateTimeField()
    district_id = s.IntegerField(allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class _Counts(s.Serializer):
    vendor = s.CharField(help_text="vendor name (- when unknown)")
    received = s.IntegerField()
    acknowledged = s.IntegerField()
    acknowledged_within_target = s.IntegerField()
    within_target_pct = s.FloatField(allow_null=True)
    median_ack_seconds = s.IntegerField(allow_null=True)
    p90_ack_seconds = s.IntegerField(allow_null=True)
    never_acknowledged = s.IntegerField()
    etas_given = s.IntegerField()
    etas_met = s.IntegerField()


class VendorRow(_Counts):
    vendor_id = s.IntegerField(allow_null=True)
    ratings = s.IntegerField()
    rating_avg = s.FloatField(allow_null=True)


class PersonRow(_Counts):
    user_id = s.IntegerField()
    name = s.CharField()
    title = s.CharField(allow_blank=True)


class PendingRow(s.Serializer):
    vendor_id = s.IntegerField(allow_null=True)
    vendor = s.CharField()

    def get_fields(self):
        fields = super().get_fields()
        for label, _hours in AGE_BUCKETS:
            fields[label] = s.IntegerField(help_text=f"tickets pending with the vendor for {label}")
        return fields


class AccountabilityOut(s.Serializer):
    period = Period()
    vendors = VendorRow(many=True)
    people = PersonRow(many=True)
    pending_with_vendor = PendingRow(many=True)
