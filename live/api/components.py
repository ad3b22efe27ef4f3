"""A component's status, statewide or in one district (supervisors)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from accounts.models import District
from accounts.permissions import IsSupervisor
from helpdesk.api import BaseView, idempotent
from helpdesk.exceptions import InvalidInput, NotFound

from .. import services
from ..models import Component
from . import parsing
from .representation import component_state_dict
from .schemas import REQUESTS, ComponentStateOut, ComponentStatusIn


class ComponentStatusView(BaseView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        request=ComponentStatusIn,
        responses={200: ComponentStateOut},
        examples=[OpenApiExample("set", request_only=True, value={"status": "degraded", "district": 5})],
        summary="Set a component's status statewide or in one district",
    )
    @idempotent
    def post(self, request, code: str):
        component = Component.objects.filter(code=code).first()
        if component is None:
            raise NotFound(_("Component not found."))
        body = parsing.body(request, REQUESTS[ComponentStatusIn])
        district = None
        if body.get("district") is not None:
            district = District.objects.filter(pk=parsing.integer(body.get("district"), "district")).first()
            if district is None:
                raise InvalidInput(_("Unknown district."), code="invalid_district", field="district")
        state = services.component_set_status(component=component, status=parsing.text(body.get("status"), "status"),
                                              district=district, actor=request.user)
        return Response(component_state_dict(component, state))
