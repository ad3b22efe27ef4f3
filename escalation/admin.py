"""Supervisors edit calendars, policies, ladders, contacts and on-call rotations here. Per-ticket
state (clocks, escalation records, outbox) is shown read-only: it is written by the engine."""

from django.contrib import admin

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


class LevelInline(admin.TabularInline):
    model = LadderLevel
    extra = 0


@admin.register(Ladder)
class LadderAdmin(admin.ModelAdmin):
    list_display = ["name", "repeat_every_minutes", "max_loops"]
    inlines = [LevelInline]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
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
