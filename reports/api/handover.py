"""The shift handover: its tables (opened, closed, pending, breaches, notes), the counts for the
shift, and the notes desk staff write for the next shift."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_desk
from helpdesk.api import idempotent
from helpdesk.exceptions import Forbidden, InvalidInput

from .. import selectors
from ..scope import resolve_scope, resolve_shift
from ..services import handover_note_create
from ..tables import json_value
from . import schemas
from .base import DISTRICT_PARAM, SHIFT_PARAMS, ReportView

# The JSON tables stop at this many rows (the page shows them); the CSV streams every row.
JSON_ROWS = 500


class _ShiftView(ReportView):
    window = "shift"
    desk_only = True

    def limit(self) -> int | None:
        return None if self.csv else JSON_ROWS


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS],
               responses={200: schemas.ShiftOpenedTableOut}, summary="Shift handover: tickets opened in the shift")
class ShiftOpenedTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_opened(scope, window, limit=self.limit())


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS],
               responses={200: schemas.ShiftClosedTableOut},
               summary="Shift handover: tickets resolved or closed in the shift")
class ShiftClosedTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_closed(scope, window, limit=self.limit())


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS],
               responses={200: schemas.ShiftPendingTableOut},
               summary="Shift handover: escalations pending acknowledgement now")
class ShiftPendingTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_pending(scope, window, now, limit=self.limit())


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS],
               responses={200: schemas.ShiftBreachesTableOut}, summary="Shift handover: SLA breaches during the shift")
class ShiftBreachesTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_breaches(scope, window, now, limit=self.limit())


@extend_schema(tags=["reports"], parameters=SHIFT_PARAMS, responses={200: schemas.ShiftNotesTableOut},
               summary="Shift handover: notes written during the shift")
class ShiftNotesTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.handover_notes(window, limit=self.limit())


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS],
               responses={200: schemas.ShiftSummaryOut}, summary="Shift handover: counts for the shift")
class ShiftSummary(_ShiftView):
    def get(self, request, *args, **kwargs):
        scope = resolve_scope(request.user, request.query_params)
        if not is_desk(request.user):
            raise Forbidden(_("Only helpdesk staff may see the shift handover."))
        shift = resolve_shift(request.query_params)
        data = selectors.shift_summary(scope, shift, timezone.now())
        data["scope"] = scope.as_dict()
        return Response(data)


@extend_schema(
    tags=["reports"], summary="Write a note for the next shift (Idempotency-Key honoured)",
    request=schemas.HandoverNoteIn, responses={201: schemas.HandoverNoteOut},
    examples=[OpenApiExample("A note", request_only=True, value={
        "body": "OTP gateway slow since 02:10; vendor acknowledged."})],
)
class HandoverNoteCreate(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent
    def post(self, request):
        if not isinstance(request.data, dict):
            raise InvalidInput(_("Send a JSON object."), code="invalid_body")
        unknown = set(request.data) - {"body", "ticket"}
        if unknown:
            raise InvalidInput(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_fields")
        note = handover_note_create(author=request.user, body=request.data.get("body"),
                                    ticket_number=request.data.get("ticket"))
        return Response({"id": note.pk, "body": note.body, "ticket": note.ticket.number if note.ticket else None,
                         "created_at": json_value(note.created_at), "author": request.user.username},
                        status=status.HTTP_201_CREATED)
