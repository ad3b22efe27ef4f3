from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class HelpdeskAdminSite(admin.AdminSite):
    site_header = "CG vaccination helpdesk"
    site_title = "Helpdesk admin"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff or getattr(user, "role", None) in ("supervisor", "admin")))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the application (ledgers, outbox, audit): the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HelpdeskAdminConfig(AdminConfig):
    default_site = "helpdesk.admin.HelpdeskAdminSite"
