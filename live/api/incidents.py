"""Incidents: the list and one incident (staff), opening one and moving it on (supervisors),
public updates, internal notes, linked tickets."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.permissions import IsDesk, IsStaffRole, IsSupervisor
from helpdesk import inputs
from helpdesk.api import BaseView, Pagination, idempotent
from helpdesk.exceptions import InvalidInput

from .. import selectors, services
from ..models import Incident, IncidentStatus
from . import parsing
from .representation import incident_dict, update_dict
from .schemas import (
    REQUESTS,
    IncidentCreateIn,
    IncidentDetailOut,
    IncidentNoteIn,
    IncidentOut,
    IncidentPage,
    IncidentTransitionIn,
    IncidentUpdateIn,
    UpdateOut,
)

OPEN = {"true": True, "1": True, "false": False, "0": False}
INCIDENT_EXAMPLE = OpenApiExample("incident", value={
    "id": 7, "title": "OTP SMS delayed", "title_hi": "ओटीपी एसएमएस देर से", "status": "investigating",
    "severity": "critical", "public": True, "components": ["otp-sms"], "districts": [113],
    "created_at": "2026-11-25T10:00:00+05:30", "resolved_at": None, "cadence_minutes": 30,
    "last_public_update_at": "2026-11-25T10:00:00+05:30", "next_update_due_at": "2026-11-25T10:30:00+05:30",
    "overdue": False}, response_only=True)


class IncidentListView(BaseView):
    def get_permissions(self):
        return [IsSupervisor()] if self.request.method == "POST" else [IsStaffRole()]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=IncidentStatus.values),
                    OpenApiParameter("open", str, enum=list(OPEN), description="true (or 1): not resolved")],
        responses={200: IncidentPage}, examples=[INCIDENT_EXAMPLE], summary="Incidents you may see",
    )
    def get(self, request):
        incidents = selectors.incidents_for(user=request.user).order_by("-created_at")
        status = request.query_params.get("status")
        if status is not None:
            if status not in IncidentStatus.values:
                raise InvalidInput(_("Unknown incident status."), code="invalid_incident_status", field="status")
            incidents = incidents.filter(status=status)
        open_only = inputs.one(request.query_params, "open", required=False)
        if open_only is not None and open_only not in OPEN:
            raise InvalidInput(_("open is true or false."), code="invalid_open", field="open")
        if OPEN.get(open_only):
            incidents = incidents.exclude(status=IncidentStatus.RESOLVED)
        paginator = Pagination()
        page = paginator.paginate_queryset(incidents, request, view=self)
        return paginator.get_paginated_response([incident_dict(i) for i in page])

    @extend_schema(
        request=IncidentCreateIn,
        responses={201: IncidentOut},
        examples=[OpenApiExample("create", request_only=True, value={
            "title": "OTP SMS delayed", "title_hi": "ओटीपी एसएमएस देर से", "severity": "critical",
            "components": ["otp-sms"], "districts": [], "component_status": "major_outage",
            "body_en": "We are investigating.", "body_hi": "जाँच जारी है।"}), INCIDENT_EXAMPLE],
        summary="Open an incident (supervisors)",
    )
    @idempotent
    def post(self, request):
        body = parsing.body(request, REQUESTS[IncidentCreateIn])
        is_public = parsing.boolean(body.get("public"), "public", default=True)
        incident = services.incident_create(
            title=body.get("title"), title_hi=parsing.text(body.get("title_hi"), "title_hi"),
            severity=parsing.text(body.get("severity"), "severity", default="major"), actor=request.user,
            components=parsing.components(body.get("components")), districts=parsing.districts(body.get("districts")),
            component_status=body.get("component_status") if body.get("component_status") is not None else None,
            is_public=is_public,
            # Checked even when not public (and then unused): what the schema declares is what is taken.
            body_en=parsing.given_text(body.get("body_en"), "body_en", max_len=services.MAX_TEXT),
            body_hi=parsing.given_text(body.get("body_hi"), "body_hi", max_len=services.MAX_TEXT),
            ticket_ids=parsing.id_list(body.get("ticket_ids"), "ticket_ids", required=False),
        )
        return Response(incident_dict(incident), status=201)


class IncidentDetailView(BaseView):
    permission_classes = [IsStaffRole]

    @extend_schema(responses={200: IncidentDetailOut}, examples=[INCIDENT_EXAMPLE], summary="One incident",
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
        request=IncidentUpdateIn,
        responses={201: UpdateOut},
        examples=[OpenApiExample("update", request_only=True, value={
            "body_en": "Fix deployed; monitoring.", "body_hi": "सुधार लागू; निगरानी जारी।", "status": "monitoring"})],
        summary="Post a public update (English and Hindi); SMS to linked requesters",
    )
    @idempotent
    def post(self, request, incident_id: int):
        incident = self.incident(request, incident_id)
        body = parsing.body(request, REQUESTS[IncidentUpdateIn])
        update = services.incident_post_update(
            incident_id=incident.pk, body_en=body.get("body_en"), body_hi=body.get("body_hi"), actor=request.user,
            status=parsing.text(body.get("status"), "status") or None,
            restore_components=parsing.boolean(body.get("restore_components"), "restore_components", default=True),
        )
        return Response(update_dict(update), status=201)


class IncidentNoteView(_SupervisorAction):
    @extend_schema(request=IncidentNoteIn, responses={201: UpdateOut},
                   examples=[OpenApiExample("note", request_only=True, value={"body": "Vendor called back."})],
                   summary="Add an internal note (staff only)")
    @idempotent
    def post(self, request, incident_id: int):
        incident = self.incident(request, incident_id)
        body = parsing.body(request, REQUESTS[IncidentNoteIn])
        update = services.incident_add_note(incident_id=incident.pk, body=body.get("body"), actor=request.user)
        return Response(update_dict(update), status=201)


class IncidentTransitionView(_SupervisorAction):
    @extend_schema(
        request=IncidentTransitionIn,
        responses={200: IncidentOut},
        examples=[OpenApiExample("resolve", request_only=True, value={
            "status": "resolved", "restore_components": True, "body_en": "Resolved.", "body_hi": "समाधान हो गया।"}),
            INCIDENT_EXAMPLE],
        summary="Move the incident's lifecycle; resolving restores its components unless told not to",
    )
    @idempotent
    def post(self, request, incident_id: int):
        incident = self.incident(request, incident_id)
        body = parsing.body(request, REQUESTS[IncidentTransitionIn])
        incident = services.incident_transition(
            incident_id=incident.pk, to=parsing.text(body.get("status"), "status"), actor=request.user,
            restore_components=parsing.boolean(body.get("restore_components"), "restore_components", default=True),
            body_en=parsing.text(body.get("body_en"), "body_en"), body_hi=parsing.text(body.get("body_hi"), "body_hi"),
        )
        return Response(incident_dict(incident))


class IncidentLinkView(BaseView):
    permission_classes = [IsDesk]

    @extend_schema(
        request=inline_serializer("IncidentLinkIn", fields={
            "ticket_ids": serializers.ListField(
                child=serializers.IntegerField(min_value=1, max_value=inputs.MAX_INT),
                min_length=1, max_length=parsing.MAX_BULK)}),
        responses={200: inline_serializer("IncidentLinkOut", fields={"linked": serializers.IntegerField()})},
        examples=[OpenApiExample("link", request_only=True, value={"ticket_ids": [12, 13, 14]})],
        summary="Link tickets to an incident (one or in bulk)",
    )
    @idempotent
    def post(self, request, incident_id: int):
        incident = selectors.incident_get(user=request.user, incident_id=incident_id)
        ids = parsing.id_list(parsing.body(request, {"ticket_ids"}).get("ticket_ids"), "ticket_ids")
        linked = services.incident_link_tickets(incident_id=incident.pk, ticket_ids=ids, actor=request.user)
        return Response({"linked": linked})
