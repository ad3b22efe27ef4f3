"""The SMS gateway's webhook: a citizen's text message (a status request, a reply, a rating)."""

from __future__ import annotations

import hmac
import uuid

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from helpdesk import inputs, validation
from helpdesk.exceptions import Forbidden, InvalidInput
from tickets import sms

from . import requests, schemas
from .base import GENERIC, BaseView
from .throttles import AnonMobileThrottle, AnonThrottle


class SmsInbound(BaseView):
    """The SMS gateway posts {sender, text}. Decided for an unknown mobile (or a known one without
    an open ticket): no ticket is opened (an SMS carries no district or category to route it);
    the sender gets an SMS pointing to the complaint form and the helpline."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_throttles(self):
        # Per sender always; per IP only when the gateway is not authenticated by its key (a real
        # gateway posts everything from one address).
        return [AnonMobileThrottle()] if settings.SMS_INBOUND_KEY else [AnonThrottle()]

    def initial(self, request, *args, **kwargs):
        inputs.check_size(request)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            request.throttle_mobile = validation.mobile(data.get("sender")) if data.get("sender") else None
        except InvalidInput:
            request.throttle_mobile = None
        super().initial(request, *args, **kwargs)

    @extend_schema(
        summary="Inbound SMS webhook (header X-Gateway-Key)", auth=[],
        request=requests.InboundSms,
        responses={200: schemas.SmsInboundOut, 400: GENERIC, 403: GENERIC},
        examples=[OpenApiExample("Status request", request_only=True,
                                 value={"sender": "+919876504321", "text": "STATUS K7M4QX2P", "id": "gw-881"}),
                  OpenApiExample("Handled", response_only=True, value={"action": "status_sent"})],
    )
    def post(self, request):
        expected = settings.SMS_INBOUND_KEY
        if expected and not hmac.compare_digest(request.headers.get("X-Gateway-Key", "").encode(), expected.encode()):
            raise Forbidden(_("Unknown gateway."), code="bad_gateway_key")
        data = inputs.body(request.data, allowed={"sender", "text", "id"}, required={"sender", "text"})
        sender = validation.mobile(data["sender"])
        text = inputs.text(data.get("text"), "text", max_len=1600).strip()
        # The gateway's message id makes its retries one reply; without one every post is new.
        message_id = inputs.text(data.get("id"), "id", max_len=100) or uuid.uuid4().hex
        return Response({"action": sms.sms_receive(sender=sender, text=text, gateway_id=message_id)})
