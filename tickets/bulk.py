"""Bulk actions on tickets chosen in a list: assign, priority, status, link to an incident, merge.

Each ticket goes through the ordinary service (its own transaction, row lock, events and
after-commit broadcasts), after its own permission check; one ticket refused never stops or
undoes the others. The request as a whole is checked first (action, value, at most BULK_MAX
distinct well-formed numbers): a bad request changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext as _

from accounts.models import User, Vendor
from accounts.permissions import is_desk, is_supervisor
from helpdesk.exceptions import DomainError, Forbidden, InvalidInput, NotFound

from . import intake, selectors, services
from .models import Priority, TicketStatus
from .numbers import normalise_number
from .services import Actor

BULK_MAX = 500
ACTIONS = ("assign", "priority", "status", "incident", "merge")


@dataclass(frozen=True)
class BulkResult:
    number: str
    ok: bool
    code: str = "ok"
    detail: str = ""

    def as_dict(self) -> dict:
        return {"number": self.number, "ok": self.ok, "code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class BulkRequest:
    action: str
    numbers: tuple[str, ...]
    assignee: User | None = None
    priority: str = ""
    to: str = ""
    note: str = ""
    incident_id: int | None = None
    survivor: str = ""
    vendor: Vendor | None = None


def bulk_check_role(user) -> None:
    """Bulk actions are desk work: anyone else is refused before their request is read."""
    if not is_desk(user):
        raise Forbidden(_("Only helpdesk staff may change tickets in bulk."))


def bulk_parse(*, user, action: object, numbers: object, value: dict) -> BulkRequest:
    """Check a bulk request as a whole. Raises Forbidden (not a desk role; merge: not a
    supervisor) or InvalidInput (unknown action, bad value, no tickets, over BULK_MAX)."""
    bulk_check_role(user)
    if action not in ACTIONS:
        raise InvalidInput(_("Unknown bulk action. Choose from: %(choices)s.") % {"choices": ", ".join(ACTIONS)},
                           code="invalid_action", field="action")
    if action == "merge" and not is_supervisor(user):
        raise Forbidden(_("Only supervisors may merge tickets."))
    if not isinstance(numbers, list | tuple) or not numbers:
        raise InvalidInput(_("Choose at least one ticket."), code="invalid_tickets", field="tickets")
    if len(numbers) > BULK_MAX:
        raise InvalidInput(_("At most %(max)s tickets at once (%(count)s chosen).") % {"max": BULK_MAX, "count": len(numbers)},
                           code="too_many_tickets", field="tickets", max=BULK_MAX)
    cleaned: list[str] = []
    for raw in numbers:
        number = normalise_number(raw)
        if number is None:
            shown = raw[:20] if isinstance(raw, str) else type(raw).__name__
            raise InvalidInput(_("Not a ticket number: %(value)s.") % {"value": shown}, code="invalid_tickets",
                               field="tickets")
        if number not in cleaned:
            cleaned.append(number)
    fields: dict = {"action": action, "numbers": tuple(cleaned)}
    if action == "assign":
        raw = value.get("assignee")
        if raw not in (None, ""):
            if not _is_id(raw):
                raise InvalidInput(_("Unknown user."), code="invalid_assignee", field="assignee")
            assignee = User.objects.filter(pk=int(raw), is_active=True, role__in=["agent", "supervisor", "admin"]).first()
            if assignee is None:
                raise InvalidInput(_("Unknown user."), code="invalid_assignee", field="assignee")
            fields["assignee"] = assignee
    elif action == "priority":
        priority = value.get("priority")
        if priority not in Priority.values:
            raise InvalidInput(_("Choose a priority (P1 to P4)."), code="invalid_priority", field="priority")
        fields["priority"] = priority
    elif action == "status":
        to = value.get("to")
        if to not in TicketStatus.values or to == TicketStatus.MERGED:
            raise InvalidInput(_("Choose the new status."), code="invalid_to", field="to")
        fields["to"] = to
        fields["note"] = intake.transition_note(value.get("note"), to=to)
        raw = value.get("vendor")
        if raw not in (None, ""):
            vendor = Vendor.objects.filter(pk=int(raw)).first() if _is_id(raw) else None
            if vendor is None:
                raise InvalidInput(_("Unknown vendor."), code="invalid_vendor", field="vendor")
            fields["vendor"] = vendor
    elif action == "incident":
        raw = value.get("incident")
        if raw not in (None, ""):
            if not _is_id(raw):
                raise InvalidInput(_("Unknown incident."), code="invalid_incident", field="incident")
            if not apps.get_model("live", "Incident").objects.filter(pk=int(raw)).exists():
                raise InvalidInput(_("Unknown incident."), code="invalid_incident", field="incident")
            fields["incident_id"] = int(raw)
    elif action == "merge":
        survivor = normalise_number(value.get("survivor"))
        if survivor is None:
            raise InvalidInput(_("Choose the ticket to merge into."), code="invalid_survivor", field="survivor")
        fields["survivor"] = survivor
    return BulkRequest(**fields)


def _is_id(raw: object) -> bool:
    """A database id as a JSON integer or as digits in a form field (never a bool)."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return False
    text = str(raw)
    return text.isascii() and text.isdigit() and len(text) < 18 and int(text) > 0


def ticket_bulk_apply(*, user, request: BulkRequest) -> list[BulkResult]:
    """Apply `request` to each of its tickets, in the order given; a result per ticket.

    No lock spans tickets: each service call locks its own row in its own transaction, and
    broadcasts after its own commit. A ticket outside the user's scope is "not found" exactly
    like an unknown number."""
    actor = Actor.of(user)
    survivor = None
    if request.action == "merge":
        try:
            survivor = selectors.ticket_get(user=user, number=request.survivor)
        except NotFound:
            raise InvalidInput(_("The ticket to merge into was not found."), code="invalid_survivor",
                               field="survivor") from None
    results = []
    for number in request.numbers:
        try:
            ticket = selectors.ticket_get(user=user, number=number)
            _apply(request, ticket, actor, survivor)
        except DomainError as exc:
            results.append(BulkResult(number, False, exc.code, str(exc.detail)))
        else:
            results.append(BulkResult(number, True))
    return results


def _apply(request: BulkRequest, ticket, actor: Actor, survivor) -> None:
    if request.action == "assign":
        services.ticket_assign(ticket_id=ticket.pk, assignee=request.assignee, actor=actor)
    elif request.action == "priority":
        services.ticket_set_priority(ticket_id=ticket.pk, priority=request.priority, actor=actor)
    elif request.action == "status":
        services.ticket_transition(ticket_id=ticket.pk, to=request.to, actor=actor, note=request.note,
                                   vendor=request.vendor)
    elif request.action == "incident":
        services.ticket_link_incident(ticket_id=ticket.pk, incident_id=request.incident_id, actor=actor)
    elif request.action == "merge":
        if ticket.pk == survivor.pk:
            raise InvalidInput(_("This is the ticket the others are merged into."), code="survivor")
        services.ticket_merge(survivor_id=survivor.pk, merged_ids=[ticket.pk], actor=actor)
