"""List, bulk and team-view endpoints: the API side of tickets.listing and tickets.bulk (the
same read path and the same writes as the list page)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from helpdesk import inputs
from helpdesk.api import idempotent
from helpdesk.exceptions import InvalidInput
from tickets import bulk, team_views
from tickets.listing import (
    PAGE_SIZE_MAX,
    SORT_KEYS,
    parse_for,
    ticket_list_page,
    ticket_list_query,
    views_for,
)
from tickets.models import Channel, Priority, TicketStatus

from .representation import ticket_dict

GENERIC = OpenApiTypes.OBJECT
LIST_PARAMETERS = [
    OpenApiParameter("view", str, description="a saved view: open (default), mine, unassigned, sla_at_risk, breached, "
                     "awaiting_vendor, awaiting_citizen, reopened, by_district, all, or team-<id> "
                     "(GET /api/tickets/views/ lists the caller's)"),
    OpenApiParameter("status", str, many=True, enum=TicketStatus.values, explode=True,
                     description="repeatable, or comma-separated"),
    OpenApiParameter("priority", str, many=True, enum=Priority.values, explode=True,
                     description="repeatable, or comma-separated"),
    OpenApiParameter("district", int, description="district id"),
    OpenApiParameter("category", str, description="category code, e.g. otp-not-received"),
    OpenApiParameter("assignee", int, description="user id"),
    OpenApiParameter("unassigned", bool),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("created_after", str, description="ISO 8601 instant or yyyy-mm-dd (IST), inclusive"),
    OpenApiParameter("created_before", str, description="ISO 8601 instant or yyyy-mm-dd (IST), exclusive"),
    OpenApiParameter("q", str, description="search (at most 200 characters): a ticket number, mobile or 14-digit "
                     "reference matches that field; otherwise words (Hindi or English, each also as a prefix) in "
                     "the requester's name, subject, description and comments, and partial numbers"),
    OpenApiParameter("sort", str, enum=[*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS)],
                     description="a leading - sorts descending; default: the view's order"),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description=f"at most {PAGE_SIZE_MAX}"),
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


class TicketBulk:
    """Mixed into a StaffView subclass in views.py (keeps the base view in one module)."""

    @extend_schema(
        summary="Apply one action to many tickets (at most 500); a result per ticket",
        operation_id="tickets_bulk",
        request=inline_serializer("TicketBulk", {
            "action": serializers.ChoiceField(bulk.ACTIONS),
            "tickets": serializers.ListField(child=serializers.CharField(), max_length=bulk.BULK_MAX),
            "assignee": serializers.IntegerField(required=False, allow_null=True, help_text="assign: user id; null unassigns"),
            "priority": serializers.ChoiceField(Priority.values, required=False),
            "to": serializers.ChoiceField([s for s in TicketStatus.values if s != "merged"], required=False),
            "note": serializers.CharField(required=False, max_length=2000),
            "vendor": serializers.IntegerField(required=False, help_text="status awaiting_vendor: vendor id"),
            "incident": serializers.IntegerField(required=False, allow_null=True, help_text="incident id; null unlinks"),
            "survivor": serializers.CharField(required=False, help_text="merge: the ticket the others merge into"),
        }),
        responses={200: GENERIC, 400: GENERIC, 403: GENERIC},
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


class TeamViewList:
    @extend_schema(summary="The saved views the caller may open (built-in and team views)",
                   operation_id="tickets_views_list", responses={200: GENERIC},
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
        request=inline_serializer("TeamViewCreate", {
            "name_en": serializers.CharField(max_length=80), "name_hi": serializers.CharField(max_length=80, required=False),
            "params": serializers.DictField(help_text="list parameters, as GET /api/tickets/ takes them")}),
        responses={201: GENERIC, 400: GENERIC, 403: GENERIC, 409: GENERIC},
        examples=[OpenApiExample("P1 in Raipur", request_only=True, value={
            "name_en": "P1 in Raipur", "name_hi": "रायपुर के P1", "params": {"view": "open", "priority": ["P1"], "district": 1}})],
    )
    @idempotent
    def post(self, request):
        data = inputs.body(request.data, allowed={"name_en", "name_hi", "params"}, required={"name_en"})
        params = data.get("params") or {}
        if not isinstance(params, dict) or not all(
                isinstance(v, str | int) and not isinstance(v, bool)
                or isinstance(v, list) and all(isinstance(i, str) for i in v) for v in params.values()):
            raise InvalidInput(_("params must be an object of list parameters."), code="invalid_params", field="params")
        params = {k: [str(i) for i in v] if isinstance(v, list) else str(v) for k, v in params.items()}
        view = team_views.team_view_create(user=request.user, name_en=inputs.text(data.get("name_en"), "name_en", max_len=80),
                                           name_hi=inputs.text(data.get("name_hi"), "name_hi", max_len=80), params=params)
        return Response({"key": f"team-{view.pk}", "label": view.name, "team": True, "filters": view.filters}, status=201)
