from django.contrib import admin

from .models import AgentNotification, Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Read-only: calls arrive from the telephony webhook."""

    list_display = ("call_id", "direction", "state", "agent", "started_at", "missed", "callback_cleared_at")
    list_filter = ("state", "direction", "missed")
    search_fields = ("call_id", "caller_mobile")
    readonly_fields = [f.name for f in Call._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AgentNotification)
class AgentNotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "ticket", "created_at", "read_at")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in AgentNotification._meta.fields]

    def has_add_permission(self, request):
        return False
