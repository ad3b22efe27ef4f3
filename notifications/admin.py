"""The outbox and the calls it placed, read-only: written by the outbox only."""

from django.contrib import admin

from helpdesk.admin import ReadOnlyAdmin

from .models import OutboxMessage, VoiceCall
from .outbox import shown_body


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "recipient", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["idempotency_key"]
    # Never the raw body: a pending OTP, an acknowledgement link or a citizen's secret link.
    exclude = ["body", "redacted_body"]

    @admin.display(description="body")
    def body_shown(self, obj) -> str:
        return shown_body(obj)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "body_shown"]


@admin.register(VoiceCall)
class VoiceCallAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "to", "status", "digits", "finished_at", "provider_call_id"]
    list_filter = ["status"]
