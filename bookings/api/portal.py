"""The portal's side: the change feed (what the helpdesk changed since a cursor) and the imports
of portal exports (supervisors)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsDesk, IsSupervisor
from helpdesk import inputs
from helpdesk.exceptions import InvalidInput

from .. import rules, selectors
from ..imports import import_start
from ..models import ImportRun
from . import requests, schemas
from .common import TAG_PORTAL


class ChangesView(APIView):
    permission_classes = [IsDesk]

    @extend_schema(tags=TAG_PORTAL, summary="Changes made in the helpdesk since a cursor",
                   parameters=[requests.ChangesQuery],
                   examples=[OpenApiExample("response", response_only=True, value={
                       "changes": [{"id": 1, "kind": "appointment.rescheduled", "reference_id": "12345678901234",
                                    "appointment_id": "3f0e2b1c-5d4a-4e8f-9a7b-1c2d3e4f5a6b",
                                    "at": "2026-11-25T10:00:00+05:30", "data": {}}],
                       "next": 1, "has_more": False})],
                   responses={200: schemas.Changes})
    def get(self, request):
        raw_since = inputs.one(request.query_params, "since", required=False)
        since = 0 if raw_since is None else inputs.integer(raw_since, "since", minimum=0, allow_text=True)
        raw_limit = inputs.one(request.query_params, "limit", required=False)
        limit = 500 if raw_limit is None else inputs.integer(raw_limit, "limit", maximum=1000, allow_text=True)
        changes = selectors.changes_since(since=since, limit=limit)
        return Response({"changes": changes, "next": changes[-1]["id"] if changes else since,
                         "has_more": len(changes) == limit})


class ImportView(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [MultiPartParser]

    @extend_schema(tags=TAG_PORTAL, summary="Upload a portal export (CoWIN JSON or CSV) to import",
                   request={"multipart/form-data": requests.ImportUpload}, responses={202: schemas.ImportRunOut})
    def post(self, request):
        unknown = sorted(set(request.data) - set(requests.ImportUpload().get_fields()))
        if unknown:
            raise InvalidInput("Unknown fields: " + ", ".join(unknown) + ".", code="unknown_fields", fields=unknown)
        upload = request.FILES.get("file")
        kind = inputs.text(request.data.get("kind"), "kind", max_len=20, required=True)
        if upload is None or not upload.size:
            raise InvalidInput("Attach a file (an empty one has nothing to import).", code="missing_file", field="file")
        run = import_start(kind=kind, filename=upload.name, raw=upload.read(), user=request.user)
        return Response(import_run_dict(run), status=202)


class ImportDetailView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(tags=TAG_PORTAL, summary="Progress and summary of an import run",
                   responses={200: schemas.ImportRunOut})
    def get(self, request, run_id: int):
        run = ImportRun.objects.filter(pk=run_id).first()
        if run is None:
            raise rules.not_found()
        return Response(import_run_dict(run))


def import_run_dict(run: ImportRun) -> dict:
    return {"id": run.pk, "kind": run.kind, "source": run.source, "format": run.fmt, "status": run.status,
            "total": run.total, "processed": run.processed, "accepted": run.accepted, "refused": run.refused,
            "refusals": run.refusals[:100], "finished_at": run.finished_at.isoformat() if run.finished_at else None}
