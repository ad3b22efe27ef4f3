"""The citizens' booking pages (phone-sized, Hindi/English, work without JavaScript):
mobile -> OTP -> their people and appointments -> search sessions (grouped by centre, only
eligible ones choosable) -> confirm -> a result page with the confirmation number that survives
a reload (POST-redirect-GET, bound to the session). Cancel asks first; after a cancel the person
can book again. Refusals are shown on the page in the citizen's language."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk import inputs, validation
from helpdesk.errors import error_page
from helpdesk.exceptions import DomainError, TooManyRequests
from helpdesk.forms import form_context
from helpdesk.results import result_recall, result_remember

from . import otp, ratelimit, rules, selectors
from .booking import appointment_book, next_dose
from .choices import session_options
from .models import Beneficiary
from .search import district_choices, session_search
from .services import BookingActor, appointment_cancel, appointment_rebook

SESSION_TXN = "bookings_otp_txn"
SESSION_TOKEN = "bookings_citizen_token"


def _citizen(request):
    token_id = request.session.get(SESSION_TOKEN)
    return otp.token_by_id(token_id) if token_id else None


def _refused(request: HttpRequest, template: str, context: dict, exc: DomainError, **field_map) -> HttpResponse:
    if isinstance(exc, TooManyRequests):
        return error_page(request, "throttled", retry_after=exc.retry_after, detail=exc.detail)
    return render(request, template, {**context, **form_context(exc, field_map=field_map)}, status=exc.status_code)


def _done(request: HttpRequest, *, kind: str, appointment) -> HttpResponse:
    session = appointment.session
    token = result_remember(request, kind="booking", data={
        "kind": kind, "number": appointment.confirmation_number, "dose": appointment.dose,
        "centre": session.centre.name, "address": session.centre.address, "date": session.date.strftime("%d-%m-%Y"),
        "slot": appointment.slot, "vaccine": session.vaccine})
    response = redirect("bookings:done", token=token)
    response.status_code = 303
    return response


@require_http_methods(["GET", "POST"])
def citizen_start(request):
    if _citizen(request) is not None:
        return redirect("bookings:mine")
    if request.method == "POST":
        raw = request.POST.get("mobile", "")
        try:
            mobile = validation.mobile(raw)
            txn = otp.otp_request(mobile=mobile, ip=ratelimit.client_ip(request))
        except DomainError as exc:
            return _refused(request, "bookings/citizen_start.html", {"mobile": raw[:20]}, exc)
        request.session[SESSION_TXN] = str(txn.txn_id)
        return redirect("bookings:otp")
    return render(request, "bookings/citizen_start.html", {})


@require_http_methods(["GET", "POST"])
def citizen_otp(request):
    txn_id = request.session.get(SESSION_TXN)
    if not txn_id:
        return redirect("bookings:start")
    if request.method == "POST":
        try:
            code = validation.otp(request.POST.get("otp", ""))
            _raw, token = otp.otp_confirm(txn_id=validation.uuid_value(txn_id, "txnId"), code=code)
        except DomainError as exc:
            return _refused(request, "bookings/citizen_otp.html", {}, exc, txnId="otp")
        request.session.cycle_key()
        request.session.pop(SESSION_TXN, None)
        request.session[SESSION_TOKEN] = token.pk
        return redirect("bookings:mine")
    return render(request, "bookings/citizen_otp.html", {})


def citizen_mine(request):
    token = _citizen(request)
    if token is None:
        messages.info(request, _("Your session has ended. Log in again with an OTP."))
        return redirect("bookings:start")
    people = selectors.beneficiaries_for_mobile(token.mobile)
    beneficiaries = []
    for person in people:
        entry = selectors.beneficiary_dict(person)
        entry["next_dose"] = next_dose(person, list(person.appointments.all()))
        beneficiaries.append(entry)
    return render(request, "bookings/citizen_mine.html", {"beneficiaries": beneficiaries})


def _appointment(request, token, appointment_id: str):
    try:
        value = validation.uuid_value(appointment_id, "appointment_id")
    except DomainError:
        raise Http404 from None
    appointment = selectors.appointment_for_citizen(appointment_id=value, mobile=token.mobile)
    if appointment is None:
        raise Http404
    return value, appointment


def _choose(request, *, template: str, context: dict, beneficiary: Beneficiary, dose: int, act) -> HttpResponse:
    """The search + choice + confirmation steps shared by rebooking and booking; `act(session_id,
    slot)` performs the write."""
    sessions, values, refusal = session_search(request)
    context = {**context, "values": values, "districts": district_choices(), "searched": bool(
        values["district"] or values["district_id"] or values["pincode"]), "dose": dose,
        "centres": session_options(beneficiary=beneficiary, dose=dose, sessions=sessions)}
    if refusal is not None:
        return _refused(request, template, context, refusal)
    if request.method == "POST":
        raw = request.POST.get("choice", "")
        session_raw, _sep, slot_raw = raw.partition("|")
        try:
            session_id = validation.uuid_value(session_raw, "session_id")
            slot = validation.slot(slot_raw)
            session = selectors.session_by_id(session_id)
            if session is None:
                raise rules.session_not_found()
            if request.POST.get("confirm") != "1":
                return render(request, "bookings/confirm.html", {**context, "session": session, "slot": slot,
                                                                  "choice": raw})
            return act(session_id, slot)
        except DomainError as exc:
            return _refused(request, template, context, exc)
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def citizen_rebook(request, appointment_id: str):
    token = _citizen(request)
    if token is None:
        return redirect("bookings:start")
    value, appointment = _appointment(request, token, appointment_id)

    def act(session_id, slot):
        done = appointment_rebook(appointment_id=value, session_id=session_id, slot=slot,
                                  expected_version=inputs.integer(request.POST.get("expected_version", ""), "expected_version", allow_text=True),
                                  actor=BookingActor.citizen(token.mobile))
        return _done(request, kind="rebooked", appointment=done)

    return _choose(request, template="bookings/rebook.html", beneficiary=appointment.beneficiary,
                   dose=appointment.dose, act=act,
                   context={"appointment": selectors.appointment_dict(appointment), "mode": "rebook"})


@require_http_methods(["GET", "POST"])
def citizen_book(request, reference_id: str):
    token = _citizen(request)
    if token is None:
        return redirect("bookings:start")
    person = next((b for b in selectors.beneficiaries_for_mobile(token.mobile) if b.reference_id == reference_id), None)
    if person is None:
        raise Http404
    dose = next_dose(person, list(person.appointments.all()))
    if dose is None:
        return redirect("bookings:mine")

    def act(session_id, slot):
        done = appointment_book(reference_id=person.reference_id, session_id=session_id, slot=slot,
                                actor=BookingActor.citizen(token.mobile))
        return _done(request, kind="booked", appointment=done)

    return _choose(request, template="bookings/rebook.html", beneficiary=person, dose=dose, act=act,
                   context={"person": selectors.beneficiary_dict(person), "mode": "book"})


@require_http_methods(["GET", "POST"])
def citizen_cancel(request, appointment_id: str):
    token = _citizen(request)
    if token is None:
        return redirect("bookings:start")
    value, appointment = _appointment(request, token, appointment_id)
    context = {"appointment": selectors.appointment_dict(appointment)}
    if request.method == "GET":
        return render(request, "bookings/cancel.html", context)
    try:
        done = appointment_cancel(appointment_id=value,
                                  expected_version=inputs.integer(request.POST.get("expected_version", ""), "expected_version", allow_text=True),
                                  actor=BookingActor.citizen(token.mobile))
    except DomainError as exc:
        return _refused(request, "bookings/cancel.html", context, exc)
    return _done(request, kind="cancelled", appointment=done)


@require_http_methods(["GET"])
def citizen_done(request, token: str):
    found = result_recall(request, kind="booking", token=token)
    if found is None:
        return error_page(request, "link", detail=_("This confirmation page is no longer available in this browser."))
    return render(request, "bookings/done.html", {"result": found})


@require_POST
def citizen_logout(request):
    token = _citizen(request)
    if token is not None:
        otp.token_revoke(token=token)
    request.session.pop(SESSION_TOKEN, None)
    return redirect("bookings:start")
