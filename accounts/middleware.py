from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import two_factor

# What a user who still owes the second factor may reach.
_OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/i18n/", "/static/", "/healthz")


class SecondFactorMiddleware:
    """A logged-in user who has a TOTP device, or must have one (STAFF_2FA_REQUIRED), reaches
    nothing but the second-factor pages until verified; the API answers 403 with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # What the user owes was noted in the session at login: no query on ordinary requests.
        step = request.session.get(two_factor.SESSION_STEP) if hasattr(request, "session") else None
        if step and not request.path_info.startswith(_OPEN_PREFIXES):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not user.is_verified():
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"code": "second_factor_required",
                                         "detail": _("Enter the code from your authenticator app first.")},
                                        status=403)
                return redirect(f"/accounts/2fa/{step}/?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
