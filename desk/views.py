"""Pages and endpoints of the agent's workspace: the telephony webhook, the call pop on the
console, the call log, the call-back list, and the notifications list."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.permissions import is_desk, is_district_official, is_vendor
from bookings import selectors as booking_selectors
from bookings import services as booking_services
from bookings.models import LookupReason
from helpdesk.exceptions import DomainError, InvalidInput, NotFound
from tickets import selectors as ticket_selectors

from . import calls, notifications

log = logging.getLogger("desk.cti")
MAX_WEBHOOK_BYTES = 4096


@csrf_exempt
@require_http_methods(["POST"])
def cti_webhook(request: HttpRequest) -> JsonResponse:
    """POST /api/cti/: newCall / answer / hangup from the telephony provider (signed JSON)."""
    body = request.body
    try:
        if len(body) > MAX_WEBHOOK_BYTES:
            raise InvalidInput(_("The request body is too large."), code="too_large")
        calls.verify_signature(body=body, timestamp=request.headers.get("X-CTI-Timestamp"),
                               signature=request.headers.get("X-CTI-Signature"))
        call = calls.call_event(data=calls.parse(body))
    except DomainError as exc:
        log.info("cti webhook refused: %s", exc.code)
        return JsonResponse(exc.as_dict(), status=exc.status_code)
    return JsonResponse({"call": call.pk, "state": call.state, "missed": call.missed})


def _require_desk(request) -> None:
    if not is_desk(request.user):
        raise PermissionDenied


@login_required
def call_pop(request: HttpRequest, call_id: int) -> HttpResponse:
    """The caller's tickets and registrations, for the agent who answered (a fragment that the
    console loads when `call.answered` arrives). The registration lookup is logged with the
    reason "caller asked about their booking"."""
    _require_desk(request)
    try:
        call = calls.call_for_agent(user=request.user, call_id=call_id)
    except NotFound:
        raise Http404 from None
    tickets, beneficiaries = [], []
    if call.caller_mobile:
        _kind, _value, tickets = ticket_selectors.caller_lookup(user=request.user, query=call.caller_mobile)
        found = booking_services.registration_lookup(actor=request.user, reason=LookupReason.CALLER_REQUEST,
                                                     mobile=call.caller_mobile, note=f"call {call.pk}")
        beneficiaries = [booking_selectors.beneficiary_dict(b, masked=True)
                         for b in booking_selectors.beneficiaries_with_appointments(found)]
    return render(request, "desk/_call_pop.html", {"call": call, "tickets": tickets[:10],
                                                   "beneficiaries": beneficiaries})


@login_required
def call_log(request: HttpRequest) -> HttpResponse:
    _require_desk(request)
    return render(request, "desk/calls.html", {"calls": calls.call_log(), "callbacks": list(calls.callbacks())})


@login_required
@require_http_methods(["POST"])
def callback_clear(request: HttpRequest, call_id: int) -> HttpResponse:
    _require_desk(request)
    try:
        calls.call_clear_callback(call_id=call_id, user=request.user)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Call-back done: removed from the list."))
    return redirect(request.POST.get("next") if request.POST.get("next") == "/console/" else "desk:calls")


@login_required
def callbacks_fragment(request: HttpRequest) -> HttpResponse:
    _require_desk(request)
    return render(request, "desk/_callbacks.html", {"callbacks": list(calls.callbacks()), "next": "/console/"})


def _require_staff(request) -> None:
    user = request.user
    if not (is_desk(user) or is_vendor(user) or is_district_official(user)):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; POST marks them read (all, or `id`s)."""
    _require_staff(request)
    if request.method == "POST":
        raw = request.POST.getlist("id")
        ids = [int(v) for v in raw if v.isascii() and v.isdigit() and len(v) < 18] if raw else None
        notifications.notifications_mark_read(user=request.user, ids=ids)
        target = request.POST.get("open", "")
        if target.isascii() and target.startswith("/tickets/") and "//" not in target:
            return redirect(target)
        return redirect("desk:notifications")
    rows = list(notifications.notifications_for(request.user)[:100])
    return render(request, "desk/notifications.html",
                  {"rows": [(row, notifications.notification_text(row)) for row in rows]})


@login_required
def notification_latest(request: HttpRequest) -> JsonResponse:
    """{"unread", "latest": {"id", "text", "url"}|null} for the bell and the browser notification."""
    _require_staff(request)
    row = notifications.notifications_for(request.user).filter(read_at__isnull=True).first()
    latest = None
    if row is not None:
        latest = {"id": row.pk, "text": notifications.notification_text(row),
                  "url": f"/tickets/{row.ticket.number}/"}
    return JsonResponse({"unread": notifications.unread_count(request.user), "latest": latest})
