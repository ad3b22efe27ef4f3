"""The sync API of the centre app (README "Offline registration at centres" has the protocol)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCentreStaff
from helpdesk import inputs

from . import intake, services

_RECORD = {"client_id": "0b6f3c1e-5d0a-4f57-9a53-2f1f3d7b9c11", "kind": "registration", "center_id": 109001,
           "recorded_at": "2026-12-01T10:42:00+05:30", "name": "Ramesh Kumar", "birth_year": 1980, "gender": "M",
           "mobile": "9876500000", "id_type": "aadhaar", "id_last4": "4321", "vaccine": "COVISHIELD", "dose": 1}


@inputs.checks_each_record  # one bad record is refused alone; the rest of the batch is kept
class SyncBatchView(APIView):
    permission_classes = [IsCentreStaff]

    @extend_schema(
        tags=["bookings: centre app"], operation_id="centre_sync_batch", request=intake.BatchDoc,
        summary="Send a batch of records made at the centre; each is accepted or refused exactly once",
        description=(
            "Each record is processed on its own: accepted, refused with a `code` and a `detail` in the "
            "user's language, or, for a `client_id` this centre already sent, the stored outcome with "
            "`replay: true` (a different body under a known id is refused `changed_replay`). A malformed "
            "record (`invalid`, with `errors`) or one for another centre (`wrong_centre`) is refused and the "
            "rest of the batch kept. More than OFFLINE_BATCH_MAX records (100): 413 `batch_too_large`, "
            "nothing processed. An empty batch records the device's contact (a heartbeat)."),
        responses={200: intake.BatchOut,
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description="not a batch (invalid_body, invalid_batch)"),
                   403: OpenApiResponse(OpenApiTypes.OBJECT, description="not logged in as centre staff"),
                   413: OpenApiResponse(OpenApiTypes.OBJECT, description="batch_too_large, with max_records")},
        examples=[
            OpenApiExample("batch", request_only=True, value={
                "device_id": "5f0c2b8e-8f0e-4a39-b6d4-0c7a4d9e2f10", "sent_at": "2026-12-01T11:00:05+05:30",
                "waiting": 1, "oldest_waiting_at": "2026-12-01T10:42:00+05:30", "records": [_RECORD]}),
            OpenApiExample("results", response_only=True, status_codes=["200"], value={
                "server_time": "2026-12-01T11:00:06+05:30", "center_id": 109001, "results": [
                    {"client_id": _RECORD["client_id"], "status": "accepted", "code": "", "detail": "",
                     "replay": False, "reference_id": "99123456789012", "confirmation_number": "K7M4QX2PAB"},
                    {"client_id": "7c1d…", "status": "refused", "code": "duplicate_beneficiary",
                     "detail": "This person is already registered (reference id ending 1234). …", "replay": False,
                     "reference_id": "", "confirmation_number": ""}]}),
        ])
    def post(self, request):
        return Response(services.offline_sync_batch(user=request.user, data=request.data))
