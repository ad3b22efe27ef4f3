"""The telephony gateway's callback: the outcome of a call placed for an escalation. "Pressed 1"
acknowledges through the same service as the link (channel "voice"); any other outcome only
records the call (not acknowledged: the ladder goes on)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import Conflict, Forbidden, NotFound
from notifications.models import VoiceCall

from . import services
from .models import EscalationNotice

# Gateway outcomes and what they become. "completed"/"answered" with digit 1 acknowledges.
OUTCOMES = {
    "answered": VoiceCall.Status.ANSWERED, "completed": VoiceCall.Status.ANSWERED,
    "no_answer": VoiceCall.Status.NO_ANSWER, "busy": VoiceCall.Status.BUSY, "failed": VoiceCall.Status.FAILED,
}


def callback_signature(body: bytes, secret: str | None = None) -> str:
    secret = settings.VOICE_CALLBACK_SECRET if secret is None else secret
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(body: bytes, header: str) -> None:
    """Raises Forbidden unless `header` is the HMAC of the raw body under VOICE_CALLBACK_SECRET."""
    if not settings.VOICE_CALLBACK_SECRET:
        raise Forbidden(_("Voice callbacks are not configured."), code="callbacks_disabled")
    if not header or not hmac.compare_digest(header.encode(), callback_signature(body).encode()):
        raise Forbidden(_("Bad signature."), code="bad_signature")


@transaction.atomic
def voice_call_finish(*, provider_call_id: str, outcome: str, digits: str = "") -> VoiceCall:
    """Record a call's outcome, once. Locks the call row (then, to acknowledge, the ticket and
    its SLA row, through escalation_acknowledge). Pressed 1 on an answered call of an escalation
    acknowledges as the person called, via "voice"; a test call (no notice) only records it.
    Raises NotFound for an unknown call, Conflict for a call already finished (nothing changes)."""
    call = VoiceCall.objects.select_for_update().filter(provider_call_id=provider_call_id).first()
    if call is None:
        raise NotFound(_("No such call."), code="unknown_call")
    if call.status != VoiceCall.Status.REQUESTED:
        raise Conflict(_("This call has already finished."), code="call_finished", status=call.status)
    status = OUTCOMES[outcome]
    if status == VoiceCall.Status.ANSWERED and digits == "1":
        status = VoiceCall.Status.ACKNOWLEDGED
        notice = (EscalationNotice.objects.select_related("record", "user").filter(pk=call.notice_id).first()
                  if call.notice_id else None)
        if notice is not None and notice.user is not None:
            services.escalation_acknowledge(ticket_id=notice.record.ticket_id, user=notice.user,
                                            via=EscalationNotice.Via.VOICE, notice_id=notice.pk)
    call.status, call.digits, call.finished_at = status, digits[:10], timezone.now()
    call.save(update_fields=["status", "digits", "finished_at"])
    return call
