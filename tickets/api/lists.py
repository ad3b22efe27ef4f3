"""List, bulk and team-view endpoints: the API side of tickets.listing and tickets.bulk (the
same read path and the same writes as the list page). The list itself is answered by
TicketListCreate (tickets.py), with these parameters."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response

from helpdesk import inputs
from helpdesk.api import idempotent
from helpdesk.exceptions import InvalidInput
from tickets import bulk, team_views
from tickets.listing import (
    PAGE_SIZE_MAX,
    parse_for,
    ticket_list_page,
    ticket_list_query,
    views_for,
)
from tickets.listing.params import PAGE_MAX, SEARCH_MAX
from tickets.models import Channel, Priority, TicketStatus

from . import requests, schemas
from .base import StaffView
from .representation import ticket_dict

GENERIC = OpenApiTypes.OBJECT
def _whole(low: int, high: int) -> dict:
    return {"type": "integer", "minimum": low, "maximum": high}


LIST_PARAMETERS = [
    OpenApiParameter("view", str, pattern=requests.VIEW_PATTERN,
                     description="a saved view: " + ", ".join(requests.VIEW_NAMES) + " (open by default; mine and by_district "
                     "for the desk), or team-<id> (GET /api/tickets/views/ lists the caller's)"),
    OpenApiParameter("status", str, many=True, enum=TicketStatus.values, explode=True,
                     description="repeatable, or comma-separated"),
    OpenApiParameter("priority", str, many=True, enum=Priority.values, explode=True,
                     description="repeatable, or comma-separated"),
    OpenApiParameter("district", _whole(1, inputs.MAX_INT), description="district id"),
    OpenApiParameter("category", str, pattern="^[-a-zA-Z0-9_]{1,64}$", description="category code, e.g. otp-not-received"),
    OpenApiParameter("assignee", _whole(1, inputs.MAX_INT), description="user id"),
    OpenApiParameter("unassigned", bool),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("created_after", str, pattern=requests.INSTANT_PATTERN,
                     description="yyyy-mm-dd (IST midnight) or an ISO 8601 instant, inclusive"),
    OpenApiParameter("created_before", str, pattern=requests.INSTANT_PATTERN,
                     description="yyyy-mm-dd (IST midnight) or an ISO 8601 instant, exclusive"),
    OpenApiParameter("q", {"type": "string", "maxLength": SEARCH_MAX},
                     description=f"search (at most {SEARCH_MAX} characters): a ticket number, mobile or 14-digit "
                     "reference matches that field; otherwise words (Hindi or English, each also as a prefix) in "
                     "the requester's name, subject, description and comments, and partial numbers"),
    OpenApiParameter("sort", str, enum=requests.SORT_CHOICES,
                     description="a leading - sorts descending; default: the view's order"),
    OpenApiParameter("page", _whole(1, PAGE_MAX), description="past the last page: 404"),
    OpenApiParameter("page_size", _whole(1, PAGE_SIZE_MAX), description=f"at most {PAGE_SIZE_MAX}"),
]


def _page_url(request, page: int) -> str:
    params = request.query_params.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


def list_tickets(request) -> Response:
    """GET /api/tickets/ (called by TicketListCreate.get)."""
    query, views = parse_for(request.user, request.query_params)
    page = ticket_list_page(ticket_list_query(user=request.user, query=query, views=views), query)
    return Response({
        "count": page.total, "count_capped": page.capped, "view": query.view, "sort": query.sort,
        "next": _page_url(request, page.page + 1) if page.has_next else None,
        "previous": _page_url(request, page.page - 1) if page.has_previous else None,
        "results": [ticket_dict(t) for t in page.rows],
    })


BULK_FIELDS = {"action", "tickets", "assignee", "priority", "to", "note", "incident", "survivor", "vendor"}


class TicketBulk(StaffView):
    @extend_schema(
        summary="Apply one action to many tickets (at most 500); a result per ticket",
        operation_id="tickets_bulk",
        request=requests.TicketBulkIn,
        responses={200: schemas.TicketBulkOut, 400: GENERIC, 403: GENERIC},
        examples=[
            OpenApiExample("Assign", request_only=True,
                           value={"action": "assign", "tickets": ["K7M4QX2P", "Q9Q9Q9Q9"], "assignee": 7}),
            OpenApiExample("Results", response_only=True, status_codes=["200"], value={
                "action": "assign", "ok": 1, "refused": 1, "results": [
                    {"number": "K7M4QX2P", "ok": True, "code": "ok", "detail": ""},
                    {"number": "Q9Q9Q9Q9", "ok": False, "code": "not_found", "detail": "Ticket not found."}]}),
            OpenApiExample("Too many", response_only=True, status_codes=["400"], value={
                "code": "too_many_tickets", "detail": "At most 500 tickets at once (501 chosen).", "field": "tickets",
                "max": 500}),
        ],
    )
    @idempotent
    def post(self, request):
        bulk.bulk_check_role(request.user)
        data = inputs.body(request.data, allowed=BULK_FIELDS, required={"action", "tickets"})
        if not isinstance(data.get("tickets"), list):
            raise InvalidInput(_("tickets must be a list of ticket numbers."), code="invalid_tickets", field="tickets")
        parsed = bulk.bulk_parse(user=request.user, action=data.get("action"), numbers=data["tickets"], value=data)
        results = bulk.ticket_bulk_apply(user=request.user, request=parsed)
        ok = sum(1 for r in results if r.ok)
        return Response({"action": parsed.action, "ok": ok, "refused": len(results) - ok,
                         "results": [r.as_dict() for r in results]})


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= inputs.MAX_INT


def _is_text(pattern: str, max_len: int = 100):
    return lambda value: isinstance(value, str) and len(value) <= max_len and re.fullmatch(pattern, value) is not None


# What requests.TeamViewParams declares, value by value (the list's own parser then reads them:
# an unknown district or category is refused there).
_TEAM_VIEW_PARAMS = {
    "view": lambda value: value in requests.VIEW_NAMES,
    "status": lambda value: isinstance(value, list) and all(item in TicketStatus.values for item in value),
    "priority": lambda value: isinstance(value, list) and all(item in Priority.values for item in value),
    "district": _is_whole,
    "category": _is_text("[-a-zA-Z0-9_]+", 64),
    "assignee": _is_whole,
    "unassigned": lambda value: value in ("true", "false"),
    "channel": lambda value: value in Channel.values,
    "created_after": _is_text(requests.INSTANT_PATTERN),
    "created_before": _is_text(requests.INSTANT_PATTERN),
    "q": lambda value: isinstance(value, str) and len(value) <= SEARCH_MAX,
    "sort": lambda value: value in requests.SORT_CHOICES,
}


def _team_view_params(raw) -> dict[str, str | list[str]]:
    """A team view's list parameters: an object of the list's parameters, each as declared."""
    if not isinstance(raw, dict):
        raise InvalidInput(_("params must be an object of list parameters."), code="invalid_params", field="params")
    for name, value in raw.items():
        check = _TEAM_VIEW_PARAMS.get(name)
        if check is None:
            raise InvalidInput(_("Unknown parameters: %(names)s.") % {"names": name[:40]}, code="unknown_parameters",
                               field="params")
        if not check(value):
            raise InvalidInput(_("%(field)s: not a value this list parameter takes.") % {"field": name},
                               code=f"invalid_{name}", field=name)
    return {name: [str(item) for item in value] if isinstance(value, list) else str(value)
            for name, value in raw.items()}


class TeamViews(StaffView):
    @extend_schema(summary="The saved views the caller may open (built-in and team views)",
                   operation_id="tickets_views_list", responses={200: schemas.SavedViewList},
                   examples=[OpenApiExample("Views", response_only=True, value={"results": [
                       {"key": "open", "label": "Open", "team": False, "filters": {}},
                       {"key": "team-3", "label": "P1 in Raipur", "team": True,
                        "filters": {"priority": ["P1"], "district": 1}}]})])
    def get(self, request):
        return Response({"results": [
            {"key": v.key, "label": str(v.label), "team": v.team_id is not None, "filters": v.filters or {}}
            for v in views_for(request.user).values()]})

    @extend_schema(
        summary="Define a team view (supervisors): a base view plus list parameters",
        operation_id="tickets_views_create",
        request=requests.TeamViewCreate,
        responses={201: schemas.SavedViewOut, 400: GENERIC, 403: GENERIC, 409: GENERIC},
        examples=[OpenApiExample("P1 in Raipur", request_only=True, value={
            "name_en": "P1 in Raipur", "name_hi": "रायपुर के P1", "params": {"view": "open", "priority": ["P1"], "district": 1}})],
    )
    @idempotent
    def post(self, request):
        data = inputs.body(request.data, allowed={"name_en", "name_hi", "params"}, required={"name_en"})
        params = _team_view_params(data.get("params", {}))
        view = team_views.team_view_create(user=request.user, name_en=inputs.text(data.get("name_en"), "name_en", max_len=80),
                                           name_hi=inputs.text(data.get("name_hi"), "name_hi", max_len=80), params=params)
        return Response({"key": f"team-{view.pk}", "label": view.name, "team": True, "filters": view.filters}, status=201)
