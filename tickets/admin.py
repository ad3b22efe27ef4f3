from django import forms
from django.contrib import admin

from helpdesk.exceptions import InvalidInput

from .canned import canned_create, canned_update, canned_validate
from .models import Attachment, CannedResponse, Category, Comment, Tag, Ticket, TicketEvent


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
    # The status link's secret is only ever sent by SMS; not even its hash is shown.
    exclude = ("secret_hash",)
    readonly_fields = [f.name for f in Ticket._meta.fields if f.name != "secret_hash"]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("ticket", "author_kind", "is_public", "created_at")
    raw_id_fields = ("ticket",)
    readonly_fields = ("ticket", "author", "author_kind", "is_public", "channel", "body", "created_at")


class CannedResponseForm(forms.ModelForm):
    """Refuses a text with an unknown placeholder ({numbr}) or a broken brace, naming the field."""

    class Meta:
        model = CannedResponse
        fields = ("title", "body_en", "body_hi", "is_active")

    def clean(self):
        data = super().clean()
        try:
            canned_validate(body_en=data.get("body_en", ""), body_hi=data.get("body_hi", ""))
        except InvalidInput as exc:
            raise forms.ValidationError({exc.extra.get("field") or "body_en": exc.detail}) from None
        return data


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    """Supervisors manage the canned responses; saves go through tickets.canned."""

    form = CannedResponseForm
    list_display = ("title", "is_active", "usage_count", "last_used_at", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("title", "body_en", "body_hi")
    readonly_fields = ("usage_count", "last_used_at", "created_by", "updated_at")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("title", "body_en", "body_hi", "is_active")}
        if change:
            saved = canned_update(canned_id=obj.pk, actor=request.user, **data)
        else:
            saved = canned_create(actor=request.user, **data)
        obj.pk = saved.pk


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only: attachments arrive with comments and complaints."""

    list_display = ("original_name", "ticket", "content_type", "size", "is_public", "created_at")
    list_filter = ("content_type", "is_public")
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
