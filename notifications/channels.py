"""The edges: how a message leaves the system. Each backend has a real implementation; tests
swap only these (the SMS gateway, email, outbound HTTP)."""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import logging

import httpx
from django.conf import settings
from django.core.mail import send_mail

log = logging.getLogger("helpdesk.sms")


class DeliveryError(Exception):
    """The provider refused or could not be reached; the outbox retries."""


class ConsoleSms:
    """Default SMS backend (development): writes the message to the log, nothing else."""

    def send(self, *, to: str, text: str) -> None:
        log.info("SMS to %s: %s", to, text)


class MemorySms(ConsoleSms):
    """SMS_BACKEND=memory, the tests' gateway (as Django's locmem email backend): also keeps the
    last `KEEP` messages of this process in `MemorySms.outbox`, as a phone would show them."""

    KEEP = 200
    outbox: collections.deque[tuple[str, str]] = collections.deque(maxlen=KEEP)

    def send(self, *, to: str, text: str) -> None:
        super().send(to=to, text=text)
        self.outbox.append((to, text))


class HttpSmsGateway:
    """A generic HTTP SMS gateway: POST {"to", "text"} as JSON with a bearer key."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key

    def send(self, *, to: str, text: str) -> None:
        try:
            response = httpx.post(self.url, json={"to": to, "text": text},
                                  headers={"Authorization": f"Bearer {self.key}"}, timeout=10)
        except httpx.HTTPError as exc:
            raise DeliveryError(str(exc)) from exc
        if response.status_code >= 300:
            raise DeliveryError(f"gateway answered {response.status_code}: {response.text[:200]}")


def sms_backend():
    if settings.SMS_BACKEND == "http":
        return HttpSmsGateway(settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY)
    if settings.SMS_BACKEND == "memory":
        return MemorySms()
    return ConsoleSms()


def send_email(*, to: str, subject: str, text: str) -> None:
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as exc:  # SMTP errors of every kind
        raise DeliveryError(str(exc)) from exc


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(*, url: str, secret: str, payload: dict, idempotency_key: str) -> None:
    """POST JSON signed with HMAC-SHA256 (header X-Helpdesk-Signature). The receiver should
    de-duplicate on Idempotency-Key: a retry after a timeout may deliver twice."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "X-Helpdesk-Signature": webhook_signature(secret, body),
               "Idempotency-Key": idempotency_key}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise DeliveryError(str(exc)) from exc
    if response.status_code >= 300:
        raise DeliveryError(f"webhook answered {response.status_code}: {response.text[:200]}")
