from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

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
