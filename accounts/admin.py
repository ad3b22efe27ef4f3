from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import District, User, Vendor


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "district", "vendor", "is_active")
    list_filter = ("role", "district", "vendor", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Helpdesk", {"fields": ("role", "district", "vendor", "mobile", "title", "preferred_language")}),
    )


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_hi", "cowin_id", "code")
    search_fields = ("name_en", "name_hi", "code")


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ("name", "code")


# Authenticator devices: an admin sees who has one and may remove it (the user then sets up a
# new one); the secret key and its QR code are never shown.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
