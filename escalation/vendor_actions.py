"""The vendor's side of a ticket after an escalation: hand it to a colleague, "restored on our
side", "not ours / can't fix", and an officer's reassignment or acknowledgement on an engineer's
behalf. The signed link page, the vendor inbox and the officers' view call these (acknowledge and
progress are in services.py).

Every function runs in one transaction, locks the ticket row and then its SLA row (the order used
everywhere), writes its events (actor = the person, label "vendor-link" through a link) and is
idempotent: a repeated call (a double tap, a retried form) changes nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from helpdesk.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from notifications.outbox import outbox_enqueue
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, TicketEvent, TicketStatus

from . import engine
from .links import ack_url
from .models import Clock, ClockKind, EscalationNotice, EscalationRecord
from .services import _lock, actor_for, already_done, escalation_acknowledge
from .vendor_input import REASON_MAX_CHARS, clean_note

# The desk takes the ticket back from these states (restore, decline); other states stay.
_BACK_TO_DESK_FROM = (TicketStatus.AWAITING_VENDOR, TicketStatus.NEW, TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED)
DONE_KINDS = ("vendor_restored", "vendor_declined")


@dataclass
class ActionResult:
    done: bool  # False: nothing changed (already done); idempotent
    message: str = ""


def vendor_of(ticket, sla_snapshot: dict | None = None) -> int | None:
    """The vendor responsible for the ticket: the one it was handed to, else the last escalated to."""
    if ticket.vendor_id:
        return ticket.vendor_id
    return (EscalationRecord.objects.filter(ticket_id=ticket.pk, vendor__isnull=False).order_by("-fired_at", "-id")
            .values_list("vendor_id", flat=True).first()) or (sla_snapshot or {}).get("vendor_id")


def finished_kind(ticket_id: int) -> str | None:
    """"vendor_restored" or "vendor_declined" if that is the vendor's last word on the ticket (no
    escalation fired and no hand-over to the vendor since); else None."""
    last_done = TicketEvent.objects.filter(ticket_id=ticket_id, kind__in=DONE_KINDS).order_by("-id").first()
    if last_done is None:
        return None
    newer = TicketEvent.objects.filter(ticket_id=ticket_id, id__gt=last_done.pk, kind__in=(
        "escalation_fired", "vendor_assigned")).exists() or TicketEvent.objects.filter(
        ticket_id=ticket_id, id__gt=last_done.pk, kind="status_changed", to_value=TicketStatus.AWAITING_VENDOR).exists()
    return None if newer else last_done.kind


def colleagues(vendor_id: int | None, *, exclude_id: int | None = None) -> list[User]:
    """Active vendor staff of `vendor_id` with a mobile: who a ticket can be handed to."""
    if not vendor_id:
        return []
    qs = User.objects.filter(vendor_id=vendor_id, is_active=True, role__in=("vendor_engineer", "vendor_officer"))
    # Engineers first (the usual hand-over), then officers.
    return list(qs.exclude(mobile="").exclude(pk=exclude_id).order_by("role", "first_name", "username"))


def _current_notice(ticket_id: int, user, notice_id: int | None) -> EscalationNotice | None:
    qs = EscalationNotice.objects.select_related("record", "user").filter(record__ticket_id=ticket_id)
    if notice_id is not None:
        return qs.filter(pk=notice_id).first()
    return qs.filter(user=user, superseded_by__isnull=True).order_by("-record__fired_at", "-id").first()


@transaction.atomic
def vendor_hand_over(*, ticket_id: int, user, to_user_id: object, via: str, notice_id: int | None = None,
                     note: str = "", action_key: str = "", by=None) -> ActionResult:
    """Hand the ticket to a named colleague of the same vendor (`by`: an officer reassigning
    `user`'s escalation). The colleague gets a notice on the same ladder step and their own
    signed link by SMS; `user`'s notice is superseded (their link becomes read-only). The
    hand-over acknowledges nothing: if the step was waiting, the colleague must acknowledge (the
    ladder keeps running meanwhile). Raises InvalidInput for a colleague of another vendor, one
    without a mobile, oneself or an unknown id; Conflict for a closed ticket or a read-only link.
    Event: vendor_handed_over. After commit: the colleague's SMS."""
    note = clean_note(note, required=False)
    ticket, sla = _lock(ticket_id)
    if action_key and already_done(ticket_id, action_key):
        return ActionResult(False, _("Already handed over."))
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(_("This ticket is no longer open."), code="ticket_closed")
    current = _current_notice(ticket_id, user, notice_id)
    if current is not None and current.superseded_by_id:
        raise Conflict(_("This ticket was already handed to a colleague; this link is now read-only."),
                       code="link_read_only")
    vendor_id = vendor_of(ticket, sla.snapshot)
    target = _colleague(to_user_id, vendor_id, exclude=user)
    record = current.record if current else EscalationRecord.objects.filter(ticket_id=ticket_id).order_by(
        "-fired_at", "-id").first()
    if record is None:
        raise Conflict(_("Nothing was escalated on this ticket yet."), code="not_escalated")
    now = timezone.now()
    new, created = EscalationNotice.objects.get_or_create(
        record=record, user=target, defaults={"target": current.target if current else "on_call", "channels": ["sms"]})
    if not created and new.superseded_by_id:
        new.superseded_by, new.superseded_at = None, None
        new.save(update_fields=["superseded_by", "superseded_at"])
    if current is not None:
        current.superseded_by, current.superseded_at = new, now
        current.save(update_fields=["superseded_by", "superseded_at"])
    event = ticket_services.ticket_record_event(
        ticket_id=ticket.pk, kind="vendor_handed_over", actor=actor_for(user, via, by),
        from_value=str(getattr(user, "pk", "") or ""), to_value=str(target.pk),
        payload={"from_user": getattr(user, "pk", None), "from_name": _name(user), "to_user": target.pk,
                 "to_name": _name(target), "via": via, "note": note, "action_key": action_key,
                 **({"by_officer": by.pk} if by else {})})
    if note:
        ticket_services.ticket_comment(ticket_id=ticket.pk, body=note, actor=actor_for(user, via, by), is_public=False)
    with translation.override(target.preferred_language or "en"):
        body = _("%(priority)s ticket %(number)s (%(district)s) was handed to you by %(name)s. Open: %(link)s") % {
            "priority": ticket.priority, "number": ticket.display_number, "district": ticket.district.name,
            "name": _name(by or user), "link": ack_url(new.pk)}
    outbox_enqueue(channel="sms", recipient=target.mobile, body=body, idempotency_key=f"handover:{event.pk}:sms",
                   ticket_id=ticket.pk, language=target.preferred_language or "en", notice_id=new.pk)
    return ActionResult(True, _("Handed to %(name)s. They will get their own link by SMS.") % {"name": _name(target)})


def _colleague(raw: object, vendor_id: int | None, *, exclude) -> User:
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.isascii()
                                                              and raw.isdigit() and len(raw) <= 9)):
        raise InvalidInput(_("Choose the colleague to hand the ticket to."), code="invalid_colleague", field="to_user")
    target = User.objects.filter(pk=int(raw), is_active=True).first()
    if target is None or not target.is_vendor or target.vendor_id != vendor_id:
        raise InvalidInput(_("You can hand the ticket only to a colleague of the same vendor."),
                           code="colleague_other_vendor", field="to_user")
    if not target.mobile:
        raise InvalidInput(_("%(name)s has no mobile number for the link; choose someone else.")
                           % {"name": _name(target)}, code="colleague_without_mobile", field="to_user")
    if exclude is not None and target.pk == getattr(exclude, "pk", None):
        raise InvalidInput(_("The ticket is already yours."), code="colleague_is_self", field="to_user")
    return target


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _finish(*, ticket_id: int, user, via: str, notice_id: int | None, kind: str, note: str, stop_reason: str,
            action_key: str, desk_note: str) -> ActionResult:
    ticket, sla = _lock(ticket_id)
    if (action_key and already_done(ticket_id, action_key)) or finished_kind(ticket_id) is not None:
        return ActionResult(False)
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(_("This ticket is no longer open."), code="ticket_closed")
    current = _current_notice(ticket_id, user, notice_id)
    if current is not None and current.superseded_by_id:
        raise Conflict(_("This ticket was handed to a colleague; this link is now read-only."), code="link_read_only")
    actor = actor_for(user, via)
    escalation_acknowledge(ticket_id=ticket_id, user=user, via=via, notice_id=notice_id)
    now = timezone.now()
    live = {c.kind: c for c in Clock.objects.filter(sla=sla).exclude(state=Clock.State.STOPPED)}
    stopped = [kind_ for kind_ in (ClockKind.VENDOR_ACK, ClockKind.VENDOR_RESTORE, ClockKind.ETA) if kind_ in live]
    for clock_kind in stopped:
        engine._stop(sla, live, clock_kind, now, stop_reason)
    ticket_services.ticket_record_event(
        ticket_id=ticket.pk, kind=kind, actor=actor, is_public=kind == "vendor_restored",
        payload={"note": note, "via": via, "clocks": stopped, "action_key": action_key})
    if ticket.status in _BACK_TO_DESK_FROM:
        ticket_services.ticket_transition(ticket_id=ticket.pk, to=TicketStatus.IN_PROGRESS, actor=actor,
                                          note=f"{desk_note}: {note}" if note else desk_note)
    elif note:
        ticket_services.ticket_comment(ticket_id=ticket.pk, body=f"{desk_note}: {note}", actor=actor, is_public=False)
    engine.arm(sla, now)
    return ActionResult(True)


@transaction.atomic
def vendor_restore(*, ticket_id: int, user, note: str = "", via: str, notice_id: int | None = None,
                   action_key: str = "") -> ActionResult:
    """"Restored on our side": acknowledges what was waiting, stops the vendor's clocks (restore,
    acknowledgement, ETA; reason "restored", met if before the due time) and hands the ticket
    back to the desk (in progress) to confirm with the citizen and resolve. The citizen's own
    clocks keep running: the promise to the citizen is the desk's. Locks ticket, then SLA.
    Event: vendor_restored (public), clock_stopped, status_changed. Idempotent."""
    note = clean_note(note, required=False)
    with translation.override("en"):
        desk_note = _("Vendor: restored on our side, please confirm")
    return _finish(ticket_id=ticket_id, user=user, via=via, notice_id=notice_id, kind="vendor_restored", note=note,
                   stop_reason="restored", action_key=action_key, desk_note=desk_note)


@transaction.atomic
def vendor_decline(*, ticket_id: int, user, reason: str, via: str, notice_id: int | None = None,
                   action_key: str = "") -> ActionResult:
    """"Not ours / can't fix", with a reason (required): acknowledges what was waiting (someone
    answered), stops the vendor's clocks (reason "declined") and hands the ticket back to the
    desk (in progress) with the reason as an internal note; the desk hears of it on the console
    (live event). Locks ticket, then SLA. Event: vendor_declined. Idempotent."""
    reason = clean_note(reason, required=True, field="reason", max_chars=REASON_MAX_CHARS)
    with translation.override("en"):
        desk_note = _("Vendor: not ours / cannot fix")
    return _finish(ticket_id=ticket_id, user=user, via=via, notice_id=notice_id, kind="vendor_declined",
                   note=reason, stop_reason="declined", action_key=action_key, desk_note=desk_note)


@transaction.atomic
def escalation_acknowledge_on_behalf(*, ticket_id: int, officer, engineer_id: object) -> ActionResult:
    """A vendor officer acknowledges for an engineer of the same vendor who was escalated to
    (recorded as such: the event's actor is the officer, the notices say "behalf"). Raises
    Forbidden for anyone but an officer of the ticket's vendor, InvalidInput for an engineer who
    got no escalation on this ticket."""
    ticket, sla = _lock(ticket_id)
    vendor_id = vendor_of(ticket, sla.snapshot)
    if not permissions.is_vendor_officer(officer) or officer.vendor_id != vendor_id:
        raise Forbidden(_("Only the vendor's officers may acknowledge on someone's behalf."))
    notice = None
    if isinstance(engineer_id, str) and engineer_id.isascii() and engineer_id.isdigit() and len(engineer_id) <= 9:
        notice = EscalationNotice.objects.select_related("user").filter(
            record__ticket_id=ticket_id, user_id=int(engineer_id), superseded_by__isnull=True).order_by("-id").first()
    if notice is None or notice.user is None:
        raise InvalidInput(_("Choose an engineer this ticket was escalated to."), code="invalid_engineer",
                           field="engineer")
    result = escalation_acknowledge(ticket_id=ticket_id, user=notice.user, via=EscalationNotice.Via.BEHALF,
                                    notice_id=notice.pk, by=officer)
    if not result.acknowledged:
        return ActionResult(False, _("Nothing was waiting for acknowledgement."))
    return ActionResult(True, _("Acknowledged on behalf of %(name)s.") % {"name": _name(notice.user)})


def find_notice(notice_id: int) -> EscalationNotice:
    notice = EscalationNotice.objects.select_related("record__ticket", "user").filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(_("This link is not valid."))
    return notice
