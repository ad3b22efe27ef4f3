"""Staff pages of the bookings journeys (server-rendered, Hindi/English); the citizens' pages
are in bookings/citizen_views.py.

Agents: lookup with a reason, an appointment with its history, rebook/cancel, attach to a ticket.
District officials: their sessions, move a session, registrations taken by hand.
Supervisors: imports with a progress bar. Every write goes through bookings.services; a refusal
is shown as a message in the user's language.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import District
from accounts.permissions import is_desk, is_district_official, is_supervisor
from helpdesk import inputs, validation
from helpdesk.exceptions import DomainError, InvalidInput

from . import rules, selectors, services
from .imports import KINDS, import_start
from .models import Channel, ImportRun, LookupReason
from .search import district_choices, session_search


def _choice(post) -> tuple:
    """The chosen "<session uuid>|<slot>" radio of the session table."""
    session_raw, _sep, slot_raw = post.get("choice", "").partition("|")
    return validation.uuid_value(session_raw, "session_id"), validation.slot(slot_raw)


def _search(request) -> tuple[list, dict]:
    sessions, values, refusal = session_search(request)
    if refusal is not None:
        messages.error(request, refusal.detail)
    return sessions, values


# --- desk ---------------------------------------------------------------------------------------
def _desk_or_district(request):
    if not (is_desk(request.user) or is_district_official(request.user)):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def desk_lookup(request):
    _desk_or_district(request)
    context = {"reasons": LookupReason.choices, "values": {}, "results": None}
    if request.method == "POST":
        query = request.POST.get("query", "").strip()
        context["values"] = {"query": query[:20], "reason": request.POST.get("reason", ""),
                             "ticket_id": request.POST.get("ticket_id", "")[:10]}
        try:
            by_reference = len(query) == 14
            found = services.registration_lookup(
                actor=request.user, reason=request.POST.get("reason", ""),
                reference_id=validation.reference_id(query) if by_reference else None,
                mobile=None if by_reference else validation.mobile(query),
                note=inputs.text(request.POST.get("note", ""), "note", max_len=300, strip=True),
                ticket_id=inputs.integer(request.POST.get("ticket_id", ""), "ticket_id", required=False, allow_text=True))
            context["results"] = [selectors.beneficiary_dict(b, masked=False)
                                  for b in selectors.beneficiaries_with_appointments(found)]
            if not found:
                messages.info(request, rules.not_found().detail)
        except DomainError as exc:
            messages.error(request, exc.detail)
    return render(request, "bookings/desk_lookup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def desk_appointment(request, appointment_id: str):
    _desk_or_district(request)
    try:
        value = validation.uuid_value(appointment_id, "appointment_id")
    except DomainError:
        raise Http404 from None
    reason = request.GET.get("reason", "")
    appointment = selectors.appointment_for_staff(appointment_id=value, user=request.user)
    try:
        services.appointment_view_log(actor=request.user, reason=reason, appointment_id=value, found=appointment is not None)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("bookings:desk")
    if appointment is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        actor = services.BookingActor.staff(request.user)
        try:
            if action == "rebook":
                session_id, slot = _choice(request.POST)
                done = services.appointment_rebook(
                    appointment_id=value, session_id=session_id, slot=slot,
                    expected_version=inputs.integer(request.POST.get("expected_version", ""), "expected_version", allow_text=True),
                    reason=request.POST.get("change_reason", ""), actor=actor)
                messages.success(request, _("Rebooked. New confirmation number %(number)s; the citizen gets an SMS.")
                                 % {"number": done.confirmation_number})
            elif action == "cancel":
                services.appointment_cancel(appointment_id=value, reason=request.POST.get("change_reason", ""),
                                            expected_version=inputs.integer(request.POST.get("expected_version", ""), "expected_version", allow_text=True),
                                            actor=actor)
                messages.success(request, _("The appointment is cancelled."))
            elif action == "attach" and is_desk(request.user):
                ticket_id = inputs.integer(request.POST.get("ticket_id", ""), "ticket_id", allow_text=True)
                services.booking_attach_to_ticket(ticket_id=ticket_id, reference_id=appointment.beneficiary.reference_id,
                                                  actor=request.user)
                messages.success(request, _("Attached to ticket %(id)s.") % {"id": ticket_id})
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect(f"{request.path}?reason={reason}")
    sessions, values = _search(request)
    return render(request, "bookings/desk_appointment.html", {
        "appointment": selectors.appointment_dict(appointment), "beneficiary": appointment.beneficiary,
        "history": selectors.appointment_history(appointment), "sessions": sessions, "values": values,
        "districts": district_choices(), "reason": reason, "staff": True,
        "action": f"{request.path}?reason={reason}"})


# --- district -------------------------------------------------------------------------------------
@login_required
def district_sessions(request):
    _desk_or_district(request)
    queryset = selectors.sessions_for_staff(request.user).filter(date__gte=validation.today_ist())
    raw_date = request.GET.get("date", "")
    if raw_date:
        try:
            queryset = queryset.filter(date=validation.cowin_date(raw_date))
        except DomainError as exc:
            messages.error(request, exc.detail)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "bookings/district_sessions.html", {"page": page, "date": raw_date[:10]})


@login_required
def district_roster(request, session_id: str):
    _desk_or_district(request)
    try:
        session, appointments = services.session_roster(actor=request.user,
                                                        session_id=validation.uuid_value(session_id, "session_id"))
    except DomainError:
        raise Http404 from None
    return render(request, "bookings/district_roster.html", {"session": session, "appointments": appointments})


@login_required
@require_POST
def district_move(request, session_id: str):
    _desk_or_district(request)
    try:
        session = services.session_move(
            session_id=validation.uuid_value(session_id, "session_id"),
            new_date=validation.cowin_date(request.POST.get("date", "")), reason=request.POST.get("reason", ""),
            expected_version=inputs.integer(request.POST.get("expected_version", ""), "expected_version", allow_text=True),
            actor=services.BookingActor.staff(request.user))
        messages.success(request, _("Session moved to %(date)s; its citizens are told by SMS.")
                         % {"date": session.date.strftime("%d-%m-%Y")})
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("bookings:district-sessions")


@login_required
@require_http_methods(["GET", "POST"])
def district_register(request):
    _desk_or_district(request)
    districts = District.objects.all() if is_desk(request.user) else District.objects.filter(pk=request.user.district_id)
    values = {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:200] for key in
                  ("name", "birth_year", "gender", "mobile", "district_id", "channel", "session_id", "slot", "dose")}
        try:
            district = District.objects.filter(pk=inputs.integer(values["district_id"], "district_id", allow_text=True)).first()
            if district is None:
                raise InvalidInput(_("No such district."), code="invalid_district_id")
            beneficiary, appointment = services.beneficiary_register_manual(
                actor=services.BookingActor.staff(request.user), name=values["name"],
                birth_year=inputs.integer(values["birth_year"], "birth_year", maximum=2100, allow_text=True),
                gender=values["gender"], district=district, channel=values["channel"],
                mobile=validation.mobile(values["mobile"]) if values["mobile"] else None,
                session_id=validation.uuid_value(values["session_id"], "session_id") if values["session_id"] else None,
                slot=validation.slot(values["slot"]) if values["session_id"] else "",
                dose=inputs.integer(values["dose"] or "1", "dose", maximum=2, allow_text=True))
            text = _("Registered with reference id %(ref)s.") % {"ref": beneficiary.reference_id}
            if appointment is not None:
                text += " " + _("Confirmation number %(number)s.") % {"number": appointment.confirmation_number}
            messages.success(request, text)
            return redirect("bookings:district-register")
        except DomainError as exc:
            messages.error(request, exc.detail)
    today = validation.today_ist()
    sessions = selectors.sessions_for_staff(request.user).filter(
        date__gte=today, date__lte=today + dt.timedelta(days=7), published=True)[:100]
    return render(request, "bookings/district_register.html", {
        "districts": districts, "values": values, "sessions": sessions,
        "channels": [(Channel.HELPDESK, Channel.HELPDESK.label), (Channel.ONSITE, Channel.ONSITE.label)]})


# --- imports (supervisors) ----------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    if not is_supervisor(request.user):
        raise Http404
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("Attach a file."), code="missing_file")
            run = import_start(kind=request.POST.get("kind", ""), filename=upload.name, raw=upload.read(),
                               user=request.user)
            return redirect(reverse("bookings:import", args=[run.pk]))
        except DomainError as exc:
            messages.error(request, exc.detail)
    return render(request, "bookings/imports.html", {"runs": ImportRun.objects.all()[:20], "kinds": KINDS})


@login_required
def import_detail(request, run_id: int):
    if not is_supervisor(request.user):
        raise Http404
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404
    return render(request, "bookings/import_detail.html", {"run": run})
