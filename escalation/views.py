"""Pages: the accountability report (the vendor's pages are in vendor_views.py). They call the
same services and selectors as the API; domain errors become a message with the matching status
code."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import District
from helpdesk import inputs, validation
from helpdesk.exceptions import InvalidInput

from . import report

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


# --- Accountability report ------------------------------------------------------------------------
def report_params(user, query) -> dict:
    """Period (IST dates, inclusive; default the last 7 days) and district, scoped to the user:
    a district official always gets their own district. Raises InvalidInput."""
    try:
        scope = permissions.district_scope(user)
    except PermissionError:
        raise Http404 from None
    today = timezone.localdate()
    values = inputs.single_values(query, ("from", "to", "district"))
    start = validation.iso_date(values["from"]) if values.get("from") else today - dt.timedelta(days=6)
    end = validation.iso_date(values["to"]) if values.get("to") else today
    if end < start or (end - start).days > 366:
        raise InvalidInput(_("Choose a period of at most a year, 'from' before 'to'."), code="invalid_period")
    district_id = scope
    raw = values.get("district")
    if scope is None and raw:
        district_id = inputs.integer(raw, "district", allow_text=True, message=_("Unknown district."))
        if not District.objects.filter(pk=district_id).exists():
            raise InvalidInput(_("Unknown district."), code="invalid_district")
    return {
        "start": dt.datetime.combine(start, dt.time(0), tzinfo=IST),
        "end": dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=IST),
        "district_id": district_id, "from_date": start, "to_date": end,
    }


@login_required
def accountability(request: HttpRequest) -> HttpResponse:
    if not (permissions.is_supervisor(request.user) or permissions.is_district_official(request.user)):
        raise Http404

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
