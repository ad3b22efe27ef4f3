"""Admin for the replica. Seat counters, appointments and the audit trails are read-only here:
seats move only through bookings.services (conditional UPDATEs), and the event history and
lookup log are append-only."""

from django.contrib import admin

from helpdesk.admin import ReadOnlyAdmin

from .models import (
    Appointment,
    AppointmentEvent,
    Beneficiary,
    Centre,
    ChangeRecord,
    ImportRun,
    LookupLog,
    Session,
)


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ("center_id", "name", "district", "block_name", "pincode", "fee_type")
    list_filter = ("district", "fee_type")
    search_fields = ("=center_id", "name", "=pincode")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("session_id", "centre", "date", "vaccine", "min_age_limit", "booked_dose1", "capacity_dose1",
                    "booked_dose2", "capacity_dose2", "published")
    list_filter = ("vaccine", "published", "date")
    readonly_fields = ("booked_dose1", "booked_dose2", "version")
    raw_id_fields = ("centre",)
    search_fields = ("=session_id", "=centre__center_id")


@admin.register(Beneficiary)
class BeneficiaryAdmin(ReadOnlyAdmin):
    list_display = ("reference_id", "masked_name", "masked_mobile", "district", "channel")
    list_filter = ("channel",)
    search_fields = ("=reference_id",)
    exclude = ("mobile", "name")
    readonly_fields = ("reference_id", "masked_name", "masked_mobile", "birth_year", "gender", "district", "channel",
                       "dose1_vaccine", "dose1_date")


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("confirmation_number", "status", "dose", "session", "slot", "reschedule_count", "channel")
    list_filter = ("status", "dose", "channel")
    search_fields = ("=confirmation_number", "=appointment_id")
    raw_id_fields = ("beneficiary", "session")


@admin.register(AppointmentEvent)
class AppointmentEventAdmin(ReadOnlyAdmin):
    list_display = ("appointment", "kind", "actor", "actor_label", "reason", "created_at")
    list_filter = ("kind",)


@admin.register(LookupLog)
class LookupLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "reason", "query_kind", "result_count", "ticket_id")
    list_filter = ("reason", "query_kind")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference_id", "appointment_id", "created_at")
    list_filter = ("kind",)


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "source", "fmt", "status", "total", "accepted", "refused", "created_at")
    exclude = ("content",)
