"""The live REST API: public status snapshot, the event snapshot for reconnecting clients,
incidents (supervisors manage them), component statuses, suspected incidents.

Thin views: parse strictly, call a selector or a service, return plain dicts.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import District
from accounts.permissions import IsDesk, IsDeskOrDistrict, IsStaffRole, IsSupervisor
from helpdesk import inputs
from helpdesk.api import BaseView, Pagination, idempotent
from helpdesk.exceptions import InvalidInput, NotFound

from . import selectors, services
from .events import ticket_event_json
from .models import Component, Incident, IncidentStatus, Suspicion

MAX_BULK = 500


# --- strict parsing -----------------------------------------------------------------------------

def _body(request) -> dict:
    return inputs.body(request.data)


def _int(value, field: str, *, required: bool = True) -> int | None:
    return inputs.integer(value, field, required=required)


def _query_int(request, name: str, default: int | None = None) -> int | None:
    return inputs.query_int(request.query_params, name, default=default, minimum=0)


def _str(value, field: str, *, default: str = "") -> str:
    return inputs.text(value, field, max_len=inputs.MAX_JSON_STRING, default=default)


def _bool(value, field: str, *, default: bool) -> bool:
    return inputs.boolean(value, field, default=default)


def _id_list(value, field: str, *, required: bool = True) -> list[int]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value) or len(value) > MAX_BULK:
        raise InvalidInput(_("%(field)s must be a list of 1 to %(max)s ids.") % {"field": field, "max": MAX_BULK},
                           code="invalid_ids", field=field)
    return [_int(item, field) for item in value]


def _components(value) -> list[Component]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 20 or not all(isinstance(c, str) for c in value):
        raise InvalidInput(_("components is a list of component codes."), code="invalid_components",
                           field="components")
    found = {c.code: c for c in Component.objects.filter(code__in=value)}
    unknown = [c for c in value if c not in found]
    if unknown:
        raise InvalidInput(_("Unknown component."), code="invalid_components", field="components", unknown=unknown)
    return [found[c] for c in dict.fromkeys(value)]


def _districts(value) -> list[District]:
    ids = _id_list(value, "districts", required=False)
    found = {d.pk: d for d in District.objects.filter(pk__in=ids)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput(_("Unknown district."), code="invalid_district", field="districts", unknown=unknown)
    return [found[i] for i in dict.fromkeys(ids)]


# --- representations ----------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value else None


def update_dict(update) -> dict:
    return {"id": update.pk, "public": update.is_public, "status": update.status, "body_en": update.body_en,
            "body_hi": update.body_hi, "created_at": _iso(update.created_at)}


def incident_dict(incident: Incident, *, updates=None) -> dict:
    data = {
        "id": incident.pk, "title": incident.title, "title_hi": incident.title_hi, "status": incident.status,
        "severity": incident.severity, "public": incident.is_public,
        "components": [c.code for c in incident.components.all()],
        "districts": [d.pk for d in incident.districts.all()],
        "created_at": _iso(incident.created_at), "resolved_at": _iso(incident.resolved_at),
        "cadence_minutes": incident.cadence_minutes,
        "last_public_update_at": _iso(incident.last_public_update_at),
        "next_update_due_at": _iso(incident.next_update_due_at),
        "overdue": selectors.is_overdue(incident),
    }
    if updates is not None:
        data["updates"] = [update_dict(u) for u in updates]
    return data


def status_snapshot(district: District | None) -> dict:
    components = selectors.component_overview(district=district)
    incidents = list(selectors.public_incidents(district=district))
    return {
        "district": district.code if district else None,
        "components": [
            {"code": v.component.code, "name_en": v.component.name_en, "name_hi": v.component.name_hi,
             "status": v.status, "districts": [{"id": d.pk, "code": d.code, "status": s} for d, s, _label in v.districts]}
            for v in components
        ],
        "incidents": [
            {**incident_dict(i), "minutes_since_update": selectors.minutes_since(i.last_public_update_at),
             "updates": [update_dict(u) for u in i.public_updates]}
            for i in incidents
        ],
    }


INCIDENT_EXAMPLE = OpenApiExample("incident", value={
    "id": 7, "title": "OTP SMS delayed", "title_hi": "ओटीपी एसएमएस देर से", "status": "investigating",
    "severity": "critical", "public": True, "components": ["otp-sms"], "districts": [113],
    "created_at": "2026-11-25T10:00:00+05:30", "resolved_at": None, "cadence_minutes": 30,
    "last_public_update_at": "2026-11-25T10:00:00+05:30", "next_update_due_at": "2026-11-25T10:30:00+05:30",
    "overdue": False}, response_only=True)

# --- views --------------------------------------------------------------------------------------

class StatusView(BaseView):
    """Public status snapshot (what /status/ shows). Cached briefly; invalidated on change."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("district", OpenApiTypes.STR, description="district code, e.g. bastar")],
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("status", value={"district": None, "components": [
            {"code": "otp-sms", "name_en": "OTP / SMS", "name_hi": "ओटीपी / एसएमएस", "status": "operational",
             "districts": [{"id": 5, "code": "bastar", "status": "partial_outage"}]}], "incidents": []},
            response_only=True)],
        summary="Public status of the portal's components and open incidents",
    )
    def get(self, request):
        district = selectors.district_from_param(inputs.one(request.query_params, "district", required=False))
        version = cache.get("live:status-version", 0)
        key = f"live:status-api:{version}:{district.code if district else '-'}"
        data = cache.get(key)
        if data is None:
            with translation.override("en"):
                data = status_snapshot(district)
            cache.set(key, data, 10)
        return Response(data)


class EventsView(BaseView):
    """Ticket events after a cursor, for a client that reconnects (DOMAIN.md §7: live events are
    hints; this is the snapshot). Scoped with accounts.permissions.scope_tickets."""

    permission_classes = [IsStaffRole]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.INT, description="last event id the client saw (0: from start)"),
            OpenApiParameter("ticket", OpenApiTypes.INT, description="only this ticket's events"),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("events", value={"count": 1, "next": None, "previous": None, "cursor": 42,
                                                  "results": [{"type": "ticket.status_changed", "event_id": 42,
                                                               "ticket_id": 9, "number": "K7M4QX2P",
                                                               "district_id": 1, "status": "in_progress",
                                                               "priority": "P2",
                                                               "changes": {"from": "new", "to": "in_progress"},
                                                               "at": "2026-11-25T10:00:00+05:30"}]},
                                  response_only=True)],
        summary="Ticket events since a cursor (reconnect snapshot)",
    )
    def get(self, request):
        since = _query_int(request, "since", 0)
        ticket_id = _query_int(request, "ticket")
        events = selectors.events_since(user=request.user, since=since, ticket_id=ticket_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(events, request, view=self)
        results = [ticket_event_json(e.ticket, e) for e in page]
        response = paginator.get_paginated_response(results)
        response.data["cursor"] = results[-1]["event_id"] if results else since
        return response


class IncidentListView(BaseView):
    def get_permissions(self):
        return [IsSupervisor()] if self.request.method == "POST" else [IsStaffRole()]

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=IncidentStatus.values),
                    OpenApiParameter("open", OpenApiTypes.BOOL)],
        responses={200: OpenApiTypes.OBJECT}, examples=[INCIDENT_EXAMPLE], summary="Incidents you may see",
    )
    def get(self, request):
        incidents = selectors.incidents_for(user=request.user).order_by("-created_at")
        status = request.query_params.get("status")
        if status is not None:
            if status not in IncidentStatus.values:
                raise InvalidInput(_("Unknown incident status."), code="invalid_incident_status", field="status")
            incidents = incidents.filter(status=status)
        if request.query_params.get("open") in ("1", "true"):
            incidents = incidents.exclude(status=IncidentStatus.RESOLVED)
        paginator = Pagination()
        page = paginator.paginate_queryset(incidents, request, view=self)
        return paginator.get_paginated_response([incident_dict(i) for i in page])

    @extend_schema(
        request=inline_serializer("IncidentCreate", fields={
            "title": serializers.CharField(), "title_hi": serializers.CharField(required=False),
            "severity": serializers.ChoiceField(["minor", "major", "critical"]),
            "components": serializers.ListField(child=serializers.CharField(), required=False),
            "districts": serializers.ListField(child=serializers.IntegerField(), required=False),
            "component_status": serializers.CharField(required=False),
            "public": serializers.BooleanField(required=False),
            "body_en": serializers.CharField(required=False), "body_hi": serializers.CharField(required=False),
            "ticket_ids": serializers.ListField(child=serializers.IntegerField(), required=False),
        }),
        responses={201: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("create", request_only=True, value={
            "title": "OTP SMS delayed", "title_hi": "ओटीपी एसएमएस देर से", "severity": "critical",
            "components": ["otp-sms"], "districts": [], "component_status": "major_outage",
            "body_en": "We are investigating.", "body_hi": "जाँच जारी है।"}), INCIDENT_EXAMPLE],
        summary="Open an incident (supervisors)",
    )
    @idempotent
    def post(self, request):
        body = _body(request)
        incident = services.incident_create(
            title=body.get("title"), title_hi=_str(body.get("title_hi"), "title_hi"),
            severity=_str(body.get("severity"), "severity", default="major"), actor=request.user,
            components=_components(body.get("components")), districts=_districts(body.get("districts")),
            component_status=body.get("component_status") if body.get("component_status") is not None else None,
            is_public=_bool(body.get("public"), "public", default=True),
            body_en=body.get("body_en"), body_hi=body.get("body_hi"),
            ticket_ids=_id_list(body.get("ticket_ids"), "ticket_ids", required=False),
        )
        return Response(incident_dict(incident), status=201)


class IncidentDetailView(BaseView):
    permission_classes = [IsStaffRole]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, examples=[INCIDENT_EXAMPLE], summary="One incident",
                   operation_id="live_incident_retrieve")
    def get(self, request, incident_id: int):
        incident = selectors.incident_get(user=request.user, incident_id=incident_id)
        updates = incident.updates.all() if IsDesk().has_permission(request, self) else incident.updates.filter(
            is_public=True)
        return Response(incident_dict(incident, updates=updates))


class _SupervisorAction(BaseView):
    permission_classes = [IsSupervisor]

    def incident(self, request, incident_id: int) -> Incident:
        return selectors.incident_get(user=request.user, incident_id=incident_id)


class IncidentUpdateView(_SupervisorAction):
    @extend_schema(
        request=inline_serializer("IncidentUpdateIn", fields={
            "body_en": serializers.CharField(), "body_hi": serializers.CharField(),
            "status": serializers.ChoiceField(IncidentStatus.values, required=False),
            "restore_components": serializers.BooleanField(required=False)}),
        responses={201: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("update", request_only=True, value={
            "body_en": "Fix deployed; monitoring.", "body_hi": "सुधार लागू; निगरानी जारी।", "status": "monitoring"})],
        summary="Post a public update (English and Hindi); SMS to linked requesters",
    )
    @idempotent
    def post(self, request, incident_id: int):
        incident = self.incident(request, incident_id)
        body = _body(request)
        status = body.get("status")
        update = services.incident_post_update(
            incident_id=incident.pk, body_en=body.get("body_en"), body_hi=body.get("body_hi"), actor=request.user,
            status=_str(status, "status") or None,
            restore_components=_bool(body.get("restore_components"), "restore_components", default=True),
        )
        return Response(update_dict(update), status=201)


class IncidentNoteView(_SupervisorAction):
    @extend_schema(request=inline_serializer("IncidentNoteIn", fields={"body": serializers.CharField()}),
                   responses={201: OpenApiTypes.OBJECT},
                   examples=[OpenApiExample("note", request_only=True, value={"body": "Vendor called back."})],
                   summary="Add an internal note (staff only)")
    @idempotent
    def post(self, request, incident_id: int):
        incident = self.incident(request, incident_id)
        update = services.incident_add_note(incident_id=incident.pk, body=_body(request).get("body"),
                                            actor=request.user)
        return Response(update_dict(update), status=201)


class IncidentTransitionView(_SupervisorAction):
    @extend_schema(
        request=inline_serializer("IncidentTransitionIn", fields={
            "status": serializers.ChoiceField(IncidentStatus.values),
            "restore_components": serializers.BooleanField(required=False),
            "body_en": serializers.CharField(required=False), "body_hi": serializers.CharField(required=False)}),
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("resolve", request_only=True, value={
            "status": "resolved", "restore_components": True, "body_en": "Resolved.", "body_hi": "समाधान हो गया।"}),
            INCIDENT_EXAMPLE],
        summary="Move the incident's lifecycle; resolving restores its components unless told not to",
    )
    @idempotent
    def post(self, request, incident_id: int):
        incident = self.incident(request, incident_id)
        body = _body(request)
        incident = services.incident_transition(
            incident_id=incident.pk, to=_str(body.get("status"), "status"), actor=request.user,
            restore_components=_bool(body.get("restore_components"), "restore_components", default=True),
            body_en=_str(body.get("body_en"), "body_en"), body_hi=_str(body.get("body_hi"), "body_hi"),
        )
        return Response(incident_dict(incident))


class IncidentLinkView(BaseView):
    permission_classes = [IsDesk]

    @extend_schema(
        request=inline_serializer("IncidentLinkIn", fields={
            "ticket_ids": serializers.ListField(
                child=serializers.IntegerField(min_value=1, max_value=inputs.MAX_INT),
                min_length=1, max_length=MAX_BULK)}),
        responses={200: inline_serializer("IncidentLinkOut", fields={"linked": serializers.IntegerField()})},
        examples=[OpenApiExample("link", request_only=True, value={"ticket_ids": [12, 13, 14]})],
        summary="Link tickets to an incident (one or in bulk)",
    )
    @idempotent
    def post(self, request, incident_id: int):
        incident = selectors.incident_get(user=request.user, incident_id=incident_id)
        ids = _id_list(_body(request).get("ticket_ids"), "ticket_ids")
        linked = services.incident_link_tickets(incident_id=incident.pk, ticket_ids=ids, actor=request.user)
        return Response({"linked": linked})


class ComponentStatusView(BaseView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        request=inline_serializer("ComponentStatusIn", fields={
            "status": serializers.ChoiceField(["operational", "degraded", "partial_outage", "major_outage"]),
            "district": serializers.IntegerField(required=False)}),
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("set", request_only=True, value={"status": "degraded", "district": 5})],
        summary="Set a component's status statewide or in one district",
    )
    @idempotent
    def post(self, request, code: str):
        component = Component.objects.filter(code=code).first()
        if component is None:
            raise NotFound(_("Component not found."))
        body = _body(request)
        district = None
        if body.get("district") is not None:
            district = District.objects.filter(pk=_int(body.get("district"), "district")).first()
            if district is None:
                raise InvalidInput(_("Unknown district."), code="invalid_district", field="district")
        state = services.component_set_status(component=component, status=_str(body.get("status"), "status"),
                                              district=district, actor=request.user)
        return Response({"component": component.code, "district": state.district_id, "status": state.status,
                         "updated_at": _iso(state.updated_at)})


def suspicion_dict(s: Suspicion) -> dict:
    return {"id": s.pk, "category": s.category.code, "district_id": s.district_id, "status": s.status,
            "count": s.window_count, "baseline": round(s.baseline, 2), "incident_id": s.incident_id,
            "ticket_ids": sorted(t.pk for t in s.tickets.all()), "created_at": _iso(s.created_at)}


class SuspicionListView(BaseView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Open suspected incidents (spikes)",
                   examples=[OpenApiExample("suspicions", response_only=True, value={
                       "count": 1, "next": None, "previous": None, "results": [
                           {"id": 3, "category": "otp", "district_id": 5, "status": "open", "count": 7,
                            "baseline": 0.4, "incident_id": None, "ticket_ids": [1, 2, 3, 4, 5, 6, 7],
                            "created_at": "2026-11-25T10:00:00+05:30"}]})])
    def get(self, request):
        suspicions = selectors.open_suspicions(user=request.user).prefetch_related("tickets")
        paginator = Pagination()
        page = paginator.paginate_queryset(suspicions, request, view=self)
        return paginator.get_paginated_response([suspicion_dict(s) for s in page])


class SuspicionDecisionView(BaseView):
    permission_classes = [IsSupervisor]
    decision = "confirm"

    @extend_schema(
        request=inline_serializer("SuspicionDecisionIn", fields={
            "title": serializers.CharField(required=False), "severity": serializers.CharField(required=False),
            "public": serializers.BooleanField(required=False), "body_en": serializers.CharField(required=False),
            "body_hi": serializers.CharField(required=False)}),
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("confirm", request_only=True, value={"severity": "major"})],
        summary="Confirm (opens an incident, links the tickets) or dismiss a suspected incident",
    )
    @idempotent
    def post(self, request, suspicion_id: int):
        body = _body(request) if request.data else {}
        if self.decision == "dismiss":
            suspicion = services.suspicion_dismiss(suspicion_id=suspicion_id, actor=request.user)
            return Response({"id": suspicion.pk, "status": suspicion.status})
        incident = services.suspicion_confirm(
            suspicion_id=suspicion_id, actor=request.user, title=_str(body.get("title"), "title"),
            severity=_str(body.get("severity"), "severity", default="major"),
            is_public=_bool(body.get("public"), "public", default=False),
            body_en=_str(body.get("body_en"), "body_en"), body_hi=_str(body.get("body_hi"), "body_hi"),
        )
        return Response(incident_dict(incident))
