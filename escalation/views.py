"""Pages: the one-click acknowledgement link (no login), the vendor queue, the accountability
report. They call the same services and selectors as the API; domain errors become a message
with the matching status code."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions
from helpdesk.exceptions import DomainError, InvalidInput
from tickets import selectors as ticket_selectors
from tickets.models import Ticket
from tickets.timeline import audience_for, render_timeline

from . import report, selectors, services
from .links import read_ack_token
from .models import EscalationNotice

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


# --- One-click acknowledgement ------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def ack(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the ticket summary and a button (never changes state: SMS apps prefetch links);
    POST acknowledges, idempotently. No login: the signed, expiring token is the credential."""
    notice_id = read_ack_token(token)
    notice = None
    if notice_id is not None:
        notice = (EscalationNotice.objects.select_related("record__ticket__district", "record__ticket__category",
                                                          "record__clock", "user").filter(pk=notice_id).first())
    if notice is None:
        return render(request, "escalation/ack.html", {"invalid": True}, status=404)
    context = {"notice": notice, "ticket": notice.record.ticket, "record": notice.record, "token": token}
    if request.method == "POST":
        try:
            result = services.escalation_acknowledge_link(notice_id=notice.pk)
        except DomainError as exc:
            context["error"] = exc.detail
            return render(request, "escalation/ack.html", context, status=exc.status_code)
        notice.refresh_from_db()
        context["done"] = True
        context["already"] = not result.acknowledged
    ticket = notice.record.ticket
    context["clocks"] = [c for c in selectors.ticket_clocks(ticket.pk) if c["state"] != "stopped"]
    context["is_open"] = ticket.is_open
    return render(request, "escalation/ack.html", context)


# --- Vendor queue ---------------------------------------------------------------------------------
def _vendor_or_desk(user) -> bool:
    return permissions.is_vendor(user) or permissions.is_desk(user)


@login_required
def vendor_queue(request: HttpRequest) -> HttpResponse:
    if not _vendor_or_desk(request.user):
        raise Http404
    tickets = list(selectors.vendor_queue(request.user)[:200])
    return render(request, "escalation/vendor_queue.html",
                  {"tickets": tickets, "on_call": selectors.on_call_preview(request.user)})


def _parse_eta(raw: str) -> dt.datetime:
    """An ETA from a datetime-local field, read as IST."""
    if not raw or len(raw) > 32:
        raise InvalidInput(_("Give the ETA as a date and time."), code="invalid_eta", field="eta")
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("Give the ETA as a date and time."), code="invalid_eta", field="eta") from None
    return value if value.tzinfo else value.replace(tzinfo=IST)


@login_required
@require_http_methods(["GET", "POST"])
def vendor_ticket(request: HttpRequest, number: str) -> HttpResponse:
    if not _vendor_or_desk(request.user):
        raise Http404
    ticket = permissions.scope_tickets(request.user, Ticket.objects.select_related("district", "category", "vendor")) \
        .filter(number=number.replace("-", "").upper()[:12]).first()
    if ticket is None:
        raise Http404
    context = {"ticket": ticket}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        try:
            if action == "acknowledge":
                result = services.escalation_acknowledge(ticket_id=ticket.pk, user=request.user,
                                                         via=EscalationNotice.Via.APP)
                context["message"] = _("Acknowledged.") if result.acknowledged else _("Nothing was waiting for acknowledgement.")
            elif action == "progress":
                services.escalation_post_progress(ticket_id=ticket.pk, user=request.user,
                                                  eta=_parse_eta(request.POST.get("eta", "")), note=note)
                context["message"] = _("Progress and ETA recorded.")
            elif action == "resolve":
                services.vendor_resolve(ticket_id=ticket.pk, user=request.user, note=note)
                return redirect("escalation:vendor-queue")
            elif action == "hand_back":
                services.vendor_hand_back(ticket_id=ticket.pk, user=request.user, note=note)
                return redirect("escalation:vendor-queue")
            else:
                raise InvalidInput(_("Unknown action."), code="invalid_action")
        except DomainError as exc:
            context["error"] = exc.detail
            status = exc.status_code
        ticket.refresh_from_db()
    context["clocks"] = selectors.ticket_clocks(ticket.pk)
    context["escalations"] = ticket.escalations.select_related("clock").prefetch_related("notices__user")[:50]
    context["eta_default"] = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    context["timeline"] = render_timeline(ticket_selectors.ticket_events(ticket), audience=audience_for(request.user))
    return render(request, "escalation/vendor_ticket.html", context, status=status)


# --- Accountability report ------------------------------------------------------------------------
def report_params(user, query) -> dict:
    """Period (IST dates, inclusive; default the last 7 days) and district, scoped to the user:
    a district official always gets their own district. Raises InvalidInput."""
    try:
        scope = permissions.district_scope(user)
    except PermissionError:
        raise Http404 from None
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(query.get("from") or (today - dt.timedelta(days=6)).isoformat())
        end = dt.date.fromisoformat(query.get("to") or today.isoformat())
    except ValueError:
        raise InvalidInput(_("Dates are YYYY-MM-DD."), code="invalid_date") from None
    if end < start or (end - start).days > 366:
        raise InvalidInput(_("Choose a period of at most a year, 'from' before 'to'."), code="invalid_period")
    district_id = scope
    raw = query.get("district")
    if scope is None and raw:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
            raise InvalidInput(_("Unknown district."), code="invalid_district")
        from accounts.models import District

        if not District.objects.filter(pk=int(raw)).exists():
            raise InvalidInput(_("Unknown district."), code="invalid_district")
        district_id = int(raw)
    return {
        "start": dt.datetime.combine(start, dt.time(0), tzinfo=IST),
        "end": dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=IST),
        "district_id": district_id, "from_date": start, "to_date": end,
    }


@login_required
def accountability(request: HttpRequest) -> HttpResponse:
    if not (permissions.is_supervisor(request.user) or permissions.is_district_official(request.user)):
        raise Http404
    from accounts.models import District

    try:
        params = report_params(request.user, request.GET)
    except InvalidInput as exc:
        return render(request, "escalation/accountability.html", {"error": exc.detail}, status=400)
    data = report.accountability(start=params["start"], end=params["end"], district_id=params["district_id"])
    context = {
        "data": data, "params": params, "query": request.GET.urlencode(),
        "districts": District.objects.all() if permissions.is_supervisor(request.user) else [],
        "vendor_chart": report.bar_chart(data["vendors"], label_key="vendor"),
        "people_chart": report.bar_chart(data["people"], label_key="name"),
        "pending_rows": [(row["vendor"], [row[label] for label, _h in report.AGE_BUCKETS])
                         for row in data["pending_with_vendor"]],
    }
    return render(request, "escalation/accountability.html", context)
