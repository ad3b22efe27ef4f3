"""Dashboard pages. Server-rendered from the same selectors as the JSON API (tables work without
JavaScript and print); reports.js draws the charts from the JSON endpoints and refreshes the
"now" sections when live events arrive."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import District
from accounts.permissions import is_desk, is_district_official
from escalation.heartbeat import heartbeat_status
from helpdesk.exceptions import DomainError, Forbidden, NotFound

from . import ratings as rating_tables
from . import selectors
from .caching import cached_json
from .formatting import IST
from .scope import resolve_month, resolve_period, resolve_scope, resolve_shift
from .services import handover_note_create


def page_errors(view):
    """Domain errors become a page: 404 for out-of-scope, otherwise the message with its status."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            return render(request, "reports/error.html", {"error": error}, status=error.status_code)

    return wrapper


def _query(request, *keep: str, **extra) -> str:
    params = {k: request.GET[k] for k in keep if request.GET.get(k)}
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


@login_required
@page_errors
def index(request):
    if is_desk(request.user):
        return redirect("reports:state")
    if is_district_official(request.user):
        return redirect("reports:district")
    raise Forbidden(_("Only helpdesk staff and district officials may see reports."))


def _dashboard_context(request, scope):
    now = timezone.now()
    period = resolve_period(request.GET)
    order = request.GET.get("order") or "breaches"
    if order not in selectors.DISTRICT_ORDERS:
        order = "breaches"
    district_q = {"district": scope.district.code} if scope.district else {}
    period_q = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    tables = {
        "open": selectors.open_by_status_priority(scope).as_json(),
        "intake": selectors.intake_today(scope, now).as_json(),
        "backlog": selectors.backlog_by_age(scope, now).as_json(),
        "sla": selectors.sla_compliance(scope, period, now).as_json(),
        "response_times": cached_json("response-times", scope, period, (),
                                      lambda: selectors.response_times(scope, period)),
        "vendor": cached_json("vendor", scope, period, (),
                              lambda: selectors.vendor_accountability(scope, period, now)),
        "ratings": cached_json("ratings", scope, period, (), lambda: rating_tables.ratings(scope, period)),
        "incidents": selectors.open_incidents(scope).as_json(),
    }
    if scope.district is None:
        tables["districts"] = cached_json("districts", scope, period, (("order", order),),
                                          lambda: selectors.districts(scope, period, now, order))
    else:
        tables["position"] = cached_json("position", scope, period, (),
                                         lambda: selectors.district_position(scope, period, now))
    return {
        "scope": scope,
        "period": period,
        "order": order,
        "tables": tables,
        "now_query": urlencode(district_q),
        "period_query": urlencode({**district_q, **period_q}),
        "districts_query": urlencode({**period_q, "order": order}),
        "districts": District.objects.order_by("name_en") if is_desk(request.user) else None,
        "generated_at": now.astimezone(IST),
        "engine": _engine(now) if is_desk(request.user) else None,
    }


def _engine(now) -> dict:
    """The escalation engine's heartbeat, for the desk (supervisors see it on the state dashboard)."""
    status = heartbeat_status(now=now)
    stalled = (now - status.stale_since).total_seconds() if status.stale_since else 0
    return {"stale": status.stale, "last_run_at": status.last_run_at, "age": status.age_seconds,
            "stalled": int(stalled), "minutes": int(stalled // 60)}


@login_required
@page_errors
def state_dashboard(request):
    if not is_desk(request.user):
        if is_district_official(request.user):
            return redirect("reports:district")
        raise Forbidden(_("Only helpdesk staff and district officials may see reports."))
    params = request.GET.copy()
    params.pop("district", None)
    scope = resolve_scope(request.user, params)
    return render(request, "reports/dashboard.html", _dashboard_context(request, scope))


@login_required
@page_errors
def district_dashboard(request):
    scope = resolve_scope(request.user, request.GET)
    if scope.district is None:
        # Desk staff without a chosen district: the first district, with the picker shown.
        first = District.objects.order_by("name_en").first()
        return redirect(f"{request.path}?{_query(request, 'from', 'to', district=first.code)}")
    return render(request, "reports/dashboard.html", _dashboard_context(request, scope))


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def handover(request):
    if not is_desk(request.user):
        raise Forbidden(_("Only helpdesk staff may see the shift handover."))
    if request.method == "POST":
        try:
            handover_note_create(author=request.user, body=request.POST.get("body", ""),
                                 ticket_number=request.POST.get("ticket", ""))
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("Note saved for the next shift."))
        return redirect(f"{request.path}?{_query(request, 'end', 'hours', 'district')}")
    scope = resolve_scope(request.user, request.GET)
    shift = resolve_shift(request.GET)
    now = timezone.now()
    limit = 200
    context = {
        "scope": scope,
        "shift": shift,
        "shift_start": shift.start.astimezone(IST),
        "shift_end": shift.end.astimezone(IST),
        "hours": int((shift.end - shift.start).total_seconds() // 3600),
        "summary": selectors.shift_summary(scope, shift, now),
        "limit": limit,
        "tables": {
            "opened": selectors.shift_opened(scope, shift, limit).as_json(),
            "closed": selectors.shift_closed(scope, shift, limit).as_json(),
            "pending": selectors.shift_pending(scope, shift, now, limit).as_json(),
            "breaches": selectors.shift_breaches(scope, shift, now, limit).as_json(),
            "incidents": selectors.open_incidents(scope).as_json(),
            "notes": selectors.handover_notes(shift, limit).as_json(),
        },
        "query": _query(request, "district", "end", "hours"),
        "generated_at": now.astimezone(IST),
    }
    return render(request, "reports/handover.html", context)


@login_required
@page_errors
def monthly(request):
    scope = resolve_scope(request.user, request.GET)
    month = resolve_month(request.GET)
    now = timezone.now()
    tables = {
        "categories": selectors.categories(scope, month).as_json(),
        "sla": selectors.sla_compliance(scope, month, now).as_json(),
        "response_times": selectors.response_times(scope, month).as_json(),
        "vendor": selectors.vendor_accountability(scope, month, now).as_json(),
    }
    if scope.district is None:
        tables["districts"] = selectors.districts(scope, month, now, "breaches").as_json()
    else:
        tables["position"] = selectors.district_position(scope, month, now).as_json()
    opened = sum(row["opened"] for row in tables["categories"]["rows"])
    district_q = {"district": scope.district.code} if scope.district else {}
    return render(request, "reports/monthly.html", {
        "scope": scope, "month": month, "month_value": f"{month.first_day:%Y-%m}", "tables": tables,
        "opened": opened, "generated_at": now.astimezone(IST),
        "period_query": urlencode({**district_q, "from": month.first_day.isoformat(), "to": month.last_day.isoformat()}),
        "districts": District.objects.order_by("name_en") if is_desk(request.user) else None,
    })
