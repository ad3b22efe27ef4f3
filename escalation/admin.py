"""Supervisors edit calendars, policies, ladders, contacts and on-call rotations here. Per-ticket
state (clocks, escalation records, outbox) is shown read-only: it is written by the engine."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Calendar,
    CalendarWindow,
    Clock,
    Contact,
    EscalationNotice,
    EscalationRecord,
    Holiday,
    Ladder,
    LadderLevel,
    OnCallMember,
    OnCallRotation,
    OutboxMessage,
    Policy,
    TargetKind,
    VendorEndpoint,
)


class WindowInline(admin.TabularInline):
    model = CalendarWindow
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "always_open"]
    inlines = [WindowInline, HolidayInline]


class LevelForm(forms.ModelForm):
    class Meta:
        model = LadderLevel
        fields = ["level", "offset_minutes", "targets", "channels", "requires_ack"]

    def clean(self):
        data = super().clean()
        targets = set(data.get("targets") or [])
        if not targets or targets - set(TargetKind.values):
            raise forms.ValidationError(_("Targets are some of: %(names)s.") % {"names": ", ".join(TargetKind.values)})
        if set(data.get("channels") or []) - {"sms", "email"}:
            raise forms.ValidationError(_("Channels are sms and/or email."))
        return data


class LevelInline(admin.TabularInline):
    model = LadderLevel
    form = LevelForm
    extra = 0


@admin.register(Ladder)
class LadderAdmin(admin.ModelAdmin):
    list_display = ["name", "repeat_every_minutes", "max_loops"]
    inlines = [LevelInline]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ["name", "position", "is_active", "is_fallback", "priority", "category", "district",
                  "requester_kind", "calendar", "first_response_minutes", "resolution_minutes",
                  "vendor_ack_minutes", "vendor_restore_minutes", "eta_update_minutes", "warn_percent",
                  "warn_before_minutes", "ladder", "escalate_clocks", "vendor"]

    def clean(self):
        data = super().clean()
        calendar = data.get("calendar")
        if data.get("priority") == "P1" and calendar is not None and not calendar.always_open:
            raise forms.ValidationError(_("A P1 policy runs on a 24x7 calendar."))
        ladder_targets = {"first_response", "resolution", "vendor_ack", "vendor_restore", "eta"}
        unknown = set(data.get("escalate_clocks") or []) - ladder_targets
        if unknown:
            raise forms.ValidationError(_("Unknown clocks: %(names)s.") % {"names": ", ".join(sorted(unknown))})
        return data


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ["name", "position", "is_active", "is_fallback", "priority", "category", "district",
                    "requester_kind", "calendar", "first_response_minutes", "resolution_minutes", "ladder"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "priority", "calendar"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["user", "designation", "vendor", "district", "position"]
    list_filter = ["designation", "vendor"]
    autocomplete_fields = ["user"]


@admin.register(VendorEndpoint)
class VendorEndpointAdmin(admin.ModelAdmin):
    list_display = ["vendor", "webhook_url"]


class MemberInline(admin.TabularInline):
    model = OnCallMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(OnCallRotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "starts_at", "shift_hours", "is_active"]
    inlines = [MemberInline]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Clock)
class ClockAdmin(ReadOnly):
    list_display = ["ticket", "kind", "cycle", "state", "due_at", "breached_at", "ladder_done", "acknowledged_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["ticket"]


class NoticeInline(admin.TabularInline):
    model = EscalationNotice
    extra = 0
    can_delete = False
    readonly_fields = ["user", "target", "channels", "acknowledged_at", "ack_seconds", "ack_via"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EscalationRecord)
class EscalationRecordAdmin(ReadOnly):
    list_display = ["ticket", "clock", "level", "loop", "vendor", "fired_at", "acknowledged_at"]
    list_filter = ["vendor", "level"]
    list_select_related = ["ticket", "clock", "vendor"]
    inlines = [NoticeInline]


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnly):
    list_display = ["created_at", "channel", "recipient", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["idempotency_key"]
