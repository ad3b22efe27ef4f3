"""POST /api/voice/callback/: the telephony gateway reports a call's outcome (signed)."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.exceptions import InvalidInput
from helpdesk.openapi import ErrorSerializer

from .voice_callback import OUTCOMES, check_signature, voice_call_finish


class VoiceCallbackIn(serializers.Serializer):
    call_id = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=sorted(OUTCOMES))
    digits = serializers.RegexField(r"^[0-9*#]{0,10}$", required=False, allow_blank=True, default="")


class VoiceCallbackOut(serializers.Serializer):
    call_id = serializers.CharField()
    status = serializers.CharField()
    acknowledged = serializers.BooleanField()


class VoiceCallback(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Telephony gateway callback: a call's outcome (pressed 1 acknowledges the escalation)",
        auth=[], request=VoiceCallbackIn,
        parameters=[OpenApiParameter("X-Voice-Signature", str, OpenApiParameter.HEADER, required=True,
                                     description="sha256=<hex HMAC-SHA256 of the raw body under VOICE_CALLBACK_SECRET>")],
        responses={200: VoiceCallbackOut, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                   409: ErrorSerializer},
        examples=[OpenApiExample("Pressed 1", request_only=True,
                                 value={"call_id": "c-81f2", "status": "completed", "digits": "1"})],
    )
    def post(self, request):
        body = request.body  # the raw bytes, signed by the gateway; checked before anything is parsed
        check_signature(body, request.headers.get("X-Voice-Signature", ""))
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(_("The body must be a JSON object."), code="invalid_body") from None
        if not isinstance(data, dict) or set(data) - {"call_id", "status", "digits"}:
            raise InvalidInput(_("The body must be a JSON object with call_id, status and digits."), code="invalid_body")
        form = VoiceCallbackIn(data=data)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise InvalidInput(str(errors[0]), code="invalid", field=field)
        call = voice_call_finish(provider_call_id=form.validated_data["call_id"], outcome=form.validated_data["status"],
                                 digits=form.validated_data.get("digits", ""))
        return Response(VoiceCallbackOut({"call_id": call.provider_call_id, "status": call.status,
                                          "acknowledged": call.status == "acknowledged"}).data)
