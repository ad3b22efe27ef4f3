"""District officials' pages for offline registration (the desk sees every district): each
centre's sync state, its staff (created here) and open refusals, and the reconciliation of
walk-ins that look like portal registrations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role, User
from accounts.permissions import is_desk, is_district_official
from helpdesk import inputs, validation
from helpdesk.exceptions import DomainError

from . import reconcile, selectors, services, staff
from .models import Resolution
from .pages import STRINGS


def reason_label(code: str, detail: str = "") -> str:
    """A refusal in the reader's language (the stored detail is in the sender's)."""
    label = STRINGS.get(f"reason_{code}")
    return str(label) if label is not None else (detail or code)


def _with_reasons(records):
    records = list(records)
    for record in records:
        record.reason_label = reason_label(record.code, record.detail)
        body = record.body if isinstance(record.body, dict) else {}
        who = body.get("name") or body.get("reference_id") or ""
        record.who = f"{who} ({body['birth_year']})" if body.get("birth_year") else who
        record.what = " ".join(str(body[key]) for key in ("vaccine", "dose") if body.get(key))
    return records


def _official(request) -> None:
    if not (is_desk(request.user) or is_district_official(request.user)):
        raise Http404


def _centre(request, centre_id: int):
    centre = selectors.centres_for(request.user).filter(pk=centre_id).first()
    if centre is None:
        raise Http404
    return centre


@login_required
def centres(request):
    _official(request)
    return render(request, "offline/centres.html", {"states": selectors.centre_sync_states(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def centre_detail(request, centre_id: int):
    _official(request)
    centre = _centre(request, centre_id)
    values: dict = {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:150] for key in ("username", "first_name", "last_name", "mobile")}
        try:
            user = staff.centre_staff_create(
                actor=request.user, centre_id=centre.pk, username=values["username"], first_name=values["first_name"],
                last_name=values["last_name"], password=request.POST.get("password", "")[:128],
                mobile=validation.mobile(values["mobile"]) if values["mobile"] else "")
            messages.success(request, _("Login %(username)s created for %(centre)s. Give the password in person.")
                             % {"username": user.username, "centre": centre.name})
            return redirect("offline:centre", centre_id=centre.pk)
        except DomainError as exc:
            messages.error(request, exc.detail)
    return render(request, "offline/centre_detail.html", {
        "centre": centre, "values": values,
        "staff": User.objects.filter(role=Role.CENTRE_STAFF, centre=centre).order_by("username"),
        "devices": selectors.devices_of(request.user, centre.pk),
        "refusals": _with_reasons(selectors.open_refusals(request.user, centre_id=centre.pk)[:200])})


@login_required
@require_POST
def staff_active(request, centre_id: int, user_id: int):
    _official(request)
    centre = _centre(request, centre_id)
    try:
        staff.centre_staff_set_active(actor=request.user, user_id=user_id, active=request.POST.get("active") == "1")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("offline:centre", centre_id=centre.pk)


@login_required
@require_POST
def record_resolve(request, record_id: int):
    _official(request)
    resolution = request.POST.get("resolution", "")
    try:
        record = services.offline_record_resolve(actor=request.user, record_id=record_id, resolution=resolution,
                                                 note=inputs.text(request.POST.get("note", ""), "note", max_len=300, strip=True))
        messages.success(request, _("Recorded: %(what)s.") % {"what": record.get_resolution_display()})
    except DomainError as exc:
        messages.error(request, exc.detail)
    if resolution == Resolution.KEPT:
        return redirect("offline:duplicates")
    return redirect(request.POST.get("back") if request.POST.get("back", "").startswith("/booking/") else "offline:centres")


@login_required
@require_http_methods(["GET", "POST"])
def duplicates(request):
    _official(request)
    if request.method == "POST":
        try:
            reconcile.offline_duplicate_merge(
                actor=request.user, record_id=inputs.integer(request.POST.get("record"), "record", allow_text=True),
                into_reference_id=validation.reference_id(request.POST.get("into", "")),
                note=inputs.text(request.POST.get("note", ""), "note", max_len=300, strip=True))
            messages.success(request, _("Merged into the portal registration."))
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect("offline:duplicates")
    return render(request, "offline/duplicates.html", {"candidates": selectors.duplicate_candidates(request.user)})
