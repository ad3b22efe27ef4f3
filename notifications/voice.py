"""Phone calls (ladder channel `voice`): the telephony edge and placing a call for an outbox row.

A gateway has one method, `call(to=, text=, reference=) -> provider call id`. ConsoleVoice (the
default) logs the call; HttpVoiceGateway is a generic click-to-call API in the shape Indian
providers offer: POST JSON {to, message, reference, callback_url, acknowledge_digit} with a
bearer key, answering {"call_id": "..."}. The outcome comes back later through the signed
callback (voice_callback.py). A refused or unreachable gateway is a DeliveryError: the outbox
retries, then falls back to the person's next address."""

from __future__ import annotations

import logging
import uuid

import httpx
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .channels import DeliveryError
from .models import OutboxMessage, VoiceCall

log = logging.getLogger("helpdesk.voice")


class ConsoleVoice:
    """Default: writes the call to the log (and keeps it, for the demo and tests)."""

    calls: list[tuple[str, str, str]] = []

    def call(self, *, to: str, text: str, reference: str) -> str:
        call_id = f"console-{uuid.uuid4().hex[:16]}"
        log.info("CALL %s (%s): %s", to, call_id, text)
        self.calls.append((to, text, call_id))
        return call_id


class HttpVoiceGateway:
    # Tests put an httpx.MockTransport here; None is the real network.
    transport: httpx.BaseTransport | None = None

    def __init__(self, url: str, key: str, callback_url: str) -> None:
        self.url, self.key, self.callback_url = url, key, callback_url

    def call(self, *, to: str, text: str, reference: str) -> str:
        payload = {"to": f"+91{to}", "message": text, "reference": reference, "callback_url": self.callback_url,
                   "acknowledge_digit": "1"}
        try:
            with httpx.Client(transport=self.transport, timeout=10) as client:
                response = client.post(self.url, json=payload, headers={"Authorization": f"Bearer {self.key}",
                                                                        "Idempotency-Key": reference})
        except httpx.HTTPError as exc:
            raise DeliveryError(str(exc)) from exc
        if response.status_code >= 300:
            raise DeliveryError(f"voice gateway answered {response.status_code}: {response.text[:200]}")
        try:
            call_id = response.json().get("call_id")
        except (ValueError, AttributeError):
            call_id = None
        if not isinstance(call_id, str) or not call_id or len(call_id) > 100:
            raise DeliveryError("voice gateway answered without a call_id")
        return call_id


def voice_backend():
    if settings.VOICE_BACKEND == "http":
        return HttpVoiceGateway(settings.VOICE_GATEWAY_URL, settings.VOICE_GATEWAY_KEY,
                                settings.SITE_URL + reverse("api-voice-callback"))
    return ConsoleVoice()


def place_call(message: OutboxMessage) -> VoiceCall:
    """Ask the gateway to call `message.recipient` and record the call (status requested). The
    caller (outbox.deliver) holds the message's row lock; a retry of a message that already has a
    call places none again."""
    existing = VoiceCall.objects.filter(message=message).first()
    if existing is not None:
        return existing
    call_id = voice_backend().call(to=message.recipient, text=message.body, reference=message.idempotency_key)
    return VoiceCall.objects.create(message=message, notice_id=message.notice_id, provider_call_id=call_id,
                                    to=message.recipient, requested_at=timezone.now())
