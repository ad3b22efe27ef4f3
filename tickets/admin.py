from django.contrib import admin

from .models import Category, Comment, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_hi", "default_priority", "position", "is_active")
    list_editable = ("position", "is_active")


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "actor", "actor_label", "from_value", "to_value", "payload")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: changes go through the console and API so that every change is an event."""

    list_display = ("number", "status", "priority", "district", "category", "assignee", "created_at")
    list_filter = ("status", "priority", "category", "district", "channel")
    search_fields = ("number", "requester_mobile", "registration_reference")
    list_select_related = ("district", "category", "assignee")
    readonly_fields = [f.name for f in Ticket._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("ticket", "author_kind", "is_public", "created_at")
    raw_id_fields = ("ticket",)
    readonly_fields = ("ticket", "author", "author_kind", "is_public", "channel", "body", "created_at")
