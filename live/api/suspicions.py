"""Suspected incidents (complaint spikes): the open ones, and a supervisor's decision on one."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from accounts.permissions import IsDeskOrDistrict, IsSupervisor
from helpdesk.api import BaseView, Pagination, idempotent

from .. import selectors, services
from ..models import Severity
from . import parsing
from .representation import incident_dict, suspicion_dict
from .schemas import (
    REQUESTS,
    TITLE_MAX,
    IncidentOut,
    SuspicionConfirmIn,
    SuspicionDismissed,
    SuspicionPage,
)


class SuspicionListView(BaseView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(responses={200: SuspicionPage}, summary="Open suspected incidents (spikes)",
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


class SuspicionConfirmView(BaseView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        request=SuspicionConfirmIn,
        responses={200: IncidentOut},
        examples=[OpenApiExample("confirm", request_only=True, value={"severity": "major"})],
        summary="Confirm a suspected incident: opens an incident and links the tickets",
    )
    @idempotent
    def post(self, request, suspicion_id: int):
        body = parsing.body(request, REQUESTS[SuspicionConfirmIn])
        incident = services.suspicion_confirm(
            suspicion_id=suspicion_id, actor=request.user,
            title=parsing.given_text(body.get("title"), "title", max_len=TITLE_MAX),
            severity=parsing.text(body.get("severity"), "severity", default=Severity.MAJOR),
            is_public=parsing.boolean(body.get("public"), "public", default=False),
            body_en=parsing.given_text(body.get("body_en"), "body_en", max_len=services.MAX_TEXT),
            body_hi=parsing.given_text(body.get("body_hi"), "body_hi", max_len=services.MAX_TEXT),
        )
        return Response(incident_dict(incident))


class SuspicionDismissView(BaseView):
    permission_classes = [IsSupervisor]

    @extend_schema(request=None, responses={200: SuspicionDismissed},
                   summary="Dismiss a suspected incident (the detector counts only later complaints)")
    @idempotent
    def post(self, request, suspicion_id: int):
        suspicion = services.suspicion_dismiss(suspicion_id=suspicion_id, actor=request.user)
        return Response({"id": suspicion.pk, "status": suspicion.status})
