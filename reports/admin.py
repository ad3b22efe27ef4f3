from django.contrib import admin

from .models import HandoverNote


@admin.register(HandoverNote)
class HandoverNoteAdmin(admin.ModelAdmin):
    """Notes are append-only: the admin shows them, it does not edit them."""

    list_display = ("created_at", "author", "ticket", "body")
    list_select_related = ("author", "ticket")
    search_fields = ("body", "author__username", "ticket__number")
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
