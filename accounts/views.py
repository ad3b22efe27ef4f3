"""Second-factor pages: set up a TOTP authenticator (the secret shown once), then enter its code
after the password at every login."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from helpdesk import inputs
from helpdesk.exceptions import InvalidInput

from . import two_factor

_SESSION_KEY = "totp_setup_device"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return "/"
    return target


def _token(request: HttpRequest) -> str:
    raw = inputs.text(request.POST.get("token", ""), "token", max_len=10, strip=True, multiline=False)
    token = raw.replace(" ", "")
    if not (token.isascii() and token.isdigit() and len(token) == 6):
        raise InvalidInput(_("The code is the 6 digits your authenticator app shows."), code="invalid_token")
    return token


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    if two_factor.has_confirmed_device(request.user) and not request.user.is_verified():
        return redirect(f"/accounts/2fa/verify/?next={_next(request)}")
    error = ""
    device = None
    if request.method == "POST":
        device_id = request.session.get(_SESSION_KEY)
        try:
            token = _token(request)
            device = two_factor.totp_device_confirm(user=request.user, device_id=device_id or 0, token=token)
            if device is None:
                error = _("That code is not right. Wait for the next code and try again.")
        except InvalidInput as exc:
            error = exc.detail
        if device is not None:
            otp_login(request, device)
            two_factor.forget_step(request)
            request.session.pop(_SESSION_KEY, None)
            return redirect(_next(request))
        status = 400
    else:
        status = 200
    device = two_factor.totp_device_start(user=request.user)
    request.session[_SESSION_KEY] = device.pk
    return render(request, "registration/totp_setup.html", {
        "qr": two_factor.totp_qr_data_uri(device), "secret": two_factor.totp_secret(device),
        "error": error, "next": _next(request),
        "required": two_factor.second_factor_required(request.user),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def totp_verify(request: HttpRequest) -> HttpResponse:
    if not two_factor.has_confirmed_device(request.user):
        return redirect(f"/accounts/2fa/setup/?next={_next(request)}")
    error = ""
    if request.method == "POST":
        try:
            device = two_factor.totp_match(user=request.user, token=_token(request))
        except InvalidInput as exc:
            device, error = None, exc.detail
        if device is not None:
            otp_login(request, device)
            two_factor.forget_step(request)
            return redirect(_next(request))
        error = error or _("That code is not right. Wait for the next code and try again.")
    return render(request, "registration/totp_verify.html", {"error": error, "next": _next(request)},
                  status=400 if error else 200)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout answer: a page in the visitor's language, 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
