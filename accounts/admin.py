from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken as KnoxAuthToken

from .models import ApiToken, District, User, Vendor
from .permissions import is_admin
from .tokens import api_token_create, api_token_revoke


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


# API tokens of service accounts (accounts/tokens.py): admins only. The token is shown once, in the
# message after "Save"; the list shows its first characters, never the token or its digest.
class ApiTokenAddForm(forms.ModelForm):
    days = forms.IntegerField(min_value=0, max_value=3650, initial=settings.API_TOKEN_TTL_DAYS,
                              help_text="Days until it expires (0: never).")

    class Meta:
        model = ApiToken
        fields = ("user", "name")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise forms.ValidationError("The user is inactive.")
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("token_key", "name", "user", "role", "created", "expiry", "last_used_at", "last_used_ip")
    list_filter = ("role",)
    search_fields = ("token_key", "name", "user__username")
    readonly_fields = ("token_key", "name", "user", "role", "created", "expiry", "created_by", "last_used_at",
                       "last_used_ip")
    fields = readonly_fields
    actions = ["revoke"]

    def _is_admin(self, request) -> bool:
        return is_admin(request.user)

    def has_module_permission(self, request) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request) -> bool:
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._is_admin(request)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
            kwargs["fields"] = ("user", "name", "days")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("user", "name", "days") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, raw = api_token_create(user=form.cleaned_data["user"], name=form.cleaned_data["name"],
                                      created_by=request.user, days=form.cleaned_data["days"])
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if k != "_state"})
        obj._state.adding = False
        self.message_user(request, f"Token for {token.user}: {raw} (copy it now: it is not shown again).",
                          messages.WARNING)

    def delete_model(self, request, obj):
        api_token_revoke(token=obj, revoked_by=request.user)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, revoked_by=request.user)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        self.delete_queryset(request, queryset)


# knox registers its own token model, which ApiToken replaces (KNOX_TOKEN_MODEL): not in the admin.
if admin.site.is_registered(KnoxAuthToken):
    admin.site.unregister(KnoxAuthToken)
