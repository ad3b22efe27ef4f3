"""Supervisors and admins hold every model permission (the Django admin works for them)."""

from django.contrib.auth.backends import ModelBackend


class RoleBackend(ModelBackend):
    def _is_supervisor(self, user_obj) -> bool:
        return bool(user_obj.is_active and getattr(user_obj, "role", None) in ("supervisor", "admin"))

    def has_perm(self, user_obj, perm, obj=None):
        return self._is_supervisor(user_obj) or super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return self._is_supervisor(user_obj) or super().has_module_perms(user_obj, app_label)
