"""The ticket list page (/tickets/): saved views, filters, sort, search, pagination, live rows,
bulk actions, team views and the CSV export. Reads go through tickets.listing (the same read
path as GET /api/tickets/); bulk writes through tickets.bulk (the same as POST /api/tickets/bulk/).
Bad input is a 4xx page with the message in the user's language; nothing is changed."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User, Vendor
from accounts.permissions import is_desk, is_district_official, is_supervisor
from helpdesk.exceptions import DomainError, InvalidInput

from . import bulk, intake, team_views
from .listing import COUNT_CAP, SORT_KEYS, parse_for, ticket_list_page, ticket_list_query, views_for
from .models import Channel, Priority, TicketStatus

EXPORT_MAX = 100_000
_FILTER_NAMES = ("view", "status", "priority", "district", "category", "assignee", "unassigned", "channel",
                 "created_after", "created_before", "q", "sort", "page_size")


def _querystring(params, **changes) -> str:
    """The list's query string with `changes` applied (None removes a key)."""
    data = QueryDict(mutable=True)
    for key in _FILTER_NAMES:
        if key in params:
            data.setlist(key, params.getlist(key))
    for key, value in changes.items():
        data.pop(key, None)
        if value is not None:
            data[key] = value
    return data.urlencode()


def _labels() -> dict[str, str]:
    """Column labels, translated once per page (each row repeats them for the phone layout)."""
    return {"ticket": _("Ticket"), "status": _("Status"), "priority": _("Priority"), "district": _("District"),
            "category": _("Category"), "assignee": _("Assigned to"), "requester": _("Requester"),
            "opened": _("Opened"), "unassigned": _("Unassigned"), "choose": _("Choose ticket")}


def _options(user) -> dict:
    desk = is_desk(user)
    return {
        "statuses": TicketStatus.choices, "priorities": Priority.choices, "channels": Channel.choices,
        "districts": list(intake.districts().values()) if not is_district_official(user) else [],
        "categories": list(intake.categories().values()),
        "assignees": list(User.objects.filter(is_active=True, role__in=["agent", "supervisor", "admin"])
                          .order_by("username").only("id", "username", "first_name", "last_name")) if desk else [],
        "bulk_statuses": [s for s in TicketStatus.choices if s[0] != TicketStatus.MERGED],
        "vendors": list(Vendor.objects.all()) if desk else [],
        "incidents": list(apps.get_model("live", "Incident").objects.exclude(status="resolved")
                          .order_by("-pk").only("id", "title")[:50]) if desk else [],
    }


def _context(request, params, *, query=None, views=None, page=None, error=None) -> dict:
    user = request.user
    if views is None:
        views = views_for(user)
    current_sort = query.sort if query else "-created"
    sort_links = {}
    for key in SORT_KEYS:
        flipped = key if current_sort == f"-{key}" else f"-{key}"
        sort_links[key] = "?" + _querystring(params, sort=flipped, page=None)
    return {
        **_options(user),
        "labels": _labels(), "views": list(views.values()), "query": query, "page": page, "error": error,
        "params": params, "count_cap": COUNT_CAP,
        "view_links": {key: "?" + urlencode({"view": key}) for key in views},
        "sort_links": sort_links, "current_sort": current_sort,
        "prev_link": "?" + _querystring(params, page=str(page.page - 1)) if page and page.has_previous else "",
        "next_link": "?" + _querystring(params, page=str(page.page + 1)) if page and page.has_next else "",
        "export_link": "/tickets/export.csv?" + _querystring(params, page=None),
        "partial_link": "?" + _querystring(params, partial="1"),
        "back": _querystring(params),
        "can_bulk": is_desk(user), "can_merge": is_supervisor(user), "can_define_views": is_supervisor(user),
        "can_file": is_district_official(user),
        "filters_active": bool(query and query.explicit - {"view", "q", "sort", "page", "page_size"}),
        "selected_status": set(query.status) if query else set(),
        "selected_priority": set(query.priority) if query else set(),
    }


def _list(request: HttpRequest, params, *, results=None, status: int = 200, error=None) -> HttpResponse:
    try:
        query, views = parse_for(request.user, params)
        page = ticket_list_page(ticket_list_query(user=request.user, query=query, views=views), query)
    except DomainError as exc:
        return render(request, "tickets/ticket_list.html",
                      {**_context(request, QueryDict(), error=exc.detail), "error_field": exc.extra.get("field")},
                      status=exc.status_code)
    context = _context(request, params, query=query, views=views, page=page, error=error)
    context["results"] = results
    if results is not None:
        context["results_ok"] = sum(1 for r in results if r.ok)
    if params.get("partial") == "1":
        # The live refresh: the rows, and the count and pager they change (moved into place by lists.js).
        return render(request, "tickets/_list_rows.html", {**context, "partial": True})
    return render(request, "tickets/ticket_list.html", context, status=status)


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Every staff role: the tickets in their scope (district officials: their district)."""
    return _list(request, request.GET)


@login_required
@require_POST
def ticket_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked tickets; the list is shown again with a result per ticket."""
    back = QueryDict(request.POST.get("back", "")[:2000])
    post = request.POST
    try:
        values = {name: post.get(name) for name in ("assignee", "priority", "to", "note", "incident", "survivor",
                                                    "vendor")}
        for name in values:
            if len(post.getlist(name)) > 1:
                raise InvalidInput(_("%(field)s was sent twice.") % {"field": name}, code=f"invalid_{name}", field=name)
        parsed = bulk.bulk_parse(user=request.user, action=post.get("action"), numbers=post.getlist("tickets"),
                                 value=values)
    except DomainError as exc:
        return _list(request, back, status=exc.status_code, error=exc.detail)
    results = bulk.ticket_bulk_apply(user=request.user, request=parsed)
    return _list(request, back, results=results)


@login_required
@require_POST
def team_view_save(request: HttpRequest) -> HttpResponse:
    back = QueryDict(request.POST.get("back", "")[:2000])
    try:
        view = team_views.team_view_create(user=request.user, name_en=request.POST.get("name_en", ""),
                                           name_hi=request.POST.get("name_hi", ""), params=back)
    except DomainError as exc:
        return _list(request, back, status=exc.status_code, error=exc.detail)
    messages.success(request, _("Team view “%(name)s” saved.") % {"name": view.name})
    return redirect(f"/tickets/?view=team-{view.pk}")


@login_required
@require_POST
def team_view_remove(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        team_views.team_view_delete(user=request.user, view_id=view_id)
    except DomainError as exc:
        return _list(request, QueryDict(), status=exc.status_code, error=exc.detail)
    messages.success(request, _("Team view removed."))
    return redirect("tickets:list")


class _Echo:
    def write(self, value):
        return value


@login_required
def ticket_export(request: HttpRequest) -> HttpResponse:
    """The list as CSV (UTF-8 with BOM), every page of it up to EXPORT_MAX rows, streamed."""
    try:
        query, views = parse_for(request.user, request.GET)  # a page parameter is checked, then every page exported
        queryset = ticket_list_query(user=request.user, query=query, views=views)
    except DomainError as exc:
        return _list(request, QueryDict(), status=exc.status_code, error=exc.detail)
    writer = csv.writer(_Echo())
    header = [_("Ticket"), _("Status"), _("Priority"), _("District"), _("Category"), _("Assigned to"), _("Requester"),
              _("Mobile"), _("Opened")]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for t in queryset[:EXPORT_MAX].iterator(chunk_size=2000):
            yield writer.writerow([t.display_number, t.get_status_display(), t.priority, t.district.name,
                                   t.category.name, t.assignee.username if t.assignee_id else "", t.requester_name,
                                   t.masked_mobile, t.created_at.isoformat()])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tickets.csv"'
    return response
