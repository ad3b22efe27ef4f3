"""Phone calls from the desk's telephony provider, in the shape of Zammad's generic CTI API:
`newCall` (ringing), `answer` (an agent picked up: their console pops the caller's tickets and
registrations), `hangup` (with a cause; an incoming call never answered is missed and goes on
the call-back list until an agent clears it). A ticket opened during a call is linked to it.

The webhook is signed: HMAC-SHA256 over "<timestamp>.<raw body>" with CTI_WEBHOOK_SECRET, sent
as X-CTI-Timestamp and X-CTI-Signature: sha256=<hex>; a bad or old signature is refused before
the body is read, an unknown agent before anything is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_desk
from helpdesk import validation
from helpdesk.exceptions import Forbidden, InvalidInput, NotFound
from live.broadcast import broadcast
from live.events import CONSOLE, user_group
from tickets.models import Ticket, TicketEvent

from .models import Call

EVENTS = ("newCall", "answer", "hangup")
FIELDS = {"event", "callId", "from", "to", "direction", "user", "cause", "answeringNumber"}
# Zammad's hangup causes; anything else is kept as "other".
CAUSES = ("normalClearing", "busy", "cancel", "noAnswer", "congestion", "notFound", "forwarded")
_CALL_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,100}$")
_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")


def verify_signature(*, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None) -> None:
    """Raises Forbidden unless the request was signed with CTI_WEBHOOK_SECRET within
    CTI_MAX_SKEW_SECONDS. Compared in constant time."""
    secret = settings.CTI_WEBHOOK_SECRET
    if not secret:
        raise Forbidden(_("The telephony webhook is not configured."), code="cti_not_configured")
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise Forbidden(_("The request is not signed."), code="bad_signature")
    if abs((now or time.time()) - int(timestamp)) > settings.CTI_MAX_SKEW_SECONDS:
        raise Forbidden(_("The signature has expired."), code="bad_signature")
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not signature or not hmac.compare_digest(expected.encode(), signature.encode("ascii", "replace")):
        raise Forbidden(_("The signature does not match."), code="bad_signature")


def sign(body: bytes, timestamp: int, secret: str) -> str:
    """What the provider sends (used by tests and the demo script)."""
    return "sha256=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def parse(body: bytes) -> dict:
    """The webhook body: a JSON object with known fields, each a short string."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(_("The body must be a JSON object."), code="invalid_body") from None
    if not isinstance(data, dict):
        raise InvalidInput(_("The body must be a JSON object."), code="invalid_body")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}, code="unknown_fields")
    for name, value in data.items():
        if not isinstance(value, str) or len(value) > 150 or "\x00" in value:
            raise InvalidInput(_("%(field)s must be short text.") % {"field": name}, code=f"invalid_{name}", field=name)
    if data.get("event") not in EVENTS:
        raise InvalidInput(_("event is one of newCall, answer, hangup."), code="invalid_event", field="event")
    if not _CALL_ID.match(data.get("callId", "")):
        raise InvalidInput(_("callId is required (letters, digits, . _ : @ -)."), code="invalid_callId", field="callId")
    if data.get("direction", "in") not in ("in", "out"):
        raise InvalidInput(_("direction is in or out."), code="invalid_direction", field="direction")
    for name in ("from", "to"):
        if data.get(name) and not _NUMBER.match(data[name]):
            raise InvalidInput(_("%(field)s must be a phone number.") % {"field": name}, code=f"invalid_{name}", field=name)
    return data


def _mobile(number: str) -> str:
    try:
        return validation.mobile(number)
    except InvalidInput:
        return ""


def _agent(username: str | None) -> User:
    user = User.objects.filter(username=username or "", is_active=True).first() if username else None
    if user is None or not is_desk(user):
        raise InvalidInput(_("Unknown agent: %(user)s.") % {"user": (username or "")[:40]}, code="unknown_agent",
                           field="user")
    return user


@transaction.atomic
def call_event(*, data: dict, at: dt.datetime | None = None) -> Call:
    """Apply one parsed webhook event. Idempotent per (callId, event): a retried newCall or answer
    changes nothing. Locks the call row. `answer` needs a known desk user (else InvalidInput,
    nothing stored). After commit: `call.ringing` to the console group, `call.answered` to the
    answering agent's own group (their console pops the caller), `call.ended` to the console."""
    at = at or timezone.now()
    event = data["event"]
    agent = _agent(data.get("user")) if event == "answer" else None
    call = Call.objects.select_for_update().filter(call_id=data["callId"]).first()
    if call is None:
        if event == "hangup" and not data.get("from"):
            raise NotFound(_("Unknown call."))
        number = data.get("from", "") if data.get("direction", "in") == "in" else data.get("to", "")
        call = Call.objects.create(call_id=data["callId"], direction=data.get("direction", "in"),
                                   from_number=data.get("from", ""), to_number=data.get("to", ""),
                                   caller_mobile=_mobile(number), started_at=at)
        if event == "newCall":
            broadcast([CONSOLE], {"type": "call.ringing", "call_id": call.pk})
    if event == "answer" and call.state == Call.State.RINGING:
        call.state, call.agent, call.answered_at = Call.State.ANSWERED, agent, at
        call.save(update_fields=["state", "agent", "answered_at"])
        broadcast([user_group(agent.pk)], {"type": "call.answered", "call_id": call.pk})
    elif event == "hangup" and call.state != Call.State.ENDED:
        cause = data.get("cause", "")
        call.state, call.ended_at = Call.State.ENDED, at
        call.hangup_cause = cause if cause in CAUSES else ("other" if cause else "")
        call.missed = call.direction == Call.Direction.IN and call.answered_at is None
        call.save(update_fields=["state", "ended_at", "hangup_cause", "missed"])
        broadcast([CONSOLE], {"type": "call.ended", "call_id": call.pk, "missed": call.missed})
    return call


@transaction.atomic
def call_clear_callback(*, call_id: int, user: User) -> Call:
    """An agent called the missed caller back: the call leaves the call-back list. Locks the call;
    clearing twice keeps the first clearance."""
    call = Call.objects.select_for_update().filter(pk=call_id, missed=True).first()
    if call is None:
        raise NotFound(_("Call not found."))
    if call.callback_cleared_at is None:
        call.callback_cleared_at, call.callback_cleared_by = timezone.now(), user
        call.save(update_fields=["callback_cleared_at", "callback_cleared_by"])
        broadcast([CONSOLE], {"type": "call.cleared", "call_id": call.pk})
    return call


def on_ticket_events(ticket: Ticket, events: Sequence[TicketEvent]) -> None:
    """tickets.hooks listener: a `call_linked` event (a ticket opened from the console during a
    call) links the call. A call that does not exist or that someone else answered is refused
    (InvalidInput inside the writing transaction: the ticket is not opened either)."""
    for event in events:
        if event.kind != "call_linked":
            continue
        call_id = (event.payload or {}).get("call_id")
        call = Call.objects.filter(pk=call_id, agent_id=event.actor_id).first() if isinstance(call_id, int) else None
        if call is None:  # refused: the whole ticket write rolls back
            raise InvalidInput(_("This call is not one you answered."), code="invalid_call", field="call")
        call.tickets.add(ticket)


# --- reads ----------------------------------------------------------------------------------------

def call_for_agent(*, user: User, call_id: int) -> Call:
    """A call the user answered (desk supervisors: any call). Otherwise NotFound."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None or not (call.agent_id == user.pk or user.is_supervisor):
        raise NotFound(_("Call not found."))
    return call


def call_log(limit: int = 200):
    return Call.objects.select_related("agent").prefetch_related("tickets").order_by("-started_at", "-id")[:limit]


def callbacks():
    return Call.objects.filter(missed=True, callback_cleared_at__isnull=True).order_by("started_at", "id")
