from django.contrib import admin

from .models import (
    CadenceAlert,
    Component,
    ComponentState,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
    Suspicion,
)


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_hi", "position")


@admin.register(ComponentState)
class ComponentStateAdmin(admin.ModelAdmin):
    """Read-only: statuses change through the incident pages (services keep the history)."""

    list_display = ("component", "district", "status", "updated_at")
    list_filter = ("status", "component")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ComponentStatusChange)
class ComponentStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("component", "district", "from_status", "to_status", "at", "incident")
    list_filter = ("component", "to_status")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class UpdateInline(admin.TabularInline):
    model = IncidentUpdate
    extra = 0
    can_delete = False
    readonly_fields = ("is_public", "status", "body_en", "body_hi", "author", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only view; the lifecycle is managed on /incidents/ (services send the live events)."""

    list_display = ("id", "title", "severity", "status", "is_public", "created_at", "next_update_due_at")
    list_filter = ("status", "severity", "is_public")
    search_fields = ("title", "title_hi")
    inlines = [UpdateInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Suspicion)
class SuspicionAdmin(admin.ModelAdmin):
    list_display = ("id", "category", "district", "status", "window_count", "baseline", "created_at")
    list_filter = ("status", "category")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CadenceAlert)
class CadenceAlertAdmin(admin.ModelAdmin):
    list_display = ("incident", "kind", "due_at", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
